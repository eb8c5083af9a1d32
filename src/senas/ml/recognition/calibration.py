"""Per-sign pass thresholds measured from score distributions, not set by hand.

A sign's threshold is chosen from two samples of scores that the real scorer (``Scorer.score``, the path every
learner's attempt takes, request and all) gives against that sign's template: *genuine* attempts (performances of
the sign) and *impostor* attempts (performances of other signs). :class:`ThresholdRule` says how, and why.

Where the samples come from:

* demo (alphabet) templates — real rows of the alphabet dataset (``senas.ml.recognition.demo.calibrate_alphabet``);
* templates from authors' reference videos (:func:`calibrate_bank`, ``senas ml templates calibrate``) — there is
  one performance per sign, so the genuine samples are that reference under realistic perturbations (landmark
  jitter, speed and timing, hand size and place in the frame, a slightly turned wrist, a left-handed learner's
  mirror image) and the impostors are the other templates of the language under the same perturbations. This
  measures how well a sign stands apart from the rest of the vocabulary, not how differently real people sign
  it: the genuine pass rates it reports are optimistic, which the rule's ceiling is there for.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from senas.ml.landmarks.sequence import RIGHT, HandTrack
from senas.ml.recognition.features import SignFeatures
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.recognition.normalise import DEPTH_WEIGHT, PALM_POINTS
from senas.ml.recognition.scorer import HANDSHAPE_GATE, PREFILTER, Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import Attempt, ScoreRequest, Side
from senas.ml.recognition.templates import TemplateBank

# One request ranks at most 20 candidates in its top-k (the contract's limit) and more than PREFILTER + 1 would be
# shortlisted by the scorer (the dropped ones get no score), so the templates are scored in chunks of this size.
CHUNK = min(20, PREFILTER + 1)
# Scores come back rounded to 0.1: thresholds are chosen on that grid.
GRID = 0.1


@dataclass(frozen=True)
class ThresholdRule:
    """How a threshold is picked from genuine and impostor scores (an attempt passes when score ≥ threshold).

    1. The lowest threshold at which at most ``max_impostor_rate`` of the impostor attempts pass. *Lowest*: every
       point higher fails more correct performances for nothing gained. 2 %: a learner making the wrong sign is
       told "correct" about once in fifty — rare enough that a pass means something, while a sign with a near
       twin (M/N, U/V…) is not pushed to a threshold no correct attempt reaches.
    2. Never above the genuine ``genuine_quantile`` (10th percentile): at least ~90 % of correct performances
       must pass, or practice turns into discouragement. When 1 and 2 conflict (the sign's impostors score as high
       as its own performances) 2 wins and the sign is flagged (``note``) with the impostor rate it really has:
       the scorer cannot tell those signs apart at that level, and failing a correct attempt teaches nothing.
    3. Clipped to ``floor``..``ceiling``, flagged when it bites. Floor 50: below it, an attempt whose overall
       score is under half would be called correct — the impostors a calibration sees are only the other signs of
       the vocabulary, not every shape a hand can make. Ceiling 80: the calibration data come from one signer
       (the alphabet set) or from the reference itself; another person's correct performance lies further from a
       template. The scorer's curves were fitted on real photos of other people against one signer's templates:
       the same handshape there lies at a handshape distance of 1.1–1.4, i.e. an overall score of about 76–86,
       and those photos' "four" scores 82–85 against B (``tests/ml/test_ml_video.py``). A threshold above 80
       would fail a typical other person's correct sign however well one signer's letters separate — for the
       letters where it bites, the price is that near twins pass for each other more often, and the file says
       how often.
    """

    max_impostor_rate: float = 0.02
    genuine_quantile: float = 0.10
    floor: float = 50.0
    ceiling: float = 80.0

    def describe(self) -> str:
        return (
            f"lowest threshold with impostor pass rate ≤ {self.max_impostor_rate:.0%}, never above the genuine "
            f"{self.genuine_quantile:.0%} percentile (when both cannot hold, the genuine bound wins and the sign is "
            f"flagged), clipped to {self.floor:g}..{self.ceiling:g} (flagged when clipped); a score passes when "
            "≥ the threshold"
        )


RULE = ThresholdRule()


@dataclass(frozen=True)
class Calibration:
    """A threshold and what it does on the scores it was chosen from."""

    threshold: float
    genuine_pass_rate: float
    impostor_pass_rate: float
    genuine: int
    impostors: int
    note: str = ""


def on_grid(value: float) -> float:
    return round(round(value / GRID) * GRID, 1)


def pass_rate(scores: np.ndarray | Sequence[float], threshold: float) -> float:
    values = np.asarray(scores, np.float64)
    return round(float(np.mean(values >= threshold)), 4) if values.size else 0.0


def choose_threshold(
    genuine: Sequence[float] | np.ndarray, impostor: Sequence[float] | np.ndarray, rule: ThresholdRule = RULE
) -> Calibration:
    """The threshold :class:`ThresholdRule` picks for these scores (0–100), and the pass rates it gives on them."""
    real = np.sort(np.asarray(genuine, np.float64))
    other = np.sort(np.asarray(impostor, np.float64))[::-1]
    if real.size == 0:
        raise ValueError("no genuine scores to calibrate with")
    notes = []
    # At most ``allowed`` impostors may pass, so the threshold sits one grid step above the score of the next one
    # (scores are on the 0.1 grid: every score above that one is ≥ the threshold, that one and lower fail).
    allowed = math.floor(rule.max_impostor_rate * other.size + 1e-9)
    by_impostors = on_grid(float(other[allowed]) + GRID) if other.size > allowed else rule.floor
    # The genuine percentile as an observed score (no interpolation between samples): at least 1 - quantile of
    # the genuine scores are ≥ it.
    by_genuine = on_grid(float(real[math.floor(rule.genuine_quantile * (real.size - 1))]))
    threshold = by_impostors
    # A conflict only where it decides something: below the floor, the floor wins either way (a genuine percentile
    # of 0 means that many genuine attempts fail the handshape gate, said by the floor's note).
    if by_impostors > by_genuine and (by_impostors > rule.floor or rule.floor <= 0):
        threshold = by_genuine
        notes.append(
            f"impostors overlap: ≤ {rule.max_impostor_rate:.0%} impostor passes would need {by_impostors:g}, above "
            f"the genuine {rule.genuine_quantile:.0%} percentile {by_genuine:g}"
        )
    if threshold > rule.ceiling:
        notes.append(f"capped at the ceiling {rule.ceiling:g} (the rule gave {threshold:g})")
        threshold = rule.ceiling
    elif threshold < rule.floor:
        if rule.floor > by_genuine:
            notes.append(
                f"raised to the floor {rule.floor:g}, above the genuine {rule.genuine_quantile:.0%} "
                f"percentile {by_genuine:g}: the template does not represent every performance"
                + (" (more than that share of them fail the handshape gate)" if by_genuine == 0 else "")
            )
        threshold = rule.floor
    return Calibration(
        threshold=threshold,
        genuine_pass_rate=pass_rate(real, threshold),
        impostor_pass_rate=pass_rate(other, threshold),
        genuine=int(real.size),
        impostors=int(other.size),
        note="; ".join(notes),
    )


def score_matrix(scorer: Scorer, attempts: Iterable[tuple[Attempt, Side]], keys: Sequence[str]) -> np.ndarray:
    """(attempts, keys): every attempt's score against every template, each exactly what ``Scorer.score`` answers
    for that target — or 0 where its handshape component is under ``scorer.HANDSHAPE_GATE``: such an attempt cannot
    pass for that sign whatever its score, so a threshold is chosen for the attempts that can (the pass rule,
    ``scorer.passes``). One request per chunk of templates, the chunk as the candidates (so none is shortlisted
    away) and as the top-k (so the response carries every candidate's score)."""
    count = max(1, math.ceil(len(keys) / CHUNK))
    size = math.ceil(len(keys) / count)  # balanced chunks: as many requests, none tiny
    chunks = [list(keys[i : i + size]) for i in range(0, len(keys), size)]
    column = {key: i for i, key in enumerate(keys)}
    rows = []
    for attempt, dominant in attempts:
        row = np.full(len(keys), np.nan)
        for chunk in chunks:
            response = scorer.score(
                ScoreRequest(
                    attempt=attempt, target=chunk[0], candidates=chunk, top_k=len(chunk), dominant_hand=dominant
                )
            )
            for neighbour in response.nearest:
                handshape = neighbour.handshape if neighbour.handshape is not None else 100.0
                row[column[neighbour.sign_key]] = neighbour.score if handshape >= HANDSHAPE_GATE else 0.0
            row[column[chunk[0]]] = response.score if response.components["handshape"] >= HANDSHAPE_GATE else 0.0
        if np.isnan(row).any():
            raise RuntimeError("the scorer left a template unscored")
        rows.append(row)
    return np.asarray(rows, np.float64).reshape(len(rows), len(keys))


# --- attempts made from a template (author templates: one reference performance per sign) ---------------------

FPS = 15.0
WIDTH, HEIGHT = 640, 480


@dataclass(frozen=True)
class Perturbation:
    """One way a learner's performance differs from the reference without being a different sign."""

    frames: int = 16  # speed: the clip's length at FPS
    warp: float = 1.0  # timing: >1 lingers at the start, <1 at the end (t ** warp)
    size: float = 0.22  # palm length, fraction of the frame height (near or far from the camera)
    offset: tuple[float, float] = (0.0, 0.0)  # where in the frame, relative to the reference (frame units)
    turn: float = 0.0  # wrist turned, radians
    jitter: float = 0.0  # landmark tracking noise, frame units (0.002 ≈ one pixel at 480 p)
    mirrored: bool = False  # a left-handed learner: the mirror image, scored with dominant_hand="left"


def draw_perturbation(rng: np.random.Generator, *, mirrored: bool = False) -> Perturbation:
    """A random perturbation within what learners at a webcam do: 0.7–2.4 s, uneven timing, palm 16–30 % of the
    frame, a few percent elsewhere in the frame, wrist within ~±8°, 0.5–2 px tracking noise."""
    return Perturbation(
        frames=int(rng.choice([10, 13, 16, 24, 36])),
        warp=float(np.exp(rng.uniform(-0.25, 0.25))),
        size=float(rng.uniform(0.16, 0.30)),
        offset=(float(rng.normal(0, 0.04)), float(rng.normal(0, 0.04))),
        turn=float(rng.normal(0, math.radians(8))),
        jitter=float(rng.uniform(0.001, 0.004)),
        mirrored=mirrored,
    )


def _warped(values: np.ndarray, frames: int, warp: float) -> np.ndarray:
    """``values`` (steps, …) resampled to ``frames`` at positions t ** warp (linear interpolation)."""
    steps = values.shape[0]
    where = (np.linspace(0.0, 1.0, frames) ** warp) * (steps - 1)
    low = np.floor(where).astype(int)
    high = np.minimum(low + 1, steps - 1)
    frac = (where - low).reshape((-1,) + (1,) * (values.ndim - 1))
    out: np.ndarray = values[low] * (1.0 - frac) + values[high] * frac
    return out


def track_from_features(
    features: SignFeatures, change: Perturbation, rng: np.random.Generator | None = None
) -> HandTrack:
    """The landmarks of a right hand performing ``features`` (the inverse of ``normalise.canonicalise`` and
    ``features.features_from_hands``), changed by ``change``. Body landmarks are not made up: an attempt made
    here is judged against the frame (see the limitation in the module's docstring)."""
    aspect = WIDTH / HEIGHT
    shape = _warped(features.shape, change.frames, change.warp)
    orientation = _warped(features.orientation, change.frames, change.warp) + change.turn
    path = _warped(features.trajectory, change.frames, change.warp)
    cos, sin = np.cos(orientation)[:, None], np.sin(orientation)[:, None]
    rx, ry, rz = shape[..., 0], shape[..., 1], shape[..., 2] / DEPTH_WEIGHT
    # Undo the palm-up rotation, then the palm-length scaling: frame-height units, wrist at the origin.
    points = np.stack([cos * rx - sin * ry, sin * rx + cos * ry, rz], axis=-1) * change.size
    palm_centre = points[:, PALM_POINTS, :2].mean(axis=1)
    centre = (features.location + np.asarray(change.offset)) * np.array([aspect, 1.0]) + path * change.size
    points[..., :2] += (centre - palm_centre)[:, None, :]
    points[..., 0] /= aspect
    points[..., 2] /= aspect
    if change.jitter > 0:
        points = points + (rng or np.random.default_rng(0)).normal(0.0, change.jitter, points.shape)
    track = HandTrack.from_single_hand(
        points.astype(np.float32), [RIGHT] * change.frames, fps=FPS, width=WIDTH, height=HEIGHT
    )
    return track.mirrored() if change.mirrored else track


def perturbed_attempts(features: SignFeatures, count: int, rng: np.random.Generator) -> list[tuple[Attempt, Side]]:
    """``count`` perturbed performances of ``features``, every other one a left-handed learner's mirror image."""
    attempts: list[tuple[Attempt, Side]] = []
    for i in range(count):
        change = draw_perturbation(rng, mirrored=i % 2 == 1)
        attempts.append(
            (attempt_from_track(track_from_features(features, change, rng)), "left" if change.mirrored else "right")
        )
    return attempts


GENUINE_VARIANTS = 12
IMPOSTOR_VARIANTS = 4


def calibrate_bank(
    bank: TemplateBank,
    targets: Collection[str],
    *,
    metric: HandshapeMetric | None = None,
    rule: ThresholdRule = RULE,
    seed: int = 0,
    genuine_variants: int = GENUINE_VARIANTS,
    impostor_variants: int = IMPOSTOR_VARIANTS,
) -> dict[str, Calibration]:
    """Thresholds for the templates ``targets`` (keys) of ``bank``: genuine = the template's own reference under
    perturbations, impostors = every other template of its language (the scorer's default candidates) under
    the same kind of perturbations. A template with exactly the same features as the target (one template shared
    by two signs on purpose, e.g. ASL 4 and B in the demo course) is not an impostor of it."""
    scorer = Scorer(bank, metric)
    results: dict[str, Calibration] = {}
    languages = sorted({bank.entries[bank.by_key[key]].language for key in targets})
    for language in languages:
        members = bank.of_language(language)
        wanted = [i for i in members if bank.entries[i].key in targets]
        keys = [bank.entries[i].key for i in wanted]
        attempts: list[tuple[Attempt, Side]] = []
        genuine_of: list[int] = []  # per attempt: the template it performs (genuine rows)
        impostor_of: list[int] = []
        for i in members:
            # One generator per template and role: a sign's attempts are the same whichever others are calibrated
            # with it (same seed, same thresholds).
            key = [seed, int.from_bytes(hashlib.sha256(bank.entries[i].key.encode()).digest()[:8], "little")]
            if i in wanted:
                made = perturbed_attempts(bank.features[i], genuine_variants, np.random.default_rng([*key, 0]))
                attempts += made
                genuine_of += [i] * len(made)
                impostor_of += [-1] * len(made)
            made = perturbed_attempts(bank.features[i], impostor_variants, np.random.default_rng([*key, 1]))
            attempts += made
            genuine_of += [-1] * len(made)
            impostor_of += [i] * len(made)
        scores = score_matrix(scorer, attempts, keys)
        performed_genuine = np.asarray(genuine_of)
        performed_impostor = np.asarray(impostor_of)
        for column, target in enumerate(wanted):
            twins = [i for i in members if i != target and _same_features(bank.features[i], bank.features[target])]
            impostor_rows = (
                (performed_impostor >= 0) & (performed_impostor != target) & ~np.isin(performed_impostor, twins)
            )
            results[bank.entries[target].key] = choose_threshold(
                scores[performed_genuine == target, column], scores[impostor_rows, column], rule
            )
    return results


def _same_features(a: SignFeatures, b: SignFeatures) -> bool:
    return bool(
        a.shape.shape == b.shape.shape
        and np.array_equal(a.shape, b.shape)
        and np.array_equal(a.orientation, b.orientation)
        and np.array_equal(a.trajectory, b.trajectory)
    )
