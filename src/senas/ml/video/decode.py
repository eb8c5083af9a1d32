"""Validate and decode a video with PyAV: only what a learner's camera produces, within the limits, sampled at
the target frame rate and scaled down to a width the hand model does not need more than.

Never trust the file. FFmpeg recognises dozens of formats, some of which are recipes rather than videos — a
*ffconcat* list opens other files, an *SDP* description binds network sockets, an HLS playlist fetches URLs — so
the container is recognised here from its first bytes (an ISO media file's ``ftyp`` box, or Matroska/WebM's EBML
header) and FFmpeg is told which demuxer to use, with MOV's external data references off. Before a frame is
decoded the stream's size, frame rate and frame count are checked; while decoding, the frame count and the wall
time are, so a file that lies in its header still ends, ``failed`` with a reason, within bounds.

Every refusal is a :class:`VideoRejected` with a reason the learner (or author) understands, in Spanish and
English. Frames are produced lazily so a clip is never held in memory whole.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

ALLOWED_CONTENT_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime", "video/x-matroska"})
ALLOWED_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
# The demuxers a camera's file needs: ISO media (MP4, MOV) and Matroska (WebM). Nothing else is ever opened.
MP4_DEMUXER = "mov"
MATROSKA_DEMUXER = "matroska"
# MOV can point at media in other files (data references); FFmpeg follows them only when asked to.
DEMUXER_OPTIONS = {MP4_DEMUXER: {"enable_drefs": "0", "use_absolute_path": "0"}, MATROSKA_DEMUXER: {}}
ISO_BOX_TYPES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# Decoding threads multiply a frame's memory; two match the task's two cores.
DECODE_THREADS = 2


class VideoRejected(Exception):
    def __init__(self, code: str, reason_es: str, reason_en: str) -> None:
        super().__init__(f"{code}: {reason_en}")
        self.code = code
        self.reason_es = reason_es
        self.reason_en = reason_en


@dataclass(frozen=True)
class VideoLimits:
    max_bytes: int
    max_seconds: float
    min_seconds: float
    target_fps: float
    max_width: int  # frames are scaled down to this width for the hand model
    max_side: int = 1920  # the largest picture side accepted at all (a phone's 1080p, either way up)
    max_pixels: int = 1920 * 1088
    max_fps: float = 120.0
    max_decode_seconds: float = 90.0  # wall time of one decode, whatever the file says
    max_frames: int = 0  # frames one decode may produce; 0: as many as max_seconds at max_fps

    def __post_init__(self) -> None:
        if self.max_frames <= 0:
            object.__setattr__(self, "max_frames", int(self.max_seconds * self.max_fps) + 1)


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    duration: float | None
    fps: float


def empty() -> VideoRejected:
    return VideoRejected("empty", "El vídeo está vacío.", "The video is empty.")


def corrupt() -> VideoRejected:
    return VideoRejected(
        "corrupt",
        "El vídeo está dañado o incompleto y no se puede leer. Grábalo de nuevo.",
        "The video is damaged or incomplete and cannot be read. Please record it again.",
    )


def wrong_type(what: str) -> VideoRejected:
    return VideoRejected(
        "unsupported_type",
        f"Este archivo no es un vídeo que podamos leer ({what}). Usa MP4 o WebM.",
        f"This file is not a video we can read ({what}). Please use MP4 or WebM.",
    )


def too_long(seconds: float, limit: float) -> VideoRejected:
    return VideoRejected(
        "too_long",
        f"El vídeo dura {seconds:.1f} s; el máximo es {limit:g} s. Graba solo la seña.",
        f"The video is {seconds:.1f} s long; the maximum is {limit:g} s. Record just the sign.",
    )


def too_short(seconds: float, limit: float) -> VideoRejected:
    return VideoRejected(
        "too_short",
        f"El vídeo dura {seconds:.1f} s; necesitamos al menos {limit:g} s para ver la seña.",
        f"The video is {seconds:.1f} s long; we need at least {limit:g} s to see the sign.",
    )


def too_large(size: int, limit: int) -> VideoRejected:
    return VideoRejected(
        "too_large",
        f"El vídeo ocupa {size / 1e6:.1f} MB; el máximo es {limit / 1e6:.0f} MB.",
        f"The video is {size / 1e6:.1f} MB; the maximum is {limit / 1e6:.0f} MB.",
    )


def too_big_picture(width: int, height: int, limits: VideoLimits) -> VideoRejected:
    return VideoRejected(
        "picture_too_large",
        f"La imagen del vídeo mide {width}×{height}; el máximo es {limits.max_side} px por lado. "
        "Graba en 1080p o menos.",
        f"The video's picture is {width}×{height}; the maximum is {limits.max_side} px a side. "
        "Record in 1080p or less.",
    )


def too_many_frames(limits: VideoLimits) -> VideoRejected:
    return VideoRejected(
        "too_many_frames",
        f"El vídeo tiene demasiadas imágenes por segundo; el máximo es {limits.max_fps:g}.",
        f"The video has too many frames per second; the maximum is {limits.max_fps:g}.",
    )


def too_slow(limits: VideoLimits) -> VideoRejected:
    return VideoRejected(
        "too_slow",
        f"No pudimos leer el vídeo en {limits.max_decode_seconds:g} s. Grábalo de nuevo, más corto.",
        f"We could not read the video within {limits.max_decode_seconds:g} s. Please record it again, shorter.",
    )


def demuxer_for(data: bytes) -> str:
    """The one demuxer this file may be opened with, from its first bytes; refuses everything else."""
    if data[4:8] in ISO_BOX_TYPES:
        return MP4_DEMUXER
    if data[:4] == EBML_MAGIC:
        return MATROSKA_DEMUXER
    raise wrong_type("no es MP4 ni WebM / neither MP4 nor WebM")


def check_upload(content_type: str, size: int, limits: VideoLimits) -> None:
    """Checks that need no decoding (the declared type and size)."""
    if size == 0:
        raise empty()
    if size > limits.max_bytes:
        raise too_large(size, limits.max_bytes)
    base_type = content_type.split(";")[0].strip().lower()
    if base_type not in ALLOWED_CONTENT_TYPES:
        raise wrong_type(base_type or "sin tipo / no type")


class DecodedVideo:
    """Opens the container and checks it; iterate :meth:`frames` to decode."""

    def __init__(self, data: bytes, limits: VideoLimits) -> None:
        import av

        if not data:
            raise empty()
        if len(data) > limits.max_bytes:
            raise too_large(len(data), limits.max_bytes)
        self.limits = limits
        demuxer = demuxer_for(data)
        # FFmpeg decodes a first frame to learn a stream's parameters: the decoder's pixel limit bounds that probe
        # (and every later frame, whatever the header claims) before any picture is allocated.
        decoder_options = {"max_pixels": str(limits.max_pixels)}
        try:
            self._container: Any = av.open(
                io.BytesIO(data),
                mode="r",
                format=demuxer,
                container_options=DEMUXER_OPTIONS[demuxer],
                options=decoder_options,
            )
        except (av.FFmpegError, UnicodeDecodeError, ValueError):
            raise corrupt() from None
        streams = self._container.streams.video
        if not streams:
            self.close()
            raise wrong_type("no contiene imagen / it has no picture")
        self._stream = streams[0]
        codec = self._stream.codec_context.name
        if codec not in ALLOWED_CODECS:
            self.close()
            raise wrong_type(f"códec {codec} / codec {codec}")
        context = self._stream.codec_context
        if (
            context.width > limits.max_side
            or context.height > limits.max_side
            or (context.width * context.height > limits.max_pixels)
        ):
            self.close()
            raise too_big_picture(context.width, context.height, limits)
        # Only the header's own average rate is a claim to check here. FFmpeg's *guessed* rate is not: a WebM from
        # a browser's MediaRecorder has no rate in its header, and the guess from its millisecond timestamps can
        # come out at 1000 fps for a 30 fps recording. What is decoded is counted against its time span instead.
        rate = self._stream.average_rate
        if (rate is not None and float(rate) > limits.max_fps) or (self._stream.frames or 0) > limits.max_frames:
            self.close()
            raise too_many_frames(limits)
        context.options = decoder_options
        context.thread_type = "AUTO"
        context.thread_count = DECODE_THREADS
        duration = None
        if self._stream.duration is not None and self._stream.time_base is not None:
            duration = float(self._stream.duration * self._stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / 1_000_000
        if duration is not None and duration > limits.max_seconds + 0.05:
            self.close()
            raise too_long(duration, limits.max_seconds)
        self.info = VideoInfo(
            codec=codec,
            width=self._stream.codec_context.width,
            height=self._stream.codec_context.height,
            duration=duration,
            fps=float(rate) if rate else 0.0,
        )
        self.seconds_seen = 0.0
        self.frames_decoded = 0
        self.frames_timed = 0

    def measured_fps(self) -> float:
        """Frames per second counted over the decoded time span (0 before two timed frames)."""
        if self.frames_timed < 2 or self.seconds_seen <= 0:
            return 0.0
        return (self.frames_timed - 1) / self.seconds_seen

    def frame_interval(self) -> float:
        if self.info.fps:
            return 1.0 / self.info.fps
        measured = self.measured_fps()
        return 1.0 / measured if measured else 0.0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """(seconds from the start, RGB frame) at about ``target_fps``; raises VideoRejected while decoding."""
        import av

        limits = self.limits
        step = 1.0 / limits.target_fps
        next_time: float | None = None
        start: float | None = None
        deadline = time.monotonic() + limits.max_decode_seconds
        try:
            for frame in self._container.decode(self._stream):
                self.frames_decoded += 1
                # A header can lie about the rate and the length: what is decoded is counted and timed too.
                if self.frames_decoded > limits.max_frames:
                    raise too_many_frames(limits)
                if time.monotonic() > deadline:
                    raise too_slow(limits)
                if frame.time is None:
                    continue
                if frame.width > limits.max_side or frame.height > limits.max_side:
                    raise too_big_picture(frame.width, frame.height, limits)
                start = frame.time if start is None else start
                seconds = float(frame.time - start)
                self.seconds_seen = max(self.seconds_seen, seconds)
                self.frames_timed += 1
                if seconds > limits.max_seconds + 0.05:
                    raise too_long(seconds, limits.max_seconds)
                # The measured rate, over at least one second so that a burst (two frames a millisecond apart,
                # as MediaRecorder writes under load) is not mistaken for a flood, may not pass the limit.
                if self.frames_timed - 1 > limits.max_fps * max(self.seconds_seen, 1.0) + 1:  # +1: timestamp rounding
                    raise too_many_frames(limits)
                if next_time is not None and seconds + 1e-6 < next_time:
                    continue
                next_time = (next_time if next_time is not None else seconds) + step
                width, height = frame.width, frame.height
                if width > limits.max_width:
                    height = round(height * limits.max_width / width / 2) * 2
                    width = limits.max_width
                yield seconds, frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
        except av.FFmpegError:
            raise corrupt() from None
        if self.frames_decoded == 0:
            raise corrupt()
        # The last frame is shown for one frame interval: the header's, or else the mean measured one.
        shown = self.seconds_seen + self.frame_interval()
        if shown < limits.min_seconds:
            raise too_short(shown, limits.min_seconds)

    def close(self) -> None:
        self._container.close()
