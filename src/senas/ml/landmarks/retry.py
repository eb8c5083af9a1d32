"""A second look at a still image in which the first pass found no hand, the way a careful person would look again:
with a lower detection threshold, then closer (upscaled crops of the frame).

Why it helps: MediaPipe's palm detector sees the whole frame shrunk to 192 × 192 pixels, so a hand far from the
camera, or small in a tall photo, is a few pixels wide there and scores under the 0.5 threshold; a crop brings it
closer. The first pass is unchanged, so images where a hand is found cost nothing more; a miss costs up to
``1 + len(CROPS)`` extra inferences (~20 ms each).

A hand found only at the lower threshold on the whole frame is small there, and its landmarks are as rough as the
few pixels they come from: the same landmarker then looks again at an upscaled square around it (``zoom``), as one
would lean in, and keeps that result when it finds a hand there.

Landmarks found in a crop are mapped back to the whole frame: x and y by the crop's place and size, z (on the x
scale of the image it was found in) by the crop's width.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from senas.ml.landmarks.extractor import HandExtractor, _empty_track, _fill, _vision
from senas.ml.landmarks.sequence import HandTrack

RETRY_DETECTION_CONFIDENCE = 0.2
# Crops as (left, top, right, bottom) fractions of the frame: the centre, then the four overlapping quarters.
CROPS = (
    (0.15, 0.15, 0.85, 0.85),
    (0.0, 0.0, 0.6, 0.6),
    (0.4, 0.0, 1.0, 0.6),
    (0.0, 0.4, 0.6, 1.0),
    (0.4, 0.4, 1.0, 1.0),
)
UPSCALE = 2.0
# Zoom: a square ZOOM_MARGIN times the hand's larger side, upscaled so that it is at least ZOOM_PIXELS wide.
ZOOM_MARGIN = 2.5
ZOOM_PIXELS = 384


class RetryingDetector:
    """Wraps a :class:`HandExtractor`'s still-image path; owns one extra, more permissive landmarker."""

    def __init__(self, extractor: HandExtractor, *, detection_confidence: float = RETRY_DETECTION_CONFIDENCE) -> None:
        self.extractor = extractor
        self.detection_confidence = detection_confidence
        self._permissive: Any = None
        self._lock = threading.Lock()
        self.last_attempt = "first pass"

    def _landmarker(self) -> Any:
        if self._permissive is None:
            base_options, vision = _vision()
            options = vision.HandLandmarkerOptions(
                base_options=base_options(model_asset_buffer=self.extractor.model),
                running_mode=vision.RunningMode.IMAGE,
                num_hands=self.extractor.num_hands,
                min_hand_detection_confidence=self.detection_confidence,
                min_hand_presence_confidence=self.detection_confidence,
                min_tracking_confidence=self.detection_confidence,
            )
            self._permissive = vision.HandLandmarker.create_from_options(options)
        return self._permissive

    def detect_image(self, rgb: np.ndarray) -> HandTrack:
        """Like ``HandExtractor.detect_image`` (hands only); ``last_attempt`` says which pass found the hand."""
        track, self.last_attempt = self.detect_image_with_pass(rgb)
        return track

    def detect_image_with_pass(self, rgb: np.ndarray) -> tuple[HandTrack, str]:
        """The hands of one image and which look found them: ``first pass``, ``lower threshold``, ``lower
        threshold, zoomed``, ``crop (…)``, or ``none`` (safe to call from several threads at once)."""
        track = self.extractor.detect_image(rgb)
        if track.present[0].any():
            return track, "first pass"
        height, width = rgb.shape[:2]
        with self._lock:
            landmarker = self._landmarker()
            result = landmarker.detect(HandExtractor._image(rgb))
            if result.hand_landmarks:
                found = _empty_track(1, fps=1.0, width=width, height=height)
                _fill(found, 0, result)
                zoomed = self._zoom(landmarker, rgb, found)
                if zoomed is None:
                    return found, "lower threshold"
                return zoomed, "lower threshold, zoomed"
            for crop in CROPS:
                cropped = self._in_crop(landmarker, rgb, crop)
                if cropped is not None:
                    return cropped, f"crop {crop}"
        return track, "none"

    def _zoom(self, landmarker: Any, rgb: np.ndarray, found: HandTrack) -> HandTrack | None:
        height, width = rgb.shape[:2]
        slot = int(np.argmax(found.scores[0] * found.present[0]))
        pixels = found.points[0, slot, :, :2] * np.array([width, height])
        low, high = pixels.min(axis=0), pixels.max(axis=0)
        side = max(float((high - low).max()) * ZOOM_MARGIN, 32.0)
        centre = (low + high) / 2
        x0, y0 = max(centre[0] - side / 2, 0.0), max(centre[1] - side / 2, 0.0)
        x1, y1 = min(centre[0] + side / 2, width), min(centre[1] + side / 2, height)
        crop = (x0 / width, y0 / height, x1 / width, y1 / height)
        return self._in_crop(landmarker, rgb, crop, upscale=max(UPSCALE, ZOOM_PIXELS / max(x1 - x0, 1.0)))

    def _in_crop(
        self,
        landmarker: Any,
        rgb: np.ndarray,
        crop: tuple[float, float, float, float],
        upscale: float = UPSCALE,
    ) -> HandTrack | None:
        import cv2

        height, width = rgb.shape[:2]
        x0, y0 = round(crop[0] * width), round(crop[1] * height)
        x1, y1 = round(crop[2] * width), round(crop[3] * height)
        part = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        big = cv2.resize(part, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
        result = landmarker.detect(HandExtractor._image(big))
        if not result.hand_landmarks:
            return None
        track = _empty_track(1, fps=1.0, width=width, height=height)
        _fill(track, 0, result)
        crop_w, crop_h = x1 - x0, y1 - y0
        present = track.present[0]
        points = track.points[0]
        points[present, :, 0] = (points[present, :, 0] * crop_w + x0) / width
        points[present, :, 1] = (points[present, :, 1] * crop_h + y0) / height
        points[present, :, 2] = points[present, :, 2] * crop_w / width
        return track

    def close(self) -> None:
        with self._lock:
            if self._permissive is not None:
                self._permissive.close()
                self._permissive = None
