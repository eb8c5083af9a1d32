"""The fingerspelling classifier on the hand's own frame (``recognition.handframe``), trained for people who are
not in the data, with a confidence that means what it says and a "not sure" answer.

* Input: the handshape descriptor (35: flexion, spread, thumb, reach), a flag for whether the hand had depth, and
  the orientation (palm normal and finger direction, 6) — a few letters differ *only* in orientation (H/U, K/P,
  G/Q), so it cannot be left out; the rotations in training (±40°) teach the network how much of it to ignore.
* Training: the first 70 % of each letter's rows (contiguous, file order), each row also as ``COPIES``
  augmented copies (``augment.other_people``: proportions, joint bends, turns, camera noise, lost depth, the other
  hand). The next 10 % are the *calibration* block, the last 20 % (``training.block_split``) stay unseen.
* Confidence: temperature scaling (one number dividing the logits, fitted by minimising the negative
  log-likelihood on the calibration block under the same transforms: the network is trained to near-certainty on
  one signer, and the temperature is what brings its confidence down to how often it is right on changed hands).
* "Not sure", with the top three, in two cases. (1) The calibrated probability of the best letter is under
  ``NOT_SURE_BELOW`` (0.5: the answer is then less likely right than wrong). (2) The hand is unlike any way that
  letter was made in training: a softmax over 26 letters must pick one of them even for a hand that is no letter
  at all (a "rock" hand gets I or D with confidence ~0.9), and calibration on letters cannot see that. So each
  letter keeps the mean and spread of its handshape descriptor under the training transforms (separately for
  hands with and without depth), and a hand whose RMS z-score from its best letter exceeds what
  ``TYPICAL_QUANTILE`` (99 %) of that letter's calibration rows reach is "not sure" too.

Artefact: ``.npz`` read with ``allow_pickle=False`` (no code runs on load), ``format`` = ``ARTEFACT_FORMAT`` (2;
format 1 was the retired classifier on canonical coordinates, which this code refuses), the same bytes whenever the
same data and seed build it (``npz.npz_bytes``). It ships in the package (``senas/ml/artefacts``), built by
``senas ml train fingerspelling``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from senas.ml.fingerspelling.network import softmax, train_network
from senas.ml.npz import npz_bytes, read_npz
from senas.ml.recognition.augment import Hands, Ranges, imitated
from senas.ml.recognition.handframe import DEPTH_SCALE, SHAPE_DIMS, describe

ARTEFACT_FORMAT = 2
ARTEFACT_KIND = "fingerspelling-handframe"
NOT_SURE_BELOW = 0.5
COPIES = 8
FIT_FRACTION = 0.7  # of each letter's rows; then CALIBRATION up to 0.8; the last 0.2 held out
CALIBRATION_END = 0.8
HELD_OUT_FRACTION = 1.0 - CALIBRATION_END
HIDDEN = 96
EPOCHS = 30
CALIBRATION_COPIES = 4
TYPICAL_QUANTILE = 0.99


def features(hands: Hands, *, orientation: bool = True, depth_scale: float = DEPTH_SCALE) -> np.ndarray:
    shape, facing, has_depth = describe(hands.points, hands.aspect, hands.left, depth_scale)
    parts = [shape, has_depth[:, None].astype(np.float64)]
    if orientation:
        parts.append(facing)
    return np.concatenate(parts, axis=1)


NotSure = Literal["low_confidence", "unlike_any_letter"]


@dataclass(frozen=True)
class Answer:
    letter: str | None  # None: not sure
    confidence: float  # calibrated probability of the best letter
    top3: list[tuple[str, float]]
    atypical: bool = False  # the hand is unlike the best letter as trained (see the module docstring)

    @property
    def sure(self) -> bool:
        return self.letter is not None

    @property
    def not_sure_because(self) -> NotSure | None:
        if self.sure:
            return None
        return "unlike_any_letter" if self.atypical else "low_confidence"


@dataclass
class HandshapeClassifier:
    labels: np.ndarray  # (K,) str
    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    temperature: float = 1.0
    not_sure_below: float = NOT_SURE_BELOW
    orientation: bool = True
    # Per letter and depth (index 0: without, 1: with): descriptor mean and spread (K, 2, SHAPE_DIMS) and the
    # RMS z-score limit (K, 2). Empty: no typicality check.
    typical_mean: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, SHAPE_DIMS)))
    typical_std: np.ndarray = field(default_factory=lambda: np.ones((0, 2, SHAPE_DIMS)))
    typical_limit: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    notes: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""  # of the artefact it was read from

    def features(self, hands: Hands) -> np.ndarray:
        return features(hands, orientation=self.orientation)

    def logits(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(((x - self.mean) / self.std) @ self.w1 + self.b1, 0.0)
        out: np.ndarray = hidden @ self.w2 + self.b2
        return out

    def probabilities(self, x: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        return softmax(self.logits(x) / (self.temperature if calibrated else 1.0))

    def atypicality(self, shape: np.ndarray, has_depth: np.ndarray, letters: np.ndarray) -> np.ndarray:
        """(N,) RMS z-score of each hand's descriptor from the given letters' (column indices) training spread,
        divided by that letter's limit: above 1 is atypical."""
        if self.typical_mean.shape[0] == 0:
            return np.zeros(shape.shape[0])
        depth = has_depth.astype(int)
        z = (shape - self.typical_mean[letters, depth]) / self.typical_std[letters, depth]
        out: np.ndarray = np.sqrt(np.mean(z**2, axis=1)) / self.typical_limit[letters, depth]
        return out

    def answers(self, hands: Hands) -> list[Answer]:
        x = self.features(hands)
        probabilities = self.probabilities(x)
        order = np.argsort(-probabilities, axis=1)[:, :3]
        has_depth = x[:, SHAPE_DIMS] > 0.5
        atypical = self.atypicality(x[:, :SHAPE_DIMS], has_depth, order[:, 0]) > 1.0
        out = []
        for row, best, odd in zip(probabilities, order, atypical, strict=True):
            top3 = [(str(self.labels[i]), round(float(row[i]), 4)) for i in best]
            sure = top3[0][1] >= self.not_sure_below and not odd
            out.append(Answer(top3[0][0] if sure else None, top3[0][1], top3, bool(odd)))
        return out

    def to_bytes(self) -> bytes:
        return npz_bytes(
            {
                "format": np.array(ARTEFACT_FORMAT),
                "kind": np.array(ARTEFACT_KIND),
                "labels": self.labels.astype("U8"),
                "mean": self.mean.astype(np.float32),
                "std": self.std.astype(np.float32),
                "w1": self.w1.astype(np.float32),
                "b1": self.b1.astype(np.float32),
                "w2": self.w2.astype(np.float32),
                "b2": self.b2.astype(np.float32),
                "temperature": np.array(self.temperature),
                "not_sure_below": np.array(self.not_sure_below),
                "orientation": np.array(self.orientation),
                "depth_scale": np.array(DEPTH_SCALE),
                "typical_mean": self.typical_mean.astype(np.float32),
                "typical_std": self.typical_std.astype(np.float32),
                "typical_limit": self.typical_limit.astype(np.float32),
                "notes": np.array(json.dumps(self.notes, sort_keys=True)),
            }
        )

    @staticmethod
    def from_bytes(raw: bytes) -> HandshapeClassifier:
        data = read_npz(raw)
        if "kind" not in data or str(data["kind"]) != ARTEFACT_KIND:
            raise ValueError(
                "not a handframe fingerspelling artefact (a format-1 classifier on canonical coordinates is retired: "
                "register the packaged one with `senas ml install-models`)"
            )
        if int(data["format"]) != ARTEFACT_FORMAT:
            raise ValueError(f"unsupported fingerspelling artefact format {int(data['format'])}")
        if float(data["depth_scale"]) != DEPTH_SCALE:
            raise ValueError("the artefact was trained with another depth scale: retrain it")
        return HandshapeClassifier(
            labels=data["labels"],
            mean=data["mean"].astype(np.float64),
            std=data["std"].astype(np.float64),
            w1=data["w1"].astype(np.float64),
            b1=data["b1"].astype(np.float64),
            w2=data["w2"].astype(np.float64),
            b2=data["b2"].astype(np.float64),
            temperature=float(data["temperature"]),
            not_sure_below=float(data["not_sure_below"]),
            orientation=bool(data["orientation"]),
            typical_mean=data["typical_mean"].astype(np.float64),
            typical_std=data["typical_std"].astype(np.float64),
            typical_limit=data["typical_limit"].astype(np.float64),
            notes=json.loads(str(data["notes"])) if "notes" in data else {},
            sha256=hashlib.sha256(raw).hexdigest(),
        )


def fit_temperature(logits: np.ndarray, target: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood (a 1-D convex problem in log T: a coarse grid, then
    a golden-section refinement)."""

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.maximum(p[np.arange(target.size), target], 1e-12))))

    grid = np.linspace(np.log(0.05), np.log(50.0), 61)
    best = int(np.argmin([nll(v) for v in grid]))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if nll(a) < nll(b):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def expected_calibration_error(probabilities: np.ndarray, target: np.ndarray, bins: int = 15) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins (weighted by how
    many answers fall in each)."""
    confidence = probabilities.max(axis=1)
    right = np.argmax(probabilities, axis=1) == target
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        rows = which == b
        if rows.any():
            total += rows.mean() * abs(float(confidence[rows].mean()) - float(right[rows].mean()))
    return total


def block_split(labels: np.ndarray, fraction: float = HELD_OUT_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, held out): for every label, its last ``fraction`` of rows in file order. The alphabet
    data come from one signer in long runs per letter: neighbouring rows are near-duplicate video frames, so a
    random split would put a frame's twin in the test set and overstate accuracy."""
    held = np.zeros(labels.size, bool)
    for label in set(labels.tolist()):
        rows = np.flatnonzero(labels == label)
        cut = round(rows.size * (1 - fraction))
        held[rows[cut:]] = True
    return ~held, held


def three_blocks(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks (fit, calibration, held out) by contiguous blocks per letter in file order: the first 70 %,
    the next 10 %, the last 20 % (the same held-out block as ``block_split``)."""
    fit = np.zeros(labels.size, bool)
    calibration = np.zeros(labels.size, bool)
    for label in set(labels.tolist()):
        rows = np.flatnonzero(labels == label)
        fit_end, cal_end = round(rows.size * FIT_FRACTION), round(rows.size * CALIBRATION_END)
        fit[rows[:fit_end]] = True
        calibration[rows[fit_end:cal_end]] = True
    return fit, calibration, ~(fit | calibration)


def train_classifier(
    hands: Hands,
    labels: np.ndarray,
    *,
    seed: int = 7,
    copies: int = COPIES,
    hidden: int = HIDDEN,
    epochs: int = EPOCHS,
    orientation: bool = True,
    ranges: Ranges | None = None,
) -> HandshapeClassifier:
    """Fit on the fit block (augmented), calibrate on the calibration block (augmented with another seed)."""
    ranges = ranges or Ranges()
    fit, calibration, _ = three_blocks(labels)
    train_hands, train_labels = imitated(hands.take(fit), labels[fit], copies, seed, ranges)
    fit_x = features(train_hands, orientation=orientation)
    mlp = train_network(fit_x, train_labels, hidden=hidden, epochs=epochs, seed=seed)
    model = HandshapeClassifier(mlp.labels, mlp.mean, mlp.std, mlp.w1, mlp.b1, mlp.w2, mlp.b2, orientation=orientation)
    cal_hands, cal_labels = imitated(
        hands.take(calibration), labels[calibration], CALIBRATION_COPIES, seed + 1, ranges, originals=False
    )
    cal_x = model.features(cal_hands)
    target = np.searchsorted(model.labels, cal_labels)
    model.temperature = fit_temperature(model.logits(cal_x), target)
    fit_target = np.searchsorted(model.labels, train_labels)
    _typical_spread(model, fit_x, fit_target, cal_x, target)
    model.notes = {
        "fit_rows": int(fit.sum()),
        "train_rows": int(train_labels.size),
        "calibration_rows": int(cal_labels.size),
        "temperature": round(model.temperature, 4),
        "seed": seed,
        "copies": copies,
        "hidden": hidden,
        "epochs": epochs,
    }
    return model


def _typical_spread(
    model: HandshapeClassifier, fit_x: np.ndarray, fit_target: np.ndarray, cal_x: np.ndarray, cal_target: np.ndarray
) -> None:
    """Each letter's descriptor mean and spread on the (augmented) training rows, and the limit that
    ``TYPICAL_QUANTILE`` of its calibration rows stay within — with and without depth."""
    count = model.labels.size
    mean = np.zeros((count, 2, SHAPE_DIMS))
    std = np.ones((count, 2, SHAPE_DIMS))
    limit = np.full((count, 2), np.inf)
    fit_depth = (fit_x[:, SHAPE_DIMS] > 0.5).astype(int)
    cal_depth = (cal_x[:, SHAPE_DIMS] > 0.5).astype(int)
    for letter in range(count):
        for depth in (0, 1):
            rows = (fit_target == letter) & (fit_depth == depth)
            if rows.sum() < 10:
                continue
            mean[letter, depth] = fit_x[rows, :SHAPE_DIMS].mean(axis=0)
            # A floor keeps a feature that hardly varies for one letter from dominating the score.
            std[letter, depth] = fit_x[rows, :SHAPE_DIMS].std(axis=0) + 0.02
    model.typical_mean, model.typical_std, model.typical_limit = mean, std, np.ones((count, 2))
    for letter in range(count):
        for depth in (0, 1):
            rows = (cal_target == letter) & (cal_depth == depth)
            if rows.sum() < 10:
                continue
            scores = model.atypicality(
                cal_x[rows, :SHAPE_DIMS], cal_depth[rows].astype(bool), np.full(rows.sum(), letter)
            )
            limit[letter, depth] = float(np.quantile(scores, TYPICAL_QUANTILE))
    model.typical_limit = limit
