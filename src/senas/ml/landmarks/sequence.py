"""Hand (and, where a pose model is installed, upper-body) landmarks of a clip, frame by frame, as MediaPipe gives
them (image-normalised coordinates).

Up to two hands per frame are kept. ``handedness`` follows MediaPipe Tasks on un-mirrored frames: the hand's
true side (0 = left, 1 = right, -1 = no hand in that slot).

Body: 13 of MediaPipe Pose's 33 points, those that say *where* a hand is in sign language — the face (nose, eyes,
ears, mouth corners: forehead, eyes, cheek, mouth and chin are places of articulation), the shoulders (the body's
origin and scale) and the elbows and wrists (the arm that holds the hand). Hips, knees and feet are left out: a
learner in front of a laptop camera shows them rarely, and no sign is made there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEFT = 0
RIGHT = 1
NO_HAND = -1
MAX_HANDS = 2
POINTS = 21

# MediaPipe Pose landmark index of each body point kept, in the order stored (and sent by clients).
BODY_POINTS = {
    "nose": 0,
    "left_eye": 2,
    "right_eye": 5,
    "left_ear": 7,
    "right_ear": 8,
    "mouth_left": 9,
    "mouth_right": 10,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
}
BODY_NAMES = tuple(BODY_POINTS)
BODY = len(BODY_NAMES)
POSE_POINTS = 33
# Seen in a mirror, the person's left and right swap: the position each stored point takes in a mirrored clip.
BODY_MIRROR = tuple(
    BODY_NAMES.index(name.replace("left", "@").replace("right", "left").replace("@", "right")) for name in BODY_NAMES
)


@dataclass
class HandTrack:
    points: np.ndarray  # (T, 2, 21, 3) float32
    present: np.ndarray  # (T, 2) bool
    handedness: np.ndarray  # (T, 2) int8
    scores: np.ndarray  # (T, 2) float32 — detection confidence of the handedness label
    fps: float
    width: int
    height: int
    # Upper body per frame (None: no pose model ran). Frames between two runs of the pose model are interpolated.
    body: np.ndarray | None = None  # (T, BODY, 3) float32
    body_present: np.ndarray | None = None  # (T,) bool — nose and both shoulders seen

    @property
    def frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def frames_with_hand(self) -> int:
        return int(self.present.any(axis=1).sum())

    @property
    def frames_with_body(self) -> int:
        return 0 if self.body_present is None else int(self.body_present.sum())

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
        frames: np.ndarray,
        handedness: list[int],
        *,
        fps: float,
        width: int,
        height: int,
        body: np.ndarray | None = None,
        body_present: np.ndarray | None = None,
    ) -> HandTrack:
        """One hand per frame (what a device sends in landmarks mode): ``frames`` (T, 21, 3); optionally the
        body (T, BODY, 3) and where it was seen (T,)."""
        count = frames.shape[0]
        points = np.zeros((count, MAX_HANDS, POINTS, 3), np.float32)
        points[:, 0] = frames
        present = np.zeros((count, MAX_HANDS), bool)
        present[:, 0] = True
        sides = np.full((count, MAX_HANDS), NO_HAND, np.int8)
        sides[:, 0] = np.asarray(handedness, np.int8)
        scores = np.zeros((count, MAX_HANDS), np.float32)
        scores[:, 0] = 1.0
        if body is not None and body_present is None:
            body_present = np.ones(count, bool)
        return HandTrack(
            points,
            present,
            sides,
            scores,
            fps=fps,
            width=width,
            height=height,
            body=None if body is None else np.asarray(body, np.float32),
            body_present=None if body_present is None else np.asarray(body_present, bool),
        )

    def mirrored(self) -> HandTrack:
        """The same clip as seen in a mirror: x flipped, every hand's side swapped, the body's left and right
        points swapped."""
        points = self.points.copy()
        points[..., 0] = np.where(self.present[..., None], 1.0 - points[..., 0], 0.0)
        sides = np.where(self.handedness == NO_HAND, NO_HAND, 1 - self.handedness).astype(np.int8)
        body = body_present = None
        if self.body is not None and self.body_present is not None:
            body = self.body[:, list(BODY_MIRROR)].copy()
            body[..., 0] = np.where(self.body_present[:, None], 1.0 - body[..., 0], 0.0)
            body_present = self.body_present.copy()
        return HandTrack(
            points,
            self.present.copy(),
            sides,
            self.scores.copy(),
            self.fps,
            self.width,
            self.height,
            body=body,
            body_present=body_present,
        )
