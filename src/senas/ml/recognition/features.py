"""Features of one attempt or template: what the hand looks like (handshape and orientation), where it is
(location) and how it moves (movement), each resampled to a fixed number of steps so clips of any length and
frame rate compare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from senas.ml.recognition.normalise import CanonicalHands, resample

STEPS = 16
# How much a palm turned from the template's orientation counts against the handshape (a chord of the unit circle:
# 20° off adds ~0.35, about a fifth of the distance at which the handshape scores 50).
ORIENTATION_WEIGHT = 1.0
SHAPE_DIMS = 20 * 3 + 2


@dataclass
class SignFeatures:
    shape: np.ndarray  # (STEPS, 21, 3) canonical hand
    orientation: np.ndarray  # (STEPS,) radians
    trajectory: np.ndarray  # (STEPS, 2) palm centre relative to its mean, in palm lengths
    location: np.ndarray  # (2,) mean palm centre in frame coordinates (0..1)

    def shape_vectors(self) -> np.ndarray:
        """(STEPS, SHAPE_DIMS): the wrist (always 0) dropped, orientation as a point on the unit circle."""
        points = self.shape[:, 1:, :].reshape(self.shape.shape[0], -1)
        turn = np.stack([np.sin(self.orientation), np.cos(self.orientation)], axis=1) * ORIENTATION_WEIGHT
        return np.concatenate([points, turn], axis=1)

    def to_json(self) -> dict[str, Any]:
        return {
            "shape": np.round(self.shape, 4).tolist(),
            "orientation": np.round(self.orientation, 4).tolist(),
            "trajectory": np.round(self.trajectory, 4).tolist(),
            "location": np.round(self.location, 4).tolist(),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> SignFeatures:
        return SignFeatures(
            shape=np.asarray(data["shape"], np.float64).reshape(-1, 21, 3),
            orientation=np.asarray(data["orientation"], np.float64),
            trajectory=np.asarray(data["trajectory"], np.float64).reshape(-1, 2),
            location=np.asarray(data["location"], np.float64).reshape(2),
        )


def features_from_hands(hands: CanonicalHands, aspect: float, steps: int = STEPS) -> SignFeatures:
    if hands.count == 0:
        raise ValueError("no hand to describe")
    scale = float(np.median(hands.size))
    centre = hands.centre.copy()
    centre_units = centre * np.array([aspect, 1.0])
    path = (centre_units - centre_units.mean(axis=0)) / max(scale, 1e-6)
    return SignFeatures(
        shape=resample(hands.aligned, steps),
        orientation=resample(np.unwrap(hands.orientation), steps),
        trajectory=resample(path, steps),
        location=centre.mean(axis=0),
    )
