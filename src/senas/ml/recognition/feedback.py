"""Feedback per parameter (handshape, orientation, location, movement, hand used), Spanish first and English too.

Each message names one thing to change, the most useful single correction, as the per-parameter feedback
systems that learners rate best do (Learn2Sign, SMILE).

Handshape advice is judged on the hand-frame descriptor (``handframe``): a finger joint, the thumb's place or
the spread is named only when it differs from the template's by more than ``FINGER_TOLERANCE`` tolerances (the
metric's per-column spread of how people make one letter) — never a finger already within it. Where the palm faces
and where the fingers point is its own parameter, orientation, with its own words ("Gira la palma hacia
delante"): a right handshape turned the wrong way gets "handshape ok, orientation: fix".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.recognition.body import REGION_NAMES, region_of
from senas.ml.recognition.handframe import FINGER_NAMES, JOINTS, SHAPE_NAMES, SPREAD, orientation_changes
from senas.ml.recognition.orientation import ORIENTATION_TOLERANCE
from senas.ml.recognition.scoring_api import Feedback, Parameter, Status

OK_SCORE = 75.0
ALMOST_SCORE = 50.0
FINGER_TOLERANCE = 2.0

FINGER_WORDS = {
    "thumb": ("el pulgar", "your thumb"),
    "index": ("el dedo índice", "your index finger"),
    "middle": ("el dedo medio", "your middle finger"),
    "ring": ("el dedo anular", "your ring finger"),
    "little": ("el meñique", "your little finger"),
}


def _told(parameter: Parameter, status: Status, score: float, message_es: str, message_en: str) -> Feedback:
    return Feedback(parameter=parameter, status=status, score=score, message_es=message_es, message_en=message_en)


def status_of(score: float) -> Status:
    if score >= OK_SCORE:
        return "ok"
    return "almost" if score >= ALMOST_SCORE else "fix"


# --- handshape --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    size: float  # in tolerances: how far off
    message_es: str
    message_en: str


def finger_corrections(attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> list[Correction]:
    """Per finger (not the thumb): bend or stretch, when some joint is off by more than FINGER_TOLERANCE
    tolerances; a finger whose every joint is within it is never mentioned."""
    out = []
    column = len(JOINTS["thumb"])
    for finger in FINGER_NAMES[1:]:
        joints = slice(column, column + len(JOINTS[finger]))
        column += len(JOINTS[finger])
        off = (attempt[joints] - template[joints]) / tolerance[joints]
        if np.max(np.abs(off)) <= FINGER_TOLERANCE:
            continue
        es, en = FINGER_WORDS[finger]
        # Positive: more bent than the template.
        if float(np.sum(attempt[joints] - template[joints])) > 0:
            out.append(Correction(float(np.max(np.abs(off))), f"Estira {es}.", f"Straighten {en}."))
        else:
            out.append(Correction(float(np.max(np.abs(off))), f"Dobla {es}.", f"Bend {en}."))
    return out


def _column(name: str) -> int:
    return SHAPE_NAMES.index(name)


def thumb_correction(attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> Correction | None:
    """Where the thumb should go, named by the template's thumb: touching a fingertip, across the palm, beside
    the index, or out to the side."""
    place = slice(_column("thumb_radial"), _column("thumb_to_ring_pip") + 1)
    off = (attempt[place] - template[place]) / tolerance[place]
    worst = float(np.max(np.abs(off)))
    if worst <= FINGER_TOLERANCE:
        return None
    tips = [_column(f"thumb_to_{name}_tip") for name in FINGER_NAMES[1:]]
    touching = int(np.argmin(template[tips]))
    radial = template[_column("thumb_radial")]
    # A template thumb within a third of a palm of a fingertip touches it (O, F, and the like).
    if (
        template[tips[touching]] < 0.33
        and attempt[tips[touching]] > template[tips[touching]] + tolerance[tips[touching]]
    ):
        es, en = FINGER_WORDS[FINGER_NAMES[1 + touching]]
        name_es = es.replace("el dedo ", "").replace("el ", "")
        return Correction(
            worst,
            f"Toca con el pulgar la punta del {name_es}.",
            f"Touch the tip of {en} with your thumb.",
        )
    if radial < 0:
        return Correction(worst, "Cruza el pulgar por delante de la palma.", "Fold your thumb across your palm.")
    if radial > 0.6:
        return Correction(worst, "Separa el pulgar de la mano.", "Hold your thumb out to the side.")
    return Correction(worst, "Pon el pulgar junto al dedo índice.", "Place your thumb beside your index finger.")


def spread_correction(attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> Correction | None:
    off = (attempt[SPREAD] - template[SPREAD]) / tolerance[SPREAD]
    pair = int(np.argmax(np.abs(off[1:]))) + 1  # thumb–index is the thumb's place, handled there
    if abs(off[pair]) <= FINGER_TOLERANCE:
        return None
    a, b = FINGER_NAMES[pair], FINGER_NAMES[pair + 1]
    words = f"{FINGER_WORDS[a][0]} y {FINGER_WORDS[b][0]}", f"{FINGER_WORDS[a][1]} and {FINGER_WORDS[b][1]}"
    if off[pair] > 0:
        return Correction(abs(float(off[pair])), f"Junta {words[0]}.", f"Bring {words[1]} together.")
    return Correction(abs(float(off[pair])), f"Separa {words[0]}.", f"Spread {words[1]} apart.")


def handshape_feedback(score: float, attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> Feedback:
    """``attempt``/``template``: mean hand-frame descriptors along the warping path; ``tolerance``: the metric's
    (of the branch the attempt was compared on)."""
    status = status_of(score)
    if status == "ok":
        return _told("handshape", status, score, "La forma de la mano es correcta.", "Your handshape is right.")
    found: list[Correction] = finger_corrections(attempt, template, tolerance)
    for extra in (thumb_correction(attempt, template, tolerance), spread_correction(attempt, template, tolerance)):
        if extra is not None:
            found.append(extra)
    if found:
        worst = max(found, key=lambda c: c.size)
        message_es, message_en = worst.message_es, worst.message_en
    elif status == "almost":
        message_es = "Casi: ajusta la forma de la mano al vídeo de referencia."
        message_en = "Almost: match your handshape to the reference video."
    else:
        # Off overall though no single finger, thumb or spread is beyond tolerance on its own.
        message_es = "Compara la forma de tu mano con la del vídeo de referencia, dedo a dedo."
        message_en = "Compare your handshape with the reference video, finger by finger."
    return _told("handshape", status, score, message_es, message_en)


def orientation_feedback(
    score: float, attempt: np.ndarray, template: np.ndarray, left: bool, *, palm_known: bool = True
) -> Feedback:
    """``attempt``/``template``: mean orientation descriptors (6,) in right-hand form; ``left``: the learner's
    hand (directions are named from the learner's side)."""
    status = status_of(score)
    changes = orientation_changes(attempt, template, left, ORIENTATION_TOLERANCE, palm_known=palm_known)
    if status == "ok" or not changes:
        right = "La orientación de la mano es correcta.", "Your hand's orientation is right."
        return _told("orientation", status, score, *right)
    return _told("orientation", status, score, *changes[0].message())


# --- location, movement, hand -----------------------------------------------------------------------------------


def location_feedback(score: float, attempt: np.ndarray, template: np.ndarray) -> Feedback:
    """Locations are mean palm centres in frame coordinates (mirrored for left hands, so "left" and "right" are
    from the learner's dominant side); without body landmarks the frame is the only reference."""
    status = status_of(score)
    if status == "ok":
        return _told(
            "location", status, score, "La mano está en el lugar correcto.", "Your hand is in the right place."
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
    return _told("location", status, score, f"Coloca la mano {es}.", f"Place your hand {en}.")


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
        right = (
            f"La mano está en el lugar correcto: {at_target_es}.",
            f"Your hand is in the right place: at {target_en}.",
        )
        return _told("location", status, score, *right)
    if current == target:
        message_es = f"Acerca más la mano {target_es}, como en el vídeo de referencia."
        message_en = f"Bring your hand closer to {target_en}, as in the reference video."
    else:
        message_es = f"Lleva la mano {target_es}; ahora está {at_current_es}."
        message_en = f"Move your hand to {target_en}; it is at {current_en} now."
    return _told("location", status, score, message_es, message_en)


def movement_feedback(score: float, attempt_extent: float, template_extent: float) -> Feedback:
    status = status_of(score)
    if status == "ok":
        return _told("movement", status, score, "El movimiento es correcto.", "Your movement is right.")
    if template_extent > attempt_extent * 1.5:
        message_es = "Esta seña lleva movimiento: haz el recorrido completo del vídeo de referencia."
        message_en = "This sign moves: make the whole path shown in the reference video."
    elif attempt_extent > template_extent * 1.5:
        message_es = "Mueve menos la mano: esta seña se hace casi quieta."
        message_en = "Move your hand less: this sign is held almost still."
    else:
        message_es = "El recorrido de la mano no coincide: fíjate en la dirección del movimiento."
        message_en = "Your hand's path differs: watch the direction of the movement."
    return _told("movement", status, score, message_es, message_en)


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
