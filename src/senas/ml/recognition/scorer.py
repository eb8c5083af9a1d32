"""The scoring model: one attempt against the target sign's template (verification), the nearest signs of the
vocabulary (top-k), and feedback per parameter.

Each parameter has a distance and a curve turning it into 0–100 (``100 / (1 + (d / d50)³)``: flat near a
perfect match, 50 at ``d50``, falling fast beyond). The ``d50`` values were set from the alphabet data and the
fixture photos: the same handshape made by another person (real photos against templates from one signer) lies
at 1.1–1.4, the nearest *different* letters of one signer at 0.4–1.5, clearly different handshapes at 2–3.

Location is judged relative to the body when both the attempt and the template carry body landmarks (see
``body.py``), else against the frame; the weights follow (``BODY_WEIGHTS`` / ``WEIGHTS``), per template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from senas.ml.landmarks.sequence import BODY, LEFT, MAX_HANDS, NO_HAND, POINTS, RIGHT, HandTrack
from senas.ml.recognition import feedback as fb
from senas.ml.recognition.dtw import batch_dtw, dtw_path
from senas.ml.recognition.features import SignFeatures, features_from_hands
from senas.ml.recognition.normalise import canonical_hands
from senas.ml.recognition.scoring_api import Attempt, Feedback, Neighbour, ScoreRequest, ScoreResponse
from senas.ml.recognition.templates import TemplateBank

MODEL_NAME = "sign-scorer"
MODEL_VERSION = "dtw-2"
SHAPE_D50 = 1.8
MOVEMENT_D50 = 0.25
# Without body landmarks the only reference for *where* the hand is, is the frame, which depends on how the learner
# sits: location is judged leniently and counts least.
LOCATION_D50 = 0.4
WEIGHTS = {"handshape": 0.7, "movement": 0.2, "location": 0.1}
# With the body as reference, location is what sign phonology says it is — a parameter as primary as movement, with
# minimal pairs of its own — and no longer depends on how the learner sits. 0.3 is chosen so that a sign made with
# a typical handshape (component ~75) and right movement but in the wrong place (chest for chin: location < 5)
# falls to ~56, under most signs' pass thresholds (measured per sign, 50–80: see calibration.py), while the same
# sign in the right place scores ~84.
# Handshape keeps the largest share: it is the most detailed and best measured parameter.
BODY_WEIGHTS = {"handshape": 0.5, "movement": 0.2, "location": 0.3}
# Body units are shoulder widths (~40 cm on an adult). Places on the face lie close together — mouth and chin
# ~0.12 apart, chin and cheek ~0.2, chin and chest ~0.8 — so 0.2 (~8 cm): the same place made by another person
# (faces differ by a few hundredths) scores 90+, the neighbouring place on the face about 50, the chest for the
# chin under 5.
BODY_LOCATION_D50 = 0.2
MIN_HAND_FRAMES = 3
# Cascade: a cheap distance between time-averaged features ranks the whole vocabulary; only the target and the
# closest PREFILTER signs get the full DTW comparison (500 templates: ~2 ms instead of ~40 ms on this machine).
PREFILTER = 24


class ScoringError(ValueError):
    """The attempt cannot be scored; ``reason_es``/``reason_en`` tell the learner why."""

    def __init__(self, code: str, reason_es: str, reason_en: str) -> None:
        super().__init__(f"{code}: {reason_en}")
        self.code = code
        self.reason_es = reason_es
        self.reason_en = reason_en


def curve(distance: np.ndarray | float, d50: float) -> np.ndarray:
    return np.asarray(100.0 / (1.0 + (np.asarray(distance) / d50) ** 3))


def track_from_attempt(attempt: Attempt, dominant: str) -> HandTrack:
    count = len(attempt.frames)
    points = np.zeros((count, MAX_HANDS, POINTS, 3), np.float32)
    present = np.zeros((count, MAX_HANDS), bool)
    sides = np.full((count, MAX_HANDS), NO_HAND, np.int8)
    scores = np.zeros((count, MAX_HANDS), np.float32)
    assumed = LEFT if dominant == "left" else RIGHT
    body = np.zeros((count, BODY, 3), np.float32)
    body_present = np.zeros(count, bool)
    for t, frame in enumerate(attempt.frames):
        for slot, hand in enumerate(frame.hands[:MAX_HANDS]):
            points[t, slot] = np.asarray(hand.landmarks, np.float32)
            present[t, slot] = True
            # A hand sent without its side is taken to be the learner's dominant hand.
            sides[t, slot] = assumed if hand.side is None else (LEFT if hand.side == "left" else RIGHT)
            scores[t, slot] = hand.score
        if frame.body is not None:
            body[t] = np.asarray(frame.body, np.float32)
            body_present[t] = True
    track = HandTrack(points, present, sides, scores, attempt.fps, attempt.width, attempt.height)
    if body_present.any():
        track.body, track.body_present = body, body_present
    return track


def attempt_from_track(track: HandTrack) -> Attempt:
    """The contract's JSON form of a clip's landmarks (what the video worker sends to the model)."""
    frames = []
    for t in range(track.frames):
        hands = []
        for slot in range(track.points.shape[1]):
            if not track.present[t, slot]:
                continue
            side = track.handedness[t, slot]
            hands.append(
                {
                    "landmarks": np.round(track.points[t, slot].astype(float), 5).tolist(),
                    "side": None if side == NO_HAND else ("left" if side == LEFT else "right"),
                    "score": float(np.clip(track.scores[t, slot], 0.0, 1.0)),
                }
            )
        frame: dict[str, Any] = {"hands": hands}
        if track.body is not None and track.body_present is not None and track.body_present[t]:
            frame["body"] = np.round(track.body[t].astype(float), 5).tolist()
        frames.append(frame)
    return Attempt.model_validate({"frames": frames, "fps": track.fps, "width": track.width, "height": track.height})


def attempt_features(track: HandTrack, dominant: str) -> tuple[SignFeatures, str, int]:
    """Features of the attempt, the hand mostly used ("left"/"right") and the frames with a hand."""
    hands = canonical_hands(track, dominant)
    if hands.count < MIN_HAND_FRAMES:
        raise ScoringError(
            "no_hands",
            "No se ve ninguna mano en el vídeo.",
            "No hand is visible in the video.",
        )
    used = "left" if hands.left.mean() > 0.5 else "right"
    return features_from_hands(hands, track.aspect, body=track.body, body_present=track.body_present), used, hands.count


class Scorer:
    """In-process implementation of the ``sign-scorer`` model over one bank of templates."""

    def __init__(self, bank: TemplateBank) -> None:
        self.bank = bank

    def __call__(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        request = ScoreRequest.model_validate(payload)
        return self.score(request).model_dump(mode="json")

    def score(self, request: ScoreRequest) -> ScoreResponse:
        bank = self.bank
        target = bank.find(key=request.target, sign_id=request.target_sign_id)
        if target is None:
            raise ScoringError(
                "no_template",
                "Esta seña aún no tiene una referencia con la que comparar.",
                "This sign has no reference to compare with yet.",
            )
        track = track_from_attempt(request.attempt, request.dominant_hand)
        features, used, frames_used = attempt_features(track, request.dominant_hand)
        candidates = self._shortlist(features, self._candidates(request, target), target)
        distances = self._distances(features, candidates)
        # Per candidate: body-relative location where both sides have a body, else frame-relative.
        by_body = ~np.isnan(distances["body"])
        components = {name: curve(distances[name], d50) for name, d50 in _D50.items()}
        components["location"] = np.where(
            by_body, curve(np.nan_to_num(distances["body"]), BODY_LOCATION_D50), components["location"]
        )
        totals: np.ndarray = np.sum(
            [np.where(by_body, BODY_WEIGHTS[name], WEIGHTS[name]) * components[name] for name in WEIGHTS], axis=0
        )
        at = candidates.index(target)
        entry = bank.entries[target]
        score = round(float(totals[at]), 1)
        parts = {name: round(float(components[name][at]), 1) for name in WEIGHTS}
        feedback = self._feedback(features, target, parts, used, request.dominant_hand)
        reference = "body" if by_body[at] else "frame"
        order = np.argsort(-totals)[: request.top_k]
        nearest = [
            Neighbour(
                sign_key=bank.entries[candidates[i]].key,
                sign_id=bank.entries[candidates[i]].sign_id,
                gloss=bank.entries[candidates[i]].gloss,
                score=round(float(totals[i]), 1),
            )
            for i in order
        ]
        return ScoreResponse(
            target=entry.key,
            score=score,
            passed=score >= entry.pass_threshold,
            pass_threshold=entry.pass_threshold,
            components=parts,
            feedback=feedback,
            nearest=nearest,
            hand_used=used,
            location_reference=reference,
            frames_used=frames_used,
            template_version=entry.version,
            templates_revision=bank.revision,
            model_version=MODEL_VERSION,
        )

    def _candidates(self, request: ScoreRequest, target: int) -> list[int]:
        bank = self.bank
        if request.candidates:
            found = [bank.find(key=key) for key in request.candidates]
            chosen = sorted({i for i in found if i is not None} | {target})
        else:
            chosen = bank.of_language(bank.entries[target].language)
        return chosen if target in chosen else [*chosen, target]

    def _distances(self, features: SignFeatures, candidates: list[int]) -> dict[str, np.ndarray]:
        bank = self.bank
        return {
            "handshape": batch_dtw(features.shape_vectors(), bank.shapes[candidates]),
            "movement": batch_dtw(features.trajectory, bank.trajectories[candidates]),
            "location": np.linalg.norm(bank.locations[candidates] - features.location, axis=1),
            # NaN where the template (or the attempt) has no body.
            "body": (
                np.linalg.norm(bank.body_locations[candidates] - features.body_location, axis=1)
                if features.body_location is not None
                else np.full(len(candidates), np.nan)
            ),
        }

    def _shortlist(self, features: SignFeatures, candidates: list[int], target: int) -> list[int]:
        if len(candidates) <= PREFILTER + 1:
            return candidates
        bank = self.bank
        mean_shape = np.linalg.norm(bank.mean_shapes[candidates] - features.shape_vectors().mean(axis=0), axis=1)
        spread = np.abs(bank.path_extents[candidates] - float(np.linalg.norm(features.trajectory, axis=1).mean()))
        rough = mean_shape / SHAPE_D50 + spread / MOVEMENT_D50
        keep = {candidates[i] for i in np.argsort(rough)[:PREFILTER]} | {target}
        return sorted(keep)

    def _feedback(
        self, features: SignFeatures, target: int, parts: dict[str, float], used: str, dominant: str
    ) -> list[Feedback]:
        template = self.bank.features[target]
        _, path = dtw_path(features.shape_vectors(), template.shape_vectors())
        a_steps = [i for i, _ in path]
        t_steps = [j for _, j in path]
        turn = float(np.mean(np.angle(np.exp(1j * (features.orientation[a_steps] - template.orientation[t_steps])))))
        extent_a = float(np.linalg.norm(features.trajectory, axis=1).max())
        extent_t = float(np.linalg.norm(template.trajectory, axis=1).max())
        if (
            features.body_location is not None
            and features.body_anchors is not None
            and template.body_location is not None
            and template.body_anchors is not None
        ):
            # A template written with another set of regions is named on the learner's own body instead.
            same_regions = template.body_anchors.shape == features.body_anchors.shape
            location = fb.body_location_feedback(
                parts["location"],
                features.body_location,
                features.body_anchors,
                template.body_location,
                template.body_anchors if same_regions else features.body_anchors,
            )
        else:
            location = fb.location_feedback(parts["location"], features.location, template.location)
        return [
            fb.handshape_feedback(parts["handshape"], features.shape[a_steps], template.shape[t_steps], turn),
            location,
            fb.movement_feedback(parts["movement"], extent_a, extent_t),
            fb.hand_feedback(used, dominant),
        ]


_D50 = {"handshape": SHAPE_D50, "movement": MOVEMENT_D50, "location": LOCATION_D50}
