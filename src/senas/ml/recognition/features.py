"""Features of one attempt or template: what the hand looks like (handshape and orientation), where it is
(location) and how it moves (movement), each resampled to a fixed number of steps so clips of any length and
frame rate compare. Location is kept twice: in the frame (always) and relative to the body (when body landmarks
were seen in enough frames with the hand; see ``body.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from senas.ml.recognition.body import MIN_BODY_FRAMES, body_location
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
    body_location: np.ndarray | None = None  # (2,) the hand relative to the body, shoulder widths
    body_anchors: np.ndarray | None = None  # (regions, 2) where this signer's regions are, same units

    @property
    def has_body(self) -> bool:
        return self.body_location is not None and self.body_anchors is not None

    def shape_vectors(self) -> np.ndarray:
        """(STEPS, SHAPE_DIMS): the wrist (always 0) dropped, orientation as a point on the unit circle."""
        points = self.shape[:, 1:, :].reshape(self.shape.shape[0], -1)
        turn = np.stack([np.sin(self.orientation), np.cos(self.orientation)], axis=1) * ORIENTATION_WEIGHT
        return np.concatenate([points, turn], axis=1)

    def to_json(self) -> dict[str, Any]:
        data = {
            "shape": np.round(self.shape, 4).tolist(),
            "orientation": np.round(self.orientation, 4).tolist(),
            "trajectory": np.round(self.trajectory, 4).tolist(),
            "location": np.round(self.location, 4).tolist(),
        }
        if self.body_location is not None and self.body_anchors is not None:
            data["body_location"] = np.round(self.body_location, 4).tolist()
            data["body_anchors"] = np.round(self.body_anchors, 4).tolist()
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> SignFeatures:
        return SignFeatures(
            shape=np.asarray(data["shape"], np.float64).reshape(-1, 21, 3),
            orientation=np.asarray(data["orientation"], np.float64),
            trajectory=np.asarray(data["trajectory"], np.float64).reshape(-1, 2),
            location=np.asarray(data["location"], np.float64).reshape(2),
            # Templates written before body landmarks (and demo templates) have none.
            body_location=(
                np.asarray(data["body_location"], np.float64).reshape(2) if "body_location" in data else None
            ),
            body_anchors=(
                np.asarray(data["body_anchors"], np.float64).reshape(-1, 2) if "body_anchors" in data else None
            ),
        )


def features_from_hands(
    hands: CanonicalHands,
    aspect: float,
    steps: int = STEPS,
    *,
    body: np.ndarray | None = None,
    body_present: np.ndarray | None = None,
) -> SignFeatures:
    """``body`` (T, BODY, 3) and ``body_present`` (T,) are the whole clip's (``hands.frame_index`` picks the
    frames with a hand)."""
    if hands.count == 0:
        raise ValueError("no hand to describe")
    located = None
    if body is not None and body_present is not None and hands.points is not None:
        seen = body_present[hands.frame_index]
        if int(seen.sum()) >= MIN_BODY_FRAMES:
            located = body_location(hands.points[seen], body[hands.frame_index][seen], hands.left[seen], aspect)
    scale = float(np.median(hands.size))
    centre = hands.centre.copy()
    centre_units = centre * np.array([aspect, 1.0])
    path = (centre_units - centre_units.mean(axis=0)) / max(scale, 1e-6)
    return SignFeatures(
        shape=resample(hands.aligned, steps),
        orientation=resample(np.unwrap(hands.orientation), steps),
        trajectory=resample(path, steps),
        location=centre.mean(axis=0),
        body_location=None if located is None else located.location,
        body_anchors=None if located is None else located.anchors,
    )
