"""From raw landmarks to a hand that can be compared with any other hand.

Every hand is brought to one canonical form: coordinates in units of the frame height (so non-square frames are
not squashed), a left hand mirrored into a right hand (a left-handed learner is compared with the same template
as everyone else, and fairly), wrist at the origin, palm length 1, and rotated so that the palm points up. The
rotation removed is kept as the hand's *orientation*, which some signs depend on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from senas.ml.landmarks.sequence import LEFT, RIGHT, HandTrack

WRIST = 0
MIDDLE_MCP = 9
PALM_POINTS = (0, 5, 9, 13, 17)
# Depth from a single camera is the least reliable coordinate: it counts for half.
DEPTH_WEIGHT = 0.5


@dataclass
class CanonicalHands:
    """One hand per frame (only frames where the chosen hand was seen)."""

    aligned: np.ndarray  # (T, 21, 3): canonical shape (wrist origin, palm length 1, palm up, right hand)
    orientation: np.ndarray  # (T,) radians the palm was turned from upright (clockwise positive on screen)
    centre: np.ndarray  # (T, 2) palm centre in frame coordinates 0..1 (mirrored for a left hand)
    size: np.ndarray  # (T,) palm length in frame-height units
    left: np.ndarray  # (T,) True where the hand used was a left hand
    frame_index: np.ndarray  # (T,) index of the source frame
    points: np.ndarray | None = None  # (T, 21, 3) the chosen hand as MediaPipe gave it (for body location)

    @property
    def count(self) -> int:
        return int(self.aligned.shape[0])


def choose_hand(track: HandTrack, dominant: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame, the learner's dominant hand when it is visible, else the other one.

    Returns (points (T', 21, 3), left (T',), frame index (T',)) for the frames where a hand was seen.
    """
    wanted = LEFT if dominant == "left" else RIGHT
    points, left, index = [], [], []
    for frame in range(track.frames):
        slots = [s for s in range(track.present.shape[1]) if track.present[frame, s]]
        if not slots:
            continue
        preferred = [s for s in slots if track.handedness[frame, s] == wanted]
        # Otherwise the hand with the higher confidence.
        slot = preferred[0] if preferred else max(slots, key=lambda s: float(track.scores[frame, s]))
        points.append(track.points[frame, slot])
        left.append(track.handedness[frame, slot] == LEFT)
        index.append(frame)
    if not points:
        return np.zeros((0, 21, 3), np.float32), np.zeros(0, bool), np.zeros(0, int)
    return np.stack(points).astype(np.float64), np.asarray(left, bool), np.asarray(index, int)


def canonicalise(points: np.ndarray, left: np.ndarray, aspect: float) -> tuple[np.ndarray, ...]:
    """(aligned, orientation, centre, size) of hands given in image-normalised coordinates."""
    pts = np.asarray(points, np.float64).copy()
    flip = np.asarray(left, bool)
    centre = pts[:, PALM_POINTS, :2].mean(axis=1)
    centre[flip, 0] = 1.0 - centre[flip, 0]
    # x, and z (MediaPipe gives depth on roughly the x scale), into frame-height units.
    pts[..., 0] *= aspect
    pts[..., 2] *= aspect
    pts[flip, :, 0] *= -1.0
    pts -= pts[:, WRIST : WRIST + 1, :]
    palm = pts[:, MIDDLE_MCP, :2]
    size = np.maximum(np.linalg.norm(palm, axis=1), 1e-6)
    # Angle of the palm from "up" (0, -1) in image coordinates (y grows downwards).
    orientation = np.arctan2(palm[:, 0], -palm[:, 1])
    cos, sin = np.cos(orientation), np.sin(orientation)
    x, y = pts[..., 0], pts[..., 1]
    rx = cos[:, None] * x + sin[:, None] * y
    ry = -sin[:, None] * x + cos[:, None] * y
    aligned = np.stack([rx, ry, pts[..., 2] * DEPTH_WEIGHT], axis=-1) / size[:, None, None]
    return aligned, orientation, centre, size


def canonical_hands(track: HandTrack, dominant: str) -> CanonicalHands:
    points, left, index = choose_hand(track, dominant)
    if points.shape[0] == 0:
        empty = np.zeros(0)
        return CanonicalHands(np.zeros((0, 21, 3)), empty, np.zeros((0, 2)), empty, np.zeros(0, bool), index)
    aligned, orientation, centre, size = canonicalise(points, left, track.aspect)
    return CanonicalHands(aligned, orientation, centre, size, left, index, points)


def resample(values: np.ndarray, steps: int) -> np.ndarray:
    """Linear resampling along the first axis to ``steps`` samples (clips of any length and frame rate)."""
    count = values.shape[0]
    if count == steps:
        return values.astype(np.float64)
    if count == 1:
        return np.repeat(values.astype(np.float64), steps, axis=0)
    where = np.linspace(0.0, count - 1, steps)
    low = np.floor(where).astype(int)
    high = np.minimum(low + 1, count - 1)
    frac = (where - low).reshape((-1,) + (1,) * (values.ndim - 1))
    out: np.ndarray = values[low] * (1.0 - frac) + values[high] * frac
    return out
