"""Prototype of the practice scorer's handshape and orientation components, judged in the hand's own frame
(``handframe``): a hand with the template's shape turned 40° keeps its handshape score, and the turn is reported
as what it is — orientation — with words a signer uses.

* Handshape distance: DTW (``dtw.batch_dtw``) over the descriptor sequences, each feature divided by its
  *tolerance* (``ShapeScale``: how much that feature varies among performances of the same letter by different
  people, imitated with ``augment``), averaged per group (flexion, spread, thumb, reach) so a group with more
  columns does not count more. Turned into 0–100 by the scorer's curve ``100 / (1 + (d / d50)³)`` with ``d50`` the
  distance at which a performance of the letter and a performance of another letter are equally likely (the
  equal-error point of the two distributions, measured).
* Orientation: the mean of the angles between the palm normals and between the finger directions, 0–100 by the same
  curve with ``ORIENTATION_D50`` = 45°: the named directions (forward, up, to your left…) are 90° apart, so halfway
  to the next one scores 50.
* Feedback: the finger joints whose flexion differs from the template's by more than ``FINGER_TOLERANCE``
  tolerances (2: beyond what most people making the letter show) — never a finger within it; the thumb's place;
  the spread; and the orientation change (``handframe.orientation_changes``), in Spanish and English.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.recognition.augment import Hands, Ranges, bend_joints, depth_noise, jitter, reshape_bones
from senas.ml.recognition.contract import Status
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
    tolerance: np.ndarray  # (SHAPE_DIMS,)
    d50: float

    def weights(self) -> np.ndarray:
        """Per column, 1 / (tolerance · √(columns in its group · groups)): the Euclidean distance of weighted
        vectors is then the RMS over groups of each group's RMS z-score."""
        weight = np.zeros(SHAPE_DIMS)
        for group in GROUPS:
            columns = range(SHAPE_DIMS)[group]
            weight[group] = 1.0 / (self.tolerance[group] * np.sqrt(len(columns) * len(GROUPS)))
        return weight


@dataclass(frozen=True)
class ShapeSequence:
    shape: np.ndarray  # (STEPS, SHAPE_DIMS)
    orientation: np.ndarray  # (STEPS, 6)
    left: bool  # the hand used (for naming directions on the learner's side)

    @staticmethod
    def of(points: np.ndarray, aspect: float, left: bool, steps: int = STEPS) -> ShapeSequence:
        """``points``: (T, 21, 3) one hand per frame, image-normalised."""
        shape, facing, _ = describe(points, aspect, left)
        return ShapeSequence(resample(shape, steps), resample(facing, steps), left)


def curve(distance: np.ndarray | float, d50: float) -> np.ndarray:
    return np.asarray(100.0 / (1.0 + (np.asarray(distance) / d50) ** 3))


def handshape_distances(attempt: ShapeSequence, templates: list[ShapeSequence], scale: ShapeScale) -> np.ndarray:
    weight = scale.weights()
    stacked = np.stack([t.shape for t in templates]) * weight
    out: np.ndarray = batch_dtw(attempt.shape * weight, stacked)
    return out


def orientation_degrees(attempt: ShapeSequence, template: ShapeSequence) -> float:
    palm = angle_between(attempt.orientation[:, :3], template.orientation[:, :3])
    fingers = angle_between(attempt.orientation[:, 3:], template.orientation[:, 3:])
    return float(np.mean((palm + fingers) / 2.0))


@dataclass(frozen=True)
class Advice:
    """One parameter's feedback (the contract's ``Feedback``, which does not name "orientation" yet)."""

    parameter: str  # "handshape" or "orientation"
    status: Status
    score: float
    message_es: str
    message_en: str


@dataclass(frozen=True)
class ShapeResult:
    handshape: float
    orientation: float
    feedback: list[Advice]


def score(attempt: ShapeSequence, template: ShapeSequence, scale: ShapeScale) -> ShapeResult:
    distance = float(handshape_distances(attempt, [template], scale)[0])
    handshape = round(float(curve(distance, scale.d50)), 1)
    orientation = round(float(curve(orientation_degrees(attempt, template), ORIENTATION_D50)), 1)
    _, path = dtw_path(attempt.shape * scale.weights(), template.shape * scale.weights())
    a_steps, t_steps = [i for i, _ in path], [j for _, j in path]
    mean_a = attempt.shape[a_steps].mean(axis=0)
    mean_t = template.shape[t_steps].mean(axis=0)
    return ShapeResult(
        handshape,
        orientation,
        [
            handshape_feedback(handshape, mean_a, mean_t, scale.tolerance),
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


# --- measuring the scale --------------------------------------------------------------------------------------

# Imitated other people *without* turning the hand: the handshape's tolerance should not include rotations,
# which the descriptor removes anyway.
SCALE_RANGES = Ranges(depth_dropout=0.0)


def fit_scale(hands: Hands, labels: np.ndarray, *, seed: int = 7, copies: int = 3) -> ShapeScale:
    """Tolerances: the pooled within-letter standard deviation of each feature over the rows and ``copies``
    imitated other people (proportions, joint bends, landmark and depth noise). ``d50``: the equal-error distance
    between each row's distance to its own letter's mean and to the nearest other letter's mean."""
    rng = np.random.default_rng(seed)
    sets = [hands]
    for _ in range(copies):
        changed = reshape_bones(hands, rng, SCALE_RANGES)
        changed = bend_joints(changed, rng, SCALE_RANGES)
        changed = jitter(changed, rng, SCALE_RANGES)
        sets.append(depth_noise(changed, rng, SCALE_RANGES))
    points = np.concatenate([s.points for s in sets])
    shape, _, _ = describe(points, np.concatenate([s.aspect for s in sets]), np.concatenate([s.left for s in sets]))
    tiled = np.tile(labels, len(sets))
    letters = sorted(set(labels.tolist()))
    means = np.stack([shape[tiled == letter].mean(axis=0) for letter in letters])
    residual = shape - means[np.searchsorted(letters, tiled)]
    tolerance = np.sqrt(np.mean(residual**2, axis=0)) + 1e-3
    weights = ShapeScale(tolerance, 1.0).weights()
    distances = np.linalg.norm((shape[:, None, :] - means[None]) * weights, axis=2)
    own = np.searchsorted(letters, tiled)
    genuine = distances[np.arange(tiled.size), own]
    distances[np.arange(tiled.size), own] = np.inf
    impostor = distances.min(axis=1)
    return ShapeScale(tolerance, equal_error_distance(genuine, impostor))


def equal_error_distance(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """The distance where the share of genuine distances above it equals the share of impostor distances below."""
    grid = np.quantile(np.concatenate([genuine, impostor]), np.linspace(0.0, 1.0, 2001))
    miss = np.array([(genuine > g).mean() for g in grid])
    false = np.array([(impostor <= g).mean() for g in grid])
    return float(grid[int(np.argmin(np.abs(miss - false)))])
