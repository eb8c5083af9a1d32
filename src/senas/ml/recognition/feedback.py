"""Feedback per parameter (handshape, location, movement, hand used), Spanish first and English too.

Each message names one thing to change, the most useful single correction, as the per-parameter feedback
systems that learners rate best do (Learn2Sign, SMILE)."""

from __future__ import annotations

import numpy as np

from senas.ml.recognition.body import REGION_NAMES, region_of
from senas.ml.recognition.scoring_api import Feedback, Status

FINGERS = {
    "thumb": ((1, 2, 3, 4), "el pulgar", "your thumb"),
    "index": ((5, 6, 7, 8), "el dedo índice", "your index finger"),
    "middle": ((9, 10, 11, 12), "el dedo medio", "your middle finger"),
    "ring": ((13, 14, 15, 16), "el dedo anular", "your ring finger"),
    "little": ((17, 18, 19, 20), "el meñique", "your little finger"),
}
OK_SCORE = 75.0
ALMOST_SCORE = 50.0
# A finger whose tip lies this many palm lengths closer to / farther from the wrist than the template's is
# "bent" / "extended" enough to mention.
FINGER_REACH_TOLERANCE = 0.3
FINGER_PLACE_TOLERANCE = 0.45
TURN_TOLERANCE = np.radians(30)


def status_of(score: float) -> Status:
    if score >= OK_SCORE:
        return "ok"
    return "almost" if score >= ALMOST_SCORE else "fix"


def handshape_feedback(score: float, attempt: np.ndarray, template: np.ndarray, turn: float) -> Feedback:
    """``attempt``/``template``: aligned canonical hands (steps, 21, 3) along the warping path; ``turn``: mean
    orientation difference in radians (attempt minus template, clockwise positive)."""
    status = status_of(score)
    if status == "ok":
        return Feedback(
            parameter="handshape",
            status=status,
            score=score,
            message_es="La forma de la mano es correcta.",
            message_en="Your handshape is right.",
        )
    reach_a = np.linalg.norm(attempt[:, [4, 8, 12, 16, 20], :2], axis=2).mean(axis=0)
    reach_t = np.linalg.norm(template[:, [4, 8, 12, 16, 20], :2], axis=2).mean(axis=0)
    place = np.linalg.norm((attempt - template)[:, :, :2], axis=2).mean(axis=0)
    worst_reach = int(np.argmax(np.abs(reach_a - reach_t)))
    names = list(FINGERS.values())
    if abs(reach_a[worst_reach] - reach_t[worst_reach]) >= FINGER_REACH_TOLERANCE:
        _, es, en = names[worst_reach]
        if reach_a[worst_reach] < reach_t[worst_reach]:
            message_es, message_en = f"Extiende más {es}.", f"Stretch out {en} more."
        else:
            message_es, message_en = f"Dobla {es}.", f"Bend {en}."
    elif abs(turn) >= TURN_TOLERANCE:
        way_es, way_en = ("a la izquierda", "to the left") if turn > 0 else ("a la derecha", "to the right")
        message_es = f"Gira un poco la mano {way_es}, como en el vídeo de referencia."
        message_en = f"Turn your hand a little {way_en}, as in the reference video."
    else:
        worst = max(FINGERS, key=lambda name: float(place[list(FINGERS[name][0])].mean()))
        indices, es, en = FINGERS[worst]
        if float(place[list(indices)].mean()) >= FINGER_PLACE_TOLERANCE:
            message_es = f"Revisa la posición de {es}: compárala con el vídeo de referencia."
            message_en = f"Check where {en} is: compare it with the reference video."
        else:
            message_es = "Casi: ajusta la forma de la mano al vídeo de referencia."
            message_en = "Almost: match your handshape to the reference video."
    return Feedback(parameter="handshape", status=status, score=score, message_es=message_es, message_en=message_en)


def location_feedback(score: float, attempt: np.ndarray, template: np.ndarray) -> Feedback:
    """Locations are mean palm centres in frame coordinates (mirrored for left hands, so "left" and "right" are
    from the learner's dominant side); without body landmarks the frame is the only reference."""
    status = status_of(score)
    if status == "ok":
        return Feedback(
            parameter="location",
            status=status,
            score=score,
            message_es="La mano está en el lugar correcto.",
            message_en="Your hand is in the right place.",
        )
    dx, dy = (template - attempt).tolist()
    if abs(dy) >= abs(dx):
        es, en = ("más abajo", "lower") if dy > 0 else ("más arriba", "higher")
    else:
        # The frame is un-mirrored: a palm that should be further right in the picture is further to the
        # learner's left.
        es, en = (
            ("más hacia tu izquierda", "further to your left")
            if dx > 0
            else (
                "más hacia tu derecha",
                "further to your right",
            )
        )
    return Feedback(
        parameter="location",
        status=status,
        score=score,
        message_es=f"Coloca la mano {es}.",
        message_en=f"Place your hand {en}.",
    )


def body_location_feedback(
    score: float,
    attempt: np.ndarray,
    attempt_anchors: np.ndarray,
    template: np.ndarray,
    template_anchors: np.ndarray,
) -> Feedback:
    """Locations in body units (see ``body.py``). The place to go is the template's region on the reference
    signer's body; where the hand is now, the attempt's region on the learner's own body."""
    status = status_of(score)
    target = region_of(template, template_anchors)
    current = region_of(attempt, attempt_anchors)
    target_es, at_target_es, target_en = REGION_NAMES[target]
    _, at_current_es, current_en = REGION_NAMES[current]
    if status == "ok":
        return Feedback(
            parameter="location",
            status=status,
            score=score,
            message_es=f"La mano está en el lugar correcto: {at_target_es}.",
            message_en=f"Your hand is in the right place: at {target_en}.",
        )
    if current == target:
        message_es = f"Acerca más la mano {target_es}, como en el vídeo de referencia."
        message_en = f"Bring your hand closer to {target_en}, as in the reference video."
    else:
        message_es = f"Lleva la mano {target_es}; ahora está {at_current_es}."
        message_en = f"Move your hand to {target_en}; it is at {current_en} now."
    return Feedback(parameter="location", status=status, score=score, message_es=message_es, message_en=message_en)


def movement_feedback(score: float, attempt_extent: float, template_extent: float) -> Feedback:
    status = status_of(score)
    if status == "ok":
        return Feedback(
            parameter="movement",
            status=status,
            score=score,
            message_es="El movimiento es correcto.",
            message_en="Your movement is right.",
        )
    if template_extent > attempt_extent * 1.5:
        message_es = "Esta seña lleva movimiento: haz el recorrido completo del vídeo de referencia."
        message_en = "This sign moves: make the whole path shown in the reference video."
    elif attempt_extent > template_extent * 1.5:
        message_es = "Mueve menos la mano: esta seña se hace casi quieta."
        message_en = "Move your hand less: this sign is held almost still."
    else:
        message_es = "El recorrido de la mano no coincide: fíjate en la dirección del movimiento."
        message_en = "Your hand's path differs: watch the direction of the movement."
    return Feedback(parameter="movement", status=status, score=score, message_es=message_es, message_en=message_en)


def hand_feedback(used: str, dominant: str) -> Feedback:
    if used == dominant:
        return Feedback(
            parameter="hand",
            status="ok",
            message_es="Usaste tu mano dominante.",
            message_en="You used your dominant hand.",
        )
    used_es = "izquierda" if used == "left" else "derecha"
    dominant_es = "izquierda" if dominant == "left" else "derecha"
    return Feedback(
        parameter="hand",
        status="almost",
        message_es=f"Usaste la mano {used_es}; tu mano dominante es la {dominant_es} (cámbiala en tu perfil si no).",
        message_en=f"You used your {used} hand; your dominant hand is your {dominant} (change it in your profile "
        "if not).",
    )
