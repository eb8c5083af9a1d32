"""The recognition of the previous release, kept only so that ``senas ml evaluate`` prints "before" beside "after":
nothing at run time imports it.

* The fingerspelling classifier on canonical coordinates: the hand turned upright *in the picture plane* and
  scaled, its 20 points and that turn fed to a two-layer network trained on the first 80 % of each letter's rows
  (no augmentation, no calibration, no "not sure").
* The scorer's handshape component (``dtw-2``): DTW over those canonical points (and the turn as a point on the unit
  circle), 0–100 with d50 = 1.8 — so a hand turned in 3-D, or with other proportions, lost handshape score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.fingerspelling.model import block_split
from senas.ml.fingerspelling.network import Network, softmax, train_network
from senas.ml.recognition.augment import Hands
from senas.ml.recognition.curve import curve
from senas.ml.recognition.dtw import batch_dtw
from senas.ml.recognition.normalise import canonicalise, resample

SHAPE_D50 = 1.8
STEPS = 16


def canonical_features(hands: Hands) -> np.ndarray:
    """(N, 62): the canonical hand without its wrist, and its turn in the picture (sin, cos)."""
    rows = []
    for aspect in np.unique(hands.aspect):
        chosen = np.flatnonzero(hands.aspect == aspect)
        aligned, orientation, _, _ = canonicalise(hands.points[chosen], hands.left[chosen], float(aspect))
        flat = aligned[:, 1:, :].reshape(aligned.shape[0], -1)
        rows.append((chosen, np.concatenate([flat, np.sin(orientation)[:, None], np.cos(orientation)[:, None]], 1)))
    out = np.zeros((len(hands), 62))
    for chosen, values in rows:
        out[chosen] = values
    return out


@dataclass
class CanonicalClassifier:
    network: Network

    @property
    def labels(self) -> np.ndarray:
        return self.network.labels

    @staticmethod
    def train(hands: Hands, labels: np.ndarray, *, seed: int = 7) -> CanonicalClassifier:
        train, _ = block_split(labels)
        rows = np.flatnonzero(train)
        return CanonicalClassifier(train_network(canonical_features(hands.take(rows)), labels[rows], seed=seed))

    def probabilities(self, hands: Hands) -> np.ndarray:
        with np.errstate(all="ignore"):
            return softmax(self.network.logits(canonical_features(hands)))


def shape_vectors(points: np.ndarray, left: bool, aspect: float) -> np.ndarray:
    """(STEPS, 62) of one hand's frames (T, 21, 3) as the previous scorer compared them."""
    aligned, orientation, _, _ = canonicalise(points, np.full(points.shape[0], left), aspect)
    shape = resample(aligned, STEPS)
    turn = resample(np.unwrap(orientation), STEPS)
    flat = shape[:, 1:, :].reshape(STEPS, -1)
    return np.concatenate([flat, np.sin(turn)[:, None], np.cos(turn)[:, None]], axis=1)


def handshape_scores(attempt: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """The previous handshape component (0–100) of ``attempt`` (STEPS, 62) against templates (M, STEPS, 62)."""
    return curve(batch_dtw(attempt, templates), SHAPE_D50)
