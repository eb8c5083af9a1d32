"""Hand landmarks with MediaPipe Tasks' HandLandmarker, from still images and from clips (VIDEO mode, which
tracks the hand between frames instead of searching the whole frame every time), and — when a pose model is
installed — the upper body with the PoseLandmarker (VIDEO mode too).

The body moves far more slowly than the fingers and costs more per frame (~28 ms against ~20 ms for the hands on
this machine), so the pose model runs on every ``pose_every``-th frame only and the frames between are filled by
linear interpolation between the two nearest runs (or the last run held, at the end of the clip).

MediaPipe is imported here only, and only when a landmarker is built: the content and user images do not have it.
Every landmarker is closed after use (MediaPipe 1.2.x prints a TypeError at exit otherwise).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from senas.ml.landmarks.sequence import BODY, BODY_POINTS, LEFT, MAX_HANDS, NO_HAND, POINTS, RIGHT, HandTrack

MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5
# A body frame counts only when the points that place the hand are there: the nose and both shoulders.
MIN_BODY_VISIBILITY = 0.5
BODY_REQUIRED = (BODY_POINTS["nose"], BODY_POINTS["left_shoulder"], BODY_POINTS["right_shoulder"])
DEFAULT_POSE_EVERY = 3


def _vision() -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    return BaseOptions, vision


class HandExtractor:
    """Owns the hand model bytes (from the registry), and the pose model's when there is one, and builds
    landmarkers from them."""

    def __init__(
        self,
        model: bytes,
        *,
        num_hands: int = MAX_HANDS,
        pose_model: bytes | None = None,
        pose_every: int = DEFAULT_POSE_EVERY,
    ) -> None:
        if pose_every < 1:
            raise ValueError("pose_every must be at least 1")
        self.model = model
        self.num_hands = num_hands
        self.pose_model = pose_model
        self.pose_every = pose_every
        self._image_landmarker: Any = None
        self._image_pose: Any = None
        self._lock = threading.Lock()

    @property
    def has_pose(self) -> bool:
        return self.pose_model is not None

    def check_pose(self) -> None:
        """Build (and close) a pose landmarker once: a pose model MediaPipe cannot load raises here, at start-up,
        instead of failing every video later."""
        if self.pose_model is None:
            return
        _, vision = _vision()
        vision.PoseLandmarker.create_from_options(self._pose_options("IMAGE")).close()

    def _pose_options(self, mode: str) -> Any:
        base_options, vision = _vision()
        return vision.PoseLandmarkerOptions(
            base_options=base_options(model_asset_buffer=self.pose_model),
            running_mode=getattr(vision.RunningMode, mode),
            num_poses=1,
            min_pose_detection_confidence=MIN_DETECTION_CONFIDENCE,
            min_tracking_confidence=MIN_TRACKING_CONFIDENCE,
        )

    def _options(self, mode: str) -> Any:
        base_options, vision = _vision()
        return vision.HandLandmarkerOptions(
            base_options=base_options(model_asset_buffer=self.model),
            running_mode=getattr(vision.RunningMode, mode),
            num_hands=self.num_hands,
            min_hand_detection_confidence=MIN_DETECTION_CONFIDENCE,
            min_tracking_confidence=MIN_TRACKING_CONFIDENCE,
        )

    @staticmethod
    def _image(rgb: np.ndarray) -> Any:
        import mediapipe as mp

        return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))

    def detect_image(self, rgb: np.ndarray, *, with_body: bool = False) -> HandTrack:
        """Landmarks of one RGB image (H, W, 3 uint8) as a one-frame track (the body too if asked and a pose
        model is installed)."""
        image = self._image(rgb)
        with self._lock:
            if self._image_landmarker is None:
                _, vision = _vision()
                self._image_landmarker = vision.HandLandmarker.create_from_options(self._options("IMAGE"))
            result = self._image_landmarker.detect(image)
            pose = None
            if with_body and self.pose_model is not None:
                if self._image_pose is None:
                    _, vision = _vision()
                    self._image_pose = vision.PoseLandmarker.create_from_options(self._pose_options("IMAGE"))
                pose = _body_of(self._image_pose.detect(image))
        track = _empty_track(1, fps=1.0, width=rgb.shape[1], height=rgb.shape[0])
        _fill(track, 0, result)
        if with_body and self.pose_model is not None:
            track.body, track.body_present = _body_track(1, {0: pose}, 1)
        return track

    def track_video(self, frames: Iterable[tuple[float, np.ndarray]], *, fps: float) -> HandTrack:
        """Landmarks of a clip given as (seconds, RGB frame) in time order."""
        _, vision = _vision()
        landmarker = vision.HandLandmarker.create_from_options(self._options("VIDEO"))
        pose = None
        rows: list[Any] = []
        bodies: dict[int, np.ndarray | None] = {}
        width = height = 0
        try:
            if self.pose_model is not None:
                pose = vision.PoseLandmarker.create_from_options(self._pose_options("VIDEO"))
            last_ms = -1
            for index, (seconds, rgb) in enumerate(frames):
                height, width = rgb.shape[:2]
                # VIDEO mode needs strictly increasing timestamps.
                stamp = max(round(seconds * 1000), last_ms + 1)
                last_ms = stamp
                image = self._image(rgb)
                rows.append(landmarker.detect_for_video(image, stamp))
                if pose is not None and index % self.pose_every == 0:
                    bodies[index] = _body_of(pose.detect_for_video(image, stamp))
        finally:
            landmarker.close()
            if pose is not None:
                pose.close()
        track = _empty_track(len(rows), fps=fps, width=width, height=height)
        for index, result in enumerate(rows):
            _fill(track, index, result)
        if self.pose_model is not None:
            track.body, track.body_present = _body_track(len(rows), bodies, self.pose_every)
        return track

    def close(self) -> None:
        with self._lock:
            for landmarker in (self._image_landmarker, self._image_pose):
                if landmarker is not None:
                    landmarker.close()
            self._image_landmarker = self._image_pose = None


def _empty_track(count: int, *, fps: float, width: int, height: int) -> HandTrack:
    return HandTrack(
        points=np.zeros((count, MAX_HANDS, POINTS, 3), np.float32),
        present=np.zeros((count, MAX_HANDS), bool),
        handedness=np.full((count, MAX_HANDS), NO_HAND, np.int8),
        scores=np.zeros((count, MAX_HANDS), np.float32),
        fps=fps,
        width=width,
        height=height,
    )


def _fill(track: HandTrack, index: int, result: Any) -> None:
    for slot, (hand, labels) in enumerate(zip(result.hand_landmarks, result.handedness, strict=False)):
        if slot >= MAX_HANDS:
            break
        track.points[index, slot] = [(p.x, p.y, p.z) for p in hand]
        track.present[index, slot] = True
        track.handedness[index, slot] = LEFT if labels[0].category_name == "Left" else RIGHT
        track.scores[index, slot] = labels[0].score


def _body_of(result: Any) -> np.ndarray | None:
    """The kept body points (BODY, 3) of the first person found, or None when nobody (or too little) is seen."""
    if not result.pose_landmarks:
        return None
    landmarks = result.pose_landmarks[0]
    if any((landmarks[i].visibility or 0.0) < MIN_BODY_VISIBILITY for i in BODY_REQUIRED):
        return None
    return np.array([(landmarks[i].x, landmarks[i].y, landmarks[i].z) for i in BODY_POINTS.values()], np.float32)


def _body_track(count: int, runs: dict[int, np.ndarray | None], every: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, BODY, 3) and (T,) from the frames where the pose model ran: a frame between two runs that both saw
    the body is interpolated, a frame after a run (no later one within reach) holds it; gaps stay empty."""
    body = np.zeros((count, BODY, 3), np.float32)
    present = np.zeros(count, bool)
    seen = sorted(i for i, found in runs.items() if found is not None)
    for position, start in enumerate(seen):
        first = runs[start]
        assert first is not None
        following = seen[position + 1] if position + 1 < len(seen) else None
        if following is not None and following - start <= every:
            last = runs[following]
            assert last is not None
            for t in range(start, following):
                weight = (t - start) / (following - start)
                body[t] = first * (1.0 - weight) + last * weight
                present[t] = True
        else:
            stop = min(count, start + every)
            body[start:stop] = first
            present[start:stop] = True
    return body, present
