"""Hostile files through the video decoder: a few hundred KB that would cost gigabytes, thousands of frames, or
make FFmpeg open files and sockets. Each is refused before (or while) decoding, with the learner's reason, and
the process's memory stays small."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from ml_media import FFCONCAT, HLS, SDP, h264

from senas.ml.video.decode import DecodedVideo, VideoLimits, VideoRejected

LIMITS = VideoLimits(max_bytes=50_000_000, max_seconds=15.0, min_seconds=0.5, target_fps=15.0, max_width=960)


@pytest.fixture(scope="module")
def picture_bomb() -> bytes:
    """One 8192×8192 frame: ~200 KB on disk, ~850 MB to decode."""
    return h264([np.zeros((8192, 8192, 3), np.uint8)], 1)


@pytest.fixture(scope="module")
def frame_flood() -> bytes:
    """Two seconds at 1000 frames per second."""
    return h264([np.full((240, 320, 3), i % 250, np.uint8) for i in range(2000)], 1000)


def decode_all(data: bytes, limits: VideoLimits) -> int:
    video = DecodedVideo(data, limits)
    try:
        return sum(1 for _ in video.frames())
    finally:
        video.close()


def refusal(data: bytes, limits: VideoLimits = LIMITS) -> VideoRejected:
    with pytest.raises(VideoRejected) as caught:
        decode_all(data, limits)
    return caught.value


@pytest.mark.parametrize(("data", "what"), [(FFCONCAT, "ffconcat"), (SDP, "sdp"), (HLS, "hls")])
def test_recipes_that_are_not_videos_are_refused_unopened(data: bytes, what: str) -> None:
    refused = refusal(data)
    assert refused.code == "unsupported_type", what
    assert "MP4" in refused.reason_es
    assert "MP4" in refused.reason_en


def test_a_picture_larger_than_a_phone_films_is_refused_before_decoding(picture_bomb: bytes) -> None:
    assert len(picture_bomb) < 400_000
    refused = refusal(picture_bomb)
    assert refused.code == "picture_too_large"
    assert "8192×8192" in refused.reason_en


def test_a_flood_of_frames_is_refused(frame_flood: bytes) -> None:
    refused = refusal(frame_flood)
    assert refused.code == "too_many_frames"
    assert "120" in refused.reason_en


def test_a_header_that_lies_is_caught_while_decoding() -> None:
    """Matroska states no frame count: with a rate the header check lets through, the decoder still counts what
    it really decodes and stops at the limit."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as output:
        stream = output.add_stream("libvpx", rate=100)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(300):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 250, np.uint8), "rgb24")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    clip = buffer.getvalue()
    generous = VideoLimits(**{**LIMITS.__dict__, "max_fps": 100.0})  # 15 s at 100 fps: 1501 frames allowed
    assert decode_all(clip, generous) > 0
    counting = VideoLimits(**{**LIMITS.__dict__, "max_fps": 100.0, "max_frames": 120})
    assert refusal(clip, counting).code == "too_many_frames"


def test_one_decode_has_a_wall_time_limit() -> None:
    clip = h264([np.full((120, 160, 3), i * 10, np.uint8) for i in range(20)], 10)
    instant = VideoLimits(**{**LIMITS.__dict__, "max_decode_seconds": 0.0})
    refused = refusal(clip, instant)
    assert refused.code == "too_slow"
    assert refused.reason_es


def test_the_bomb_costs_no_memory(picture_bomb: bytes, tmp_path: Path) -> None:
    """In a process of its own, so its peak resident memory is the decode's: refused at the header, it stays near
    the interpreter's own (~100 MB with NumPy and PyAV); decoding the frame would take ~850 MB."""
    bomb = tmp_path / "bomb.mp4"
    bomb.write_bytes(picture_bomb)
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from senas.ml.video.decode import DecodedVideo, VideoLimits, VideoRejected
        limits = VideoLimits(max_bytes=50_000_000, max_seconds=15.0, min_seconds=0.5, target_fps=15.0, max_width=960)
        try:
            video = DecodedVideo(Path({str(bomb)!r}).read_bytes(), limits)
            frames = sum(1 for _ in video.frames())
            code = "decoded"
        except VideoRejected as refused:
            code = refused.code
        # VmHWM is this process's own peak (ru_maxrss would carry the parent's across fork and exec).
        status = Path("/proc/self/status").read_text()
        peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        print(json.dumps({{"code": code, "peak_mb": peak_kb / 1024}}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    print("bomb:", outcome)
    assert outcome["code"] == "picture_too_large"
    assert outcome["peak_mb"] < 300
