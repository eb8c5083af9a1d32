"""Hand landmarks with MediaPipe Tasks' HandLandmarker, from still images and from clips (VIDEO mode, which
tracks the hand between frames instead of searching the whole frame every time).

MediaPipe is imported here only, and only when a landmarker is built: the content and user images do not have it.
Every landmarker is closed after use (MediaPipe 1.2.x prints a TypeError at exit otherwise).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from senas.ml.landmarks.sequence import LEFT, MAX_HANDS, NO_HAND, POINTS, RIGHT, HandTrack

MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5


def _vision() -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    return BaseOptions, vision


class HandExtractor:
    """Owns the hand model bytes (from the registry) and builds landmarkers from them."""

    def __init__(self, model: bytes, *, num_hands: int = MAX_HANDS) -> None:
        self.model = model
        self.num_hands = num_hands
        self._image_landmarker: Any = None
        self._lock = threading.Lock()

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

    def detect_image(self, rgb: np.ndarray) -> HandTrack:
        """Landmarks of one RGB image (H, W, 3 uint8) as a one-frame track."""
        with self._lock:
            if self._image_landmarker is None:
                _, vision = _vision()
                self._image_landmarker = vision.HandLandmarker.create_from_options(self._options("IMAGE"))
            result = self._image_landmarker.detect(self._image(rgb))
        track = _empty_track(1, fps=1.0, width=rgb.shape[1], height=rgb.shape[0])
        _fill(track, 0, result)
        return track

    def track_video(self, frames: Iterable[tuple[float, np.ndarray]], *, fps: float) -> HandTrack:
        """Landmarks of a clip given as (seconds, RGB frame) in time order."""
        _, vision = _vision()
        landmarker = vision.HandLandmarker.create_from_options(self._options("VIDEO"))
        rows: list[Any] = []
        width = height = 0
        try:
            last_ms = -1
            for seconds, rgb in frames:
                height, width = rgb.shape[:2]
                # VIDEO mode needs strictly increasing timestamps.
                stamp = max(round(seconds * 1000), last_ms + 1)
                last_ms = stamp
                rows.append(landmarker.detect_for_video(self._image(rgb), stamp))
        finally:
            landmarker.close()
        track = _empty_track(len(rows), fps=fps, width=width, height=height)
        for index, result in enumerate(rows):
            _fill(track, index, result)
        return track

    def close(self) -> None:
        with self._lock:
            if self._image_landmarker is not None:
                self._image_landmarker.close()
                self._image_landmarker = None


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
