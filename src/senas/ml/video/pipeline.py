"""Video bytes → landmarks: validate, decode at the target frame rate, track hands (runs in a worker thread)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from senas.ml.landmarks.extractor import HandExtractor
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.settings import MlSettings
from senas.ml.video.decode import DecodedVideo, VideoLimits


def limits_of(settings: MlSettings) -> VideoLimits:
    return VideoLimits(
        max_bytes=settings.max_video_bytes,
        max_seconds=settings.max_video_seconds,
        min_seconds=settings.min_video_seconds,
        target_fps=settings.target_fps,
        max_width=settings.max_frame_width,
        max_side=settings.max_video_side,
        max_pixels=settings.max_video_pixels,
        max_fps=settings.max_video_fps,
        max_decode_seconds=settings.max_decode_seconds,
    )


def extract_landmarks(data: bytes, extractor: HandExtractor, limits: VideoLimits) -> HandTrack:
    """Raises VideoRejected (with the learner's reason) for anything that is not a usable clip."""
    video = DecodedVideo(data, limits)
    try:
        return extractor.track_video(prefetched(video.frames()), fps=limits.target_fps)
    finally:
        video.close()


_DONE = object()


def prefetched(frames: Iterator[Any], depth: int = 4) -> Iterator[Any]:
    """Decode in a second thread while the hand model works on the previous frames (two cores: decoding and
    inference overlap instead of adding up). At most ``depth`` frames wait, bounding memory; an error while
    decoding is raised here, in order."""
    buffer: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="video-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
