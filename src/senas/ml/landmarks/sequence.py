"""Hand landmarks of a clip, frame by frame, as MediaPipe gives them (image-normalised coordinates).

Up to two hands per frame are kept. ``handedness`` follows MediaPipe Tasks on un-mirrored frames: the hand's
true side (0 = left, 1 = right, -1 = no hand in that slot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEFT = 0
RIGHT = 1
NO_HAND = -1
MAX_HANDS = 2
POINTS = 21


@dataclass
class HandTrack:
    points: np.ndarray  # (T, 2, 21, 3) float32
    present: np.ndarray  # (T, 2) bool
    handedness: np.ndarray  # (T, 2) int8
    scores: np.ndarray  # (T, 2) float32 — detection confidence of the handedness label
    fps: float
    width: int
    height: int

    @property
    def frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def frames_with_hand(self) -> int:
        return int(self.present.any(axis=1).sum())

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 1.0

    @staticmethod
    def empty(fps: float, width: int, height: int) -> HandTrack:
        return HandTrack(
            points=np.zeros((0, MAX_HANDS, POINTS, 3), np.float32),
            present=np.zeros((0, MAX_HANDS), bool),
            handedness=np.full((0, MAX_HANDS), NO_HAND, np.int8),
            scores=np.zeros((0, MAX_HANDS), np.float32),
            fps=fps,
            width=width,
            height=height,
        )

    @staticmethod
    def from_single_hand(
        frames: np.ndarray, handedness: list[int], *, fps: float, width: int, height: int
    ) -> HandTrack:
        """One hand per frame (what a device sends in landmarks mode): ``frames`` (T, 21, 3)."""
        count = frames.shape[0]
        points = np.zeros((count, MAX_HANDS, POINTS, 3), np.float32)
        points[:, 0] = frames
        present = np.zeros((count, MAX_HANDS), bool)
        present[:, 0] = True
        sides = np.full((count, MAX_HANDS), NO_HAND, np.int8)
        sides[:, 0] = np.asarray(handedness, np.int8)
        scores = np.zeros((count, MAX_HANDS), np.float32)
        scores[:, 0] = 1.0
        return HandTrack(points, present, sides, scores, fps=fps, width=width, height=height)

    def mirrored(self) -> HandTrack:
        """The same clip as seen in a mirror: x flipped and every hand's side swapped."""
        points = self.points.copy()
        points[..., 0] = np.where(self.present[..., None], 1.0 - points[..., 0], 0.0)
        sides = np.where(self.handedness == NO_HAND, NO_HAND, 1 - self.handedness).astype(np.int8)
        return HandTrack(points, self.present.copy(), sides, self.scores.copy(), self.fps, self.width, self.height)
