"""The scoring model: one attempt against the target sign's template (verification), the nearest signs of the
vocabulary (top-k), and feedback per parameter.

Each parameter has a distance and the curve ``curve.curve`` turning it into 0–100 (``100 / (1 + (d / d50)³)``):

* **handshape** — DTW over the hand-frame descriptors (``features.handshape``: flexion, spread, thumb, reach in the
  hand's own frame, whatever its turn and bone lengths) in the space of the learned metric
  (``handshape_metric``, a shipped artefact), on the branch of the attempt: with depth, or without (2-D landmarks,
  compared with the template's descriptor with its depth dropped and lifted). ``d50`` is the metric's: the edge
  of how differently people make one letter.
* **orientation** — where the palm faces and the fingers point (``orientation``), ``d50`` 45°; relative to the
  shoulder line when both sides have a body.
* **movement** — DTW over the palm centre's path (``MOVEMENT_D50``).
* **location** — relative to the body when both the attempt and the template carry body landmarks (``body.py``),
  else against the frame; the weights follow (``BODY_WEIGHTS`` / ``WEIGHTS``), per template.

Orientation weighs a quarter without a body: letters made with one handshape and told apart by where it points
(U made for H: fingers sideways instead of up; K/P, G/Q) must not pass on handshape alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from senas.ml.artefacts import packaged_metric
from senas.ml.landmarks.sequence import BODY, LEFT, MAX_HANDS, NO_HAND, POINTS, RIGHT, HandTrack
from senas.ml.recognition import feedback as fb
from senas.ml.recognition.curve import curve
from senas.ml.recognition.dtw import batch_dtw, dtw_path
from senas.ml.recognition.features import SignFeatures, features_from_hands
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.recognition.normalise import canonical_hands
from senas.ml.recognition.orientation import ORIENTATION_D50, orientation_degrees, unroll
from senas.ml.recognition.scoring_api import Attempt, Feedback, Neighbour, ScoreRequest, ScoreResponse
from senas.ml.recognition.templates import TemplateBank

MODEL_NAME = "sign-scorer"
# dtw-3: handshape in the hand's own frame with the learned metric, orientation a component of its own.
MODEL_VERSION = "dtw-3"
MOVEMENT_D50 = 0.25
# Without body landmarks the only reference for *where* the hand is, is the frame, which depends on how the learner
# sits: location is judged leniently and counts least.
LOCATION_D50 = 0.4
WEIGHTS = {"handshape": 0.45, "orientation": 0.25, "movement": 0.2, "location": 0.1}
# With the body as reference, location is what sign phonology says it is — a parameter as primary as movement, with
# minimal pairs of its own — and no longer depends on how the learner sits. 0.3 is chosen so that a sign made with
# a typical handshape and right movement and orientation but in the wrong place (chest for chin: location < 5)
# falls under most signs' pass thresholds, while the same sign in the right place passes; orientation and
# handshape give up the share location gains.
BODY_WEIGHTS = {"handshape": 0.35, "orientation": 0.15, "movement": 0.2, "location": 0.3}
# Body units are shoulder widths (~40 cm on an adult). Places on the face lie close together — mouth and chin
# ~0.12 apart, chin and cheek ~0.2, chin and chest ~0.8 — so 0.2 (~8 cm): the same place made by another person
# (faces differ by a few hundredths) scores 90+, the neighbouring place on the face about 50, the chest for the
# chin under 5.
BODY_LOCATION_D50 = 0.2
MIN_HAND_FRAMES = 3
# An attempt passes only with at least this handshape component, whatever its overall score: 50 is the metric's d50,
# the edge of how differently people make one handshape. Without it a sign's right orientation, place and movement
# (over half the weight) let another handshape through — measured: photos of a "four" hand passed F and W with a
# handshape of 10–20 — and the thresholds are calibrated under the same rule (``calibration.score_matrix``).
HANDSHAPE_GATE = 50.0
# Cascade: a cheap distance between time-averaged features ranks the whole vocabulary; only the target and the
# closest PREFILTER signs get the full DTW comparison.
PREFILTER = 24


def passes(score: float, handshape: float, threshold: float) -> bool:
    """The pass rule: the overall score at the sign's threshold, and a handshape at least ``HANDSHAPE_GATE``."""
    return score >= threshold and handshape >= HANDSHAPE_GATE


class ScoringError(ValueError):
    """The attempt cannot be scored; ``reason_es``/``reason_en`` tell the learner why."""

    def __init__(self, code: str, reason_es: str, reason_en: str) -> None:
        super().__init__(f"{code}: {reason_en}")
        self.code = code
        self.reason_es = reason_es
        self.reason_en = reason_en


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
            f"No se ve ninguna mano en el intento (hacen falta al menos {MIN_HAND_FRAMES} fotogramas con la mano).",
            f"No hand is visible in the attempt (at least {MIN_HAND_FRAMES} frames with a hand are needed).",
        )
    used = "left" if hands.left.mean() > 0.5 else "right"
    features = features_from_hands(
        hands, track.aspect, body=track.body, body_present=track.body_present, template=False
    )
    return features, used, hands.count


class Scorer:
    """In-process implementation of the ``sign-scorer`` model over one bank of templates and one handshape metric
    (default: the one shipped in the package)."""

    def __init__(self, bank: TemplateBank, metric: HandshapeMetric | None = None) -> None:
        self.bank = bank
        self.metric = metric or packaged_metric()
        self.model_version = f"{MODEL_VERSION}+{self.metric.label}"
        # The templates' handshapes in the metric's space, once per bank: with depth, and without (what an attempt
        # without depth is compared with).
        self._embedded = {
            True: self.metric.branch(True).embed(bank.handshapes),
            False: self.metric.branch(False).embed(bank.handshapes_flat),
        }

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
        candidates = self._candidates(request, target)
        turned = self._orientation_degrees(features, candidates)
        kept = self._shortlist(features, candidates, turned, target)
        turned = turned[[candidates.index(c) for c in kept]]
        candidates = kept
        distances = self._distances(features, candidates)
        # Per candidate: body-relative location where both sides have a body, else frame-relative.
        by_body = ~np.isnan(distances["body"])
        branch = self.metric.branch(features.has_depth)
        components = {
            "handshape": curve(distances["handshape"], branch.d50),
            "orientation": curve(turned, ORIENTATION_D50),
            "movement": curve(distances["movement"], MOVEMENT_D50),
            "location": np.where(
                by_body,
                curve(np.nan_to_num(distances["body"]), BODY_LOCATION_D50),
                curve(distances["location"], LOCATION_D50),
            ),
        }
        totals: np.ndarray = np.sum(
            [np.where(by_body, BODY_WEIGHTS[name], WEIGHTS[name]) * components[name] for name in WEIGHTS], axis=0
        )
        at = candidates.index(target)
        entry = bank.entries[target]
        score = round(float(totals[at]), 1)
        parts = {name: round(float(components[name][at]), 1) for name in WEIGHTS}
        feedback = self._feedback(features, target, parts, used, request.dominant_hand)
        reference = "body" if by_body[at] else "frame"
        order = np.argsort(-totals, kind="stable")[: request.top_k]  # ties: in the bank's order
        nearest = [
            Neighbour(
                sign_key=bank.entries[candidates[i]].key,
                sign_id=bank.entries[candidates[i]].sign_id,
                gloss=bank.entries[candidates[i]].gloss,
                score=round(float(totals[i]), 1),
                handshape=round(float(components["handshape"][i]), 1),
            )
            for i in order
        ]
        return ScoreResponse(
            target=entry.key,
            score=score,
            passed=passes(score, parts["handshape"], entry.pass_threshold),
            pass_threshold=entry.pass_threshold,
            components=parts,
            feedback=feedback,
            nearest=nearest,
            hand_used=used,
            location_reference=reference,
            frames_used=frames_used,
            template_version=entry.version,
            templates_revision=bank.revision,
            model_version=self.model_version,
        )

    def _candidates(self, request: ScoreRequest, target: int) -> list[int]:
        bank = self.bank
        if request.candidates:
            found = [bank.find(key=key) for key in request.candidates]
            chosen = sorted({i for i in found if i is not None} | {target})
        else:
            chosen = bank.of_language(bank.entries[target].language)
        return chosen if target in chosen else [*chosen, target]

    def _body_relative(self, features: SignFeatures, candidates: list[int]) -> np.ndarray:
        """(M,) where orientation is compared relative to the shoulder line: both sides have a body."""
        if features.body_roll is None:
            return np.zeros(len(candidates), bool)
        out: np.ndarray = ~np.isnan(self.bank.body_rolls[candidates])
        return out

    def _orientation_degrees(self, features: SignFeatures, candidates: list[int]) -> np.ndarray:
        bank = self.bank
        own = features.described().facing
        out = orientation_degrees(own, bank.facings[candidates], palm_known=features.has_depth)
        relative = self._body_relative(features, candidates)
        if relative.any() and features.body_roll is not None:
            out[relative] = orientation_degrees(
                unroll(own, features.body_roll),
                bank.facings_body[candidates][relative],
                palm_known=features.has_depth,
            )
        return out

    def _facing_pair(self, features: SignFeatures, target: int) -> tuple[np.ndarray, np.ndarray]:
        """The attempt's and the target's facing (steps, 6) as compared (see ``_orientation_degrees``)."""
        own = features.described().facing
        if self._body_relative(features, [target])[0] and features.body_roll is not None:
            return unroll(own, features.body_roll), self.bank.facings_body[target]
        return own, self.bank.facings[target]

    def _distances(self, features: SignFeatures, candidates: list[int]) -> dict[str, np.ndarray]:
        bank = self.bank
        hand = features.described()
        return {
            "handshape": batch_dtw(
                self.metric.branch(hand.has_depth).embed(hand.handshape), self._embedded[hand.has_depth][candidates]
            ),
            "movement": batch_dtw(features.trajectory, bank.trajectories[candidates]),
            "location": np.linalg.norm(bank.locations[candidates] - features.location, axis=1),
            # NaN where the template (or the attempt) has no body.
            "body": (
                np.linalg.norm(bank.body_locations[candidates] - features.body_location, axis=1)
                if features.body_location is not None
                else np.full(len(candidates), np.nan)
            ),
        }

    def _shortlist(self, features: SignFeatures, candidates: list[int], turned: np.ndarray, target: int) -> list[int]:
        """The target and the PREFILTER candidates with the highest rough overall score: every component through
        its own curve and weight, the warped ones (handshape, in the same metric, and movement) compared step by
        step without warping — DTW can only do better, and on these short, slow sequences seldom by much —, the
        orientation and location as they are (they cost nothing)."""
        if len(candidates) <= PREFILTER + 1:
            return candidates
        bank = self.bank
        hand = features.described()
        branch = self.metric.branch(hand.has_depth)
        attempt = branch.embed(hand.handshape)
        shape = np.linalg.norm(self._embedded[hand.has_depth][candidates] - attempt, axis=2).mean(axis=1)
        path = np.linalg.norm(bank.trajectories[candidates] - features.trajectory, axis=2).mean(axis=1)
        place = np.linalg.norm(bank.locations[candidates] - features.location, axis=1)
        rough = (
            WEIGHTS["handshape"] * curve(shape, branch.d50)
            + WEIGHTS["orientation"] * curve(turned, ORIENTATION_D50)
            + WEIGHTS["movement"] * curve(path, MOVEMENT_D50)
            + WEIGHTS["location"] * curve(place, LOCATION_D50)
        )
        keep = {candidates[i] for i in np.argsort(-rough, kind="stable")[:PREFILTER]} | {target}
        return sorted(keep)

    def _feedback(
        self, features: SignFeatures, target: int, parts: dict[str, float], used: str, dominant: str
    ) -> list[Feedback]:
        template = self.bank.features[target]
        hand = features.described()
        branch = self.metric.branch(hand.has_depth)
        template_hand = template.described()
        template_shape = template_hand.handshape if hand.has_depth else template_hand.handshape_flat
        _, path = dtw_path(branch.embed(hand.handshape), branch.embed(template_shape))
        a_steps = [i for i, _ in path]
        t_steps = [j for _, j in path]
        mine, theirs = self._facing_pair(features, target)
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
            fb.handshape_feedback(
                parts["handshape"],
                hand.handshape[a_steps].mean(axis=0),
                template_shape[t_steps].mean(axis=0),
                branch.tolerance,
            ),
            fb.orientation_feedback(
                parts["orientation"],
                mine.mean(axis=0),
                theirs.mean(axis=0),
                used == "left",
                palm_known=hand.has_depth,
            ),
            location,
            fb.movement_feedback(parts["movement"], extent_a, extent_t),
            fb.hand_feedback(used, dominant),
        ]
