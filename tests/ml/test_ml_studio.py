"""The ML side of the author studio (issue 17): recordings made in the page (WebM from MediaRecorder, whose frame
rate FFmpeg can only guess) decode at their real rate while every hostile-video limit still holds."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest

from senas.ml.video.decode import DecodedVideo, VideoLimits, VideoRejected

LIMITS = VideoLimits(max_bytes=50_000_000, max_seconds=15.0, min_seconds=0.5, target_fps=15.0, max_width=960)
DEFAULT_DURATION = b"\x23\xe3\x83"  # Matroska's DefaultDuration element: the header's frame rate
EBML_VOID = 0xEC


def _webm_without_rate(pts_ms: list[int], size: tuple[int, int] = (160, 120)) -> bytes:
    """A VP8 WebM with millisecond timestamps and no rate in its header, as MediaRecorder writes it."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as output:
        stream = output.add_stream("libvpx", rate=1000)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        for index, pts in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), (index * 7) % 250, np.uint8), "rgb24")
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    data = buffer.getvalue()
    # The muxer writes the stream's rate as DefaultDuration; MediaRecorder writes none: turn it into padding.
    at = data.find(DEFAULT_DURATION)
    assert at > 0
    total = 4 + (data[at + 3] & 0x7F)
    return data[:at] + bytes([EBML_VOID, 0x80 | (total - 2)]) + b"\x00" * (total - 2) + data[at + total :]


def _decode(data: bytes, limits: VideoLimits = LIMITS) -> tuple[DecodedVideo, list[float]]:
    video = DecodedVideo(data, limits)
    try:
        times = [seconds for seconds, _ in video.frames()]
    finally:
        video.close()
    return video, times


def test_a_browser_recording_with_a_guessed_rate_of_1000_decodes_at_its_real_rate() -> None:
    import av

    # pairs of frames a millisecond apart every 66 ms — MediaRecorder under load: 60 frames in 1.95 s
    pts = [start + offset for start in range(0, 30 * 66, 66) for offset in (0, 1)]
    clip = _webm_without_rate(pts)
    with av.open(io.BytesIO(clip)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate is None  # no claim in the header ...
        assert float(stream.guessed_rate) > LIMITS.max_fps  # ... and FFmpeg's guess would have refused it
    video, times = _decode(clip)
    assert video.info.fps == 0.0
    assert 25 < video.measured_fps() < 35
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(1.915, abs=0.01)
    # sampled at the target rate over the real span, not at 1000 fps
    assert abs(len(times) - 1.95 * LIMITS.target_fps) <= 2


def test_a_flood_with_no_rate_in_the_header_is_still_refused_while_decoding() -> None:
    # 400 frames a millisecond apart: 1000 fps that no header announces
    with pytest.raises(VideoRejected) as refused:
        _decode(_webm_without_rate(list(range(400))))
    assert refused.value.code == "too_many_frames"


def test_a_short_browser_recording_is_measured_by_its_own_frame_interval() -> None:
    # 8 frames 40 ms apart: 0.28 s spanned, shown for 0.32 s, under the 0.5 s minimum
    with pytest.raises(VideoRejected) as refused:
        _decode(_webm_without_rate([i * 40 for i in range(8)]))
    assert refused.value.code == "too_short"
    assert "0.3" in refused.value.reason_en
