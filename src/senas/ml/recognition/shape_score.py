"""Prototype of the practice scorer's handshape and orientation components, judged in the hand's own frame
(``handframe``): a hand with the template's shape turned 40° keeps its handshape score, and the turn is reported
as what it is — orientation — with words a signer uses.

* Handshape distance: DTW (``dtw.batch_dtw``) over the descriptor sequences in a *learned metric space*
  (``ShapeScale.projection``, fitted by ``fit_scale`` on the training rows and copies of them made by imitated other
  people, ``augment.other_people``; never on a held-out block): the descriptor is whitened by the pooled
  within-letter covariance (so a difference as large as the way people differ in making one letter — proportions,
  looser or tighter bends, a little more spread, camera noise — counts 1 whatever its direction), then turned onto
  the directions that separate letters (the between-letter covariance's eigenvectors in that space), each weighted
  by ``(λ / λ_max) ** METRIC_POWER``, at least ``METRIC_FLOOR``: the directions in which letters differ count most,
  and none counts zero, so a handshape that is no letter (a template from a reference video) still differs where
  it does. Hands without depth (2-D data, a camera without it) are compared in their own branch (``flat``): the
  template's depth is dropped and lifted as the attempt's was (``handframe.lift_flat``), with a metric fitted on
  such hands. Turned into 0–100 by the scorer's curve ``100 / (1 + (d / d50)³)`` with ``d50`` the distance that
  ``D50_QUANTILE`` (95 %) of the imitated performances of a letter stay within from that letter's mean: 50 is the
  edge of how differently people make a letter. Each sign's pass threshold is then chosen by the project's rule
  (``calibrate``: ``calibration.RULE`` on genuine and impostor attempts, clean and imitated).
* Orientation: the larger of the angles between the palm normals and between the finger directions (averaged over
  the steps), 0–100 by the same curve with ``ORIENTATION_D50`` = 45°: the named directions (forward, up, to your
  left…) are 90° apart, so halfway to the next one scores 50.
* Feedback: the finger joints whose flexion differs from the template's by more than ``FINGER_TOLERANCE``
  tolerances (2: beyond what most people making the letter show) — never a finger within it; the thumb's place;
  the spread; and the orientation change (``handframe.orientation_changes``), in Spanish and English.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from senas.ml.recognition.augment import Hands, Ranges, other_people
from senas.ml.recognition.calibration import RULE, Calibration, ThresholdRule, choose_threshold
from senas.ml.recognition.scoring_api import Status
from senas.ml.recognition.dtw import batch_dtw, dtw_path
from senas.ml.recognition.feedback import status_of
from senas.ml.recognition.handframe import (
    FINGER_NAMES,
    FLEXION,
    JOINTS,
    REACH,
    SHAPE_DIMS,
    SHAPE_NAMES,
    SPREAD,
    THUMB_PLACE,
    angle_between,
    describe,
    orientation_changes,
)
from senas.ml.recognition.normalise import resample

STEPS = 16
ORIENTATION_D50 = 45.0
# The angle at which orientation stops being "ok" (score 75, feedback.OK_SCORE) on that curve: ~31°.
ORIENTATION_TOLERANCE = ORIENTATION_D50 * (1.0 / 3.0) ** (1.0 / 3.0)
FINGER_TOLERANCE = 2.0
GROUPS = (FLEXION, SPREAD, THUMB_PLACE, REACH)

FINGER_WORDS = {
    "thumb": ("el pulgar", "your thumb"),
    "index": ("el dedo índice", "your index finger"),
    "middle": ("el dedo medio", "your middle finger"),
    "ring": ("el dedo anular", "your ring finger"),
    "little": ("el meñique", "your little finger"),
}


@dataclass(frozen=True)
class ShapeScale:
    """How handshapes are compared. ``tolerance``: per descriptor column, how much it varies among performances of
    one letter by (imitated) other people — the unit of the per-finger feedback. ``projection`` (SHAPE_DIMS, k):
    the learned metric (see the module docstring); without it, the columns are divided by their tolerance and
    averaged per group. ``flat``: the same for hands without depth (None: those use this one)."""

    tolerance: np.ndarray  # (SHAPE_DIMS,)
    d50: float
    projection: np.ndarray | None = None
    flat: ShapeScale | None = None

    def weights(self) -> np.ndarray:
        """Per column, 1 / (tolerance · √(columns in its group · groups)): the Euclidean distance of weighted
        vectors is then the RMS over groups of each group's RMS z-score."""
        weight = np.zeros(SHAPE_DIMS)
        for group in GROUPS:
            columns = range(SHAPE_DIMS)[group]
            weight[group] = 1.0 / (self.tolerance[group] * np.sqrt(len(columns) * len(GROUPS)))
        return weight

    def embed(self, shape: np.ndarray) -> np.ndarray:
        """Descriptors (..., SHAPE_DIMS) into the space whose Euclidean distance is the handshape distance."""
        if self.projection is not None:
            out: np.ndarray = shape @ self.projection
            return out
        weighted: np.ndarray = shape * self.weights()
        return weighted

    def branch(self, has_depth: bool) -> ShapeScale:
        """The scale for an attempt with / without depth."""
        return self if has_depth or self.flat is None else self.flat


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
        shape, facing, has_depth = describe(points, aspect, left)
        flat_points = np.array(points, np.float64, copy=True)
        flat_points[..., 2] = 0.0
        flat, _, _ = describe(flat_points, aspect, left)
        return ShapeSequence(
            resample(shape, steps),
            resample(facing, steps),
            left,
            bool(has_depth.mean() >= 0.5),
            resample(flat, steps),
        )

    def compared_shape(self, attempt_has_depth: bool) -> np.ndarray:
        """This sequence's descriptors as compared with an attempt with / without depth (a template's side)."""
        if attempt_has_depth or self.flat_shape is None:
            return self.shape
        return self.flat_shape


def curve(distance: np.ndarray | float, d50: float) -> np.ndarray:
    return np.asarray(100.0 / (1.0 + (np.asarray(distance) / d50) ** 3))


def handshape_distances(attempt: ShapeSequence, templates: list[ShapeSequence], scale: ShapeScale) -> np.ndarray:
    branch = scale.branch(attempt.has_depth)
    stacked = branch.embed(np.stack([t.compared_shape(attempt.has_depth) for t in templates]))
    out: np.ndarray = batch_dtw(branch.embed(attempt.shape), stacked)
    return out


def handshape_scores(attempt: ShapeSequence, templates: list[ShapeSequence], scale: ShapeScale) -> np.ndarray:
    """The handshape component (0–100) of ``attempt`` against each template."""
    return curve(handshape_distances(attempt, templates, scale), scale.branch(attempt.has_depth).d50)


def orientation_degrees(attempt: ShapeSequence, template: ShapeSequence) -> float:
    """Per step the larger of the palm's and the fingers' angle from the template's, averaged over the steps: a palm
    turned 60° with the fingers still pointing up is 60° off, not 30° (an average would call it nearly right)."""
    palm = angle_between(attempt.orientation[:, :3], template.orientation[:, :3])
    fingers = angle_between(attempt.orientation[:, 3:], template.orientation[:, 3:])
    return float(np.mean(np.maximum(palm, fingers)))


@dataclass(frozen=True)
class Advice:
    """One parameter's feedback, shaped as the contract's ``Feedback`` (``as_feedback``). The contract's
    ``Parameter`` literal does not name "orientation" yet: adding it there is the one change integration needs."""

    parameter: str  # "handshape" or "orientation"
    status: Status
    score: float
    message_es: str
    message_en: str

    def as_feedback(self) -> dict[str, object]:
        """The fields of ``contract.Feedback`` (``Feedback.model_validate`` takes it once "orientation" is a
        ``Parameter``)."""
        return {
            "parameter": self.parameter,
            "status": self.status,
            "score": self.score,
            "message_es": self.message_es,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class ShapeResult:
    handshape: float
    orientation: float
    feedback: list[Advice]

    @property
    def components(self) -> dict[str, float]:
        """The two entries this prototype adds to / changes in the response's ``components``."""
        return {"handshape": self.handshape, "orientation": self.orientation}


# Proposed weights of the overall score once orientation is a component (the scorer's WEIGHTS / BODY_WEIGHTS,
# handshape giving up part of its share): see the evaluation's orientation-twin figures for why orientation cannot
# weigh less — U made for H (same handshape, fingers sideways instead of up) must not pass on handshape alone.
WEIGHTS = {"handshape": 0.45, "orientation": 0.25, "movement": 0.2, "location": 0.1}
BODY_WEIGHTS = {"handshape": 0.35, "orientation": 0.15, "movement": 0.2, "location": 0.3}


def score(attempt: ShapeSequence, template: ShapeSequence, scale: ShapeScale) -> ShapeResult:
    branch = scale.branch(attempt.has_depth)
    template_shape = template.compared_shape(attempt.has_depth)
    distance = float(handshape_distances(attempt, [template], scale)[0])
    handshape = round(float(curve(distance, branch.d50)), 1)
    orientation = round(float(curve(orientation_degrees(attempt, template), ORIENTATION_D50)), 1)
    _, path = dtw_path(branch.embed(attempt.shape), branch.embed(template_shape))
    a_steps, t_steps = [i for i, _ in path], [j for _, j in path]
    mean_a = attempt.shape[a_steps].mean(axis=0)
    mean_t = template_shape[t_steps].mean(axis=0)
    return ShapeResult(
        handshape,
        orientation,
        [
            handshape_feedback(handshape, mean_a, mean_t, branch.tolerance),
            orientation_feedback(
                orientation, attempt.orientation.mean(axis=0), template.orientation.mean(axis=0), attempt.left
            ),
        ],
    )


# --- feedback -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    size: float  # in tolerances: how far off
    message_es: str
    message_en: str


def finger_corrections(attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> list[Correction]:
    """Per finger (not the thumb): bend or stretch, when some joint is off by more than FINGER_TOLERANCE
    tolerances; a finger whose every joint is within it is never mentioned."""
    out = []
    column = 4  # after the thumb's four columns
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


def handshape_feedback(score: float, attempt: np.ndarray, template: np.ndarray, tolerance: np.ndarray) -> Advice:
    """``attempt``/``template``: mean descriptors along the warping path."""
    status = status_of(score)
    if status == "ok":
        return Advice(
            parameter="handshape",
            status=status,
            score=score,
            message_es="La forma de la mano es correcta.",
            message_en="Your handshape is right.",
        )
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
    return Advice(parameter="handshape", status=status, score=score, message_es=message_es, message_en=message_en)


def orientation_feedback(score: float, attempt: np.ndarray, template: np.ndarray, left: bool) -> Advice:
    status = status_of(score)
    changes = orientation_changes(attempt, template, left, ORIENTATION_TOLERANCE)
    if status == "ok" or not changes:
        return Advice(
            parameter="orientation",
            status=status,
            score=score,
            message_es="La orientación de la mano es correcta.",
            message_en="Your hand's orientation is right.",
        )
    message_es, message_en = changes[0].message()
    return Advice(parameter="orientation", status=status, score=score, message_es=message_es, message_en=message_en)


# --- measuring the scale ---------------------------------------------------------------------------------------

# Imitated other people for fitting the metric: everything ``augment.other_people`` does, with or without depth
# (each branch its own), the rows themselves too.
METRIC_COPIES = 4
METRIC_POWER = 0.1
METRIC_FLOOR = 0.2
# Shrinkage of the within-letter covariance towards its diagonal (35 columns, some nearly collinear).
SHRINKAGE = 0.1
D50_QUANTILE = 0.95


def imitated(hands: Hands, labels: np.ndarray, copies: int, seed: int, ranges: Ranges) -> tuple[Hands, np.ndarray]:
    """The hands themselves and ``copies`` imitations of other people making them (one generator: fixed by
    ``seed``)."""
    rng = np.random.default_rng(seed)
    sets = [hands, *(other_people(hands, rng, ranges) for _ in range(copies))]
    joined = Hands(
        np.concatenate([s.points for s in sets]),
        np.concatenate([s.aspect for s in sets]),
        np.concatenate([s.left for s in sets]),
    )
    return joined, np.tile(labels, len(sets))


def fit_scale(hands: Hands, labels: np.ndarray, *, seed: int = 7, copies: int = METRIC_COPIES) -> ShapeScale:
    """The handshape metric (module docstring) from labelled hands — the training rows, never a held-out block —
    with depth and, as ``flat``, without."""
    with_depth = _fit_branch(hands, labels, seed, copies, Ranges(depth_dropout=0.0))
    flat = _fit_branch(hands, labels, seed + 1, copies, Ranges(depth_dropout=1.0), drop_all=True)
    return replace(with_depth, flat=flat)


def _fit_branch(
    hands: Hands, labels: np.ndarray, seed: int, copies: int, ranges: Ranges, *, drop_all: bool = False
) -> ShapeScale:
    changed, tiled = imitated(hands, labels, copies, seed, ranges)
    points = changed.points.copy()
    if drop_all:
        points[..., 2] = 0.0  # the originals too
    shape, _, _ = describe(points, changed.aspect, changed.left)
    letters = sorted(set(tiled.tolist()))
    own = np.searchsorted(letters, tiled)
    means = np.stack([shape[own == k].mean(axis=0) for k in range(len(letters))])
    residual = shape - means[own]
    tolerance = np.sqrt(np.mean(residual**2, axis=0)) + 1e-3
    within = np.cov(residual.T)
    within = (1.0 - SHRINKAGE) * within + SHRINKAGE * np.diag(np.diag(within))
    values, vectors = np.linalg.eigh(within)
    whiten = vectors / np.sqrt(np.maximum(values, 1e-12))
    between = np.cov(((means - means.mean(axis=0)) @ whiten).T)
    spread, directions = np.linalg.eigh(between)
    spread = np.maximum(spread, 0.0)
    weight = np.maximum((spread / spread.max()) ** METRIC_POWER, METRIC_FLOOR)
    weight /= np.sqrt(np.mean(weight**2))
    # Divided by √dims: a performance as far from its letter as people typically are lies at distance ~1.
    projection = whiten @ directions * weight / np.sqrt(SHAPE_DIMS)
    genuine = np.linalg.norm((shape - means[own]) @ projection, axis=1)
    return ShapeScale(tolerance, float(np.quantile(genuine, D50_QUANTILE)), projection)


# --- per-sign thresholds -----------------------------------------------------------------------------------------

# Letters that ASL makes with one handshape, told apart by orientation (H/U, K/P, G/Q) or by movement (I/J): on
# the handshape component alone neither is an impostor of the other.
SAME_HANDSHAPE = (("H", "U"), ("K", "P"), ("G", "Q"), ("I", "J"))


def same_handshape(a: str, b: str) -> bool:
    return a == b or (a, b) in SAME_HANDSHAPE or (b, a) in SAME_HANDSHAPE


def score_matrix(
    hands: Hands,
    templates: list[ShapeSequence],
    scale: ShapeScale,
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
        out[i] = handshape_scores(sequence, templates, scale)
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
