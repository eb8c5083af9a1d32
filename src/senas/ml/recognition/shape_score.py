"""The handshape and orientation components on their own, for a sequence of one hand's landmarks: what the
scorer (``scorer.py``) computes for these two parameters, without templates in a bank or a request — used to
measure the metric (``senas ml evaluate``) and in tests.

* Handshape distance: DTW (``dtw.batch_dtw``) over the hand-frame descriptors in the learned metric's space
  (``handshape_metric``), on the branch of the attempt (with or without depth), 0–100 by the scorer's curve with the
  metric's ``d50``.
* Orientation: ``orientation.orientation_degrees``, 0–100 with ``ORIENTATION_D50``.
* Feedback: ``feedback.handshape_feedback`` (a finger, the thumb or the spread beyond tolerance; never a finger
  within it) and ``feedback.orientation_feedback`` (what to turn), in Spanish and English.

``calibrate`` measures per-sign thresholds of the handshape component alone by the project's rule; the scorer's
thresholds are on the overall score (``demo.calibrate_alphabet``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.recognition import feedback as fb
from senas.ml.recognition.augment import Hands
from senas.ml.recognition.calibration import RULE, Calibration, ThresholdRule, choose_threshold
from senas.ml.recognition.curve import curve
from senas.ml.recognition.dtw import batch_dtw, dtw_path
from senas.ml.recognition.features import STEPS, describe_clip
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.recognition.orientation import ORIENTATION_D50, orientation_degrees
from senas.ml.recognition.scoring_api import Feedback


@dataclass(frozen=True)
class ShapeSequence:
    shape: np.ndarray  # (STEPS, SHAPE_DIMS)
    orientation: np.ndarray  # (STEPS, 6)
    left: bool  # the hand used (for naming directions on the learner's side)
    has_depth: bool = True  # most frames had depth
    # The descriptor of the same hands with their depth dropped and lifted (``handframe.lift_flat``): what a
    # template is compared on when the attempt has no depth. None: the attempt's own (it has no depth anyway).
    flat_shape: np.ndarray | None = None

    @staticmethod
    def of(points: np.ndarray, aspect: float, left: bool, steps: int = STEPS) -> ShapeSequence:
        """``points``: (T, 21, 3) one hand per frame, image-normalised."""
        hand = describe_clip(points, aspect, left, steps)
        return ShapeSequence(hand.handshape, hand.facing, left, hand.has_depth, hand.handshape_flat)

    def compared_shape(self, attempt_has_depth: bool) -> np.ndarray:
        """This sequence's descriptors as compared with an attempt with / without depth (a template's side)."""
        if attempt_has_depth or self.flat_shape is None:
            return self.shape
        return self.flat_shape


def handshape_distances(attempt: ShapeSequence, templates: list[ShapeSequence], metric: HandshapeMetric) -> np.ndarray:
    branch = metric.branch(attempt.has_depth)
    stacked = branch.embed(np.stack([t.compared_shape(attempt.has_depth) for t in templates]))
    out: np.ndarray = batch_dtw(branch.embed(attempt.shape), stacked)
    return out


def handshape_scores(attempt: ShapeSequence, templates: list[ShapeSequence], metric: HandshapeMetric) -> np.ndarray:
    """The handshape component (0–100) of ``attempt`` against each template."""
    return curve(handshape_distances(attempt, templates, metric), metric.branch(attempt.has_depth).d50)


@dataclass(frozen=True)
class ShapeResult:
    handshape: float
    orientation: float
    feedback: list[Feedback]

    @property
    def components(self) -> dict[str, float]:
        return {"handshape": self.handshape, "orientation": self.orientation}


def score(attempt: ShapeSequence, template: ShapeSequence, metric: HandshapeMetric) -> ShapeResult:
    branch = metric.branch(attempt.has_depth)
    template_shape = template.compared_shape(attempt.has_depth)
    distance = float(handshape_distances(attempt, [template], metric)[0])
    handshape = round(float(curve(distance, branch.d50)), 1)
    degrees = orientation_degrees(attempt.orientation, template.orientation[None], palm_known=attempt.has_depth)
    orientation = round(float(curve(degrees[0], ORIENTATION_D50)), 1)
    _, path = dtw_path(branch.embed(attempt.shape), branch.embed(template_shape))
    a_steps, t_steps = [i for i, _ in path], [j for _, j in path]
    return ShapeResult(
        handshape,
        orientation,
        [
            fb.handshape_feedback(
                handshape, attempt.shape[a_steps].mean(axis=0), template_shape[t_steps].mean(axis=0), branch.tolerance
            ),
            fb.orientation_feedback(
                orientation,
                attempt.orientation.mean(axis=0),
                template.orientation.mean(axis=0),
                attempt.left,
                palm_known=attempt.has_depth,
            ),
        ],
    )


# --- per-sign thresholds of the handshape component ----------------------------------------------------------------

# Letters that ASL makes with one handshape, told apart by orientation (H/U, K/P, G/Q) or by movement (I/J): on
# the handshape component alone neither is an impostor of the other.
SAME_HANDSHAPE = (("H", "U"), ("K", "P"), ("G", "Q"), ("I", "J"))


def same_handshape(a: str, b: str) -> bool:
    return a == b or (a, b) in SAME_HANDSHAPE or (b, a) in SAME_HANDSHAPE


def score_matrix(
    hands: Hands,
    templates: list[ShapeSequence],
    metric: HandshapeMetric,
    *,
    frames: int = 15,
    jitter: float = 0.002,
    seed: int = 0,
) -> np.ndarray:
    """(rows, templates) handshape scores of each hand held still for ``frames`` frames with ``jitter`` (frame
    units) of landmark noise, as a device sends it (``demo.alphabet_attempt``)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((len(hands), len(templates)))
    for i in range(len(hands)):
        points = np.repeat(hands.points[i][None], frames, axis=0) + rng.normal(0.0, jitter, (frames, 21, 3))
        if not (hands.points[i][:, 2] != hands.points[i][0, 2]).any():
            points[..., 2] = hands.points[i][None, :, 2]  # a hand without depth stays without
        sequence = ShapeSequence.of(points, float(hands.aspect[i]), bool(hands.left[i]))
        out[i] = handshape_scores(sequence, templates, metric)
    return out


def calibrate(
    scores: np.ndarray, truth: np.ndarray, names: list[str], rule: ThresholdRule = RULE
) -> dict[str, Calibration]:
    """Each sign's handshape threshold by the project's rule (``calibration.choose_threshold``): ``scores`` (rows,
    signs) on the 0.1 grid, ``truth`` each row's sign; impostors are the rows of signs with another handshape."""
    rounded = np.round(scores, 1)
    out = {}
    for k, name in enumerate(names):
        genuine = rounded[truth == name, k]
        impostor = rounded[[not same_handshape(str(t), name) for t in truth], k]
        out[name] = choose_threshold(genuine, impostor, rule)
    return out
