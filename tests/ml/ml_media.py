"""Test media made on the fly (never committed): clips built from the fixture photos, and broken files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from prerequisites import require  # noqa: F401 - used by the ML tests through this module

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
HANDS = SHARED / "fixtures" / "hands"
ALPHABET = SHARED / "datasets" / "asl_alphabet_landmarks.csv"


def letter_hand(letter: str, seed: int = 0) -> np.ndarray:
    """A hand making ``letter`` as another person would — the packaged demo pose (``alphabet_poses.json``, in the
    package: no dataset needed) with other bone lengths and joint bends (``augment``, seeded) — in image
    coordinates of a 640×480 frame, labelled a left hand like the alphabet's signer. For tests that need "a B hand",
    not the data."""
    from senas.ml.recognition.augment import Hands, bend_joints, reshape_bones
    from senas.ml.recognition.demo import POSES_FILE, poses_from_file

    rng = np.random.default_rng(seed)
    hands = Hands.of(poses_from_file(POSES_FILE)[letter][None], 640 / 480, True)
    hands = bend_joints(reshape_bones(hands, rng), rng)
    return hands.points[0]


def read_rgb(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return np.ascontiguousarray(image[:, :, ::-1])


def encode(frames: list[np.ndarray], fps: int, *, codec: str = "libx264", container: str = "mp4") -> bytes:
    import av

    buffer = io.BytesIO()
    height, width = frames[0].shape[:2]
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(rgb[: stream.height, : stream.width]), format="rgb24"
            )
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def still_clip(photo: np.ndarray, *, seconds: float = 1.6, fps: int = 10, mirror: bool = False) -> bytes:
    """The photo held still with small shifts (a hand is never perfectly still)."""
    image = photo[:, ::-1] if mirror else photo
    frames = []
    for i in range(int(seconds * fps)):
        dx, dy = int(3 * np.sin(i / 2)), int(2 * np.cos(i / 3))
        frames.append(np.roll(np.roll(image, dy, axis=0), dx, axis=1))
    return encode(frames, fps)


def blank_clip(*, seconds: float = 1.2, fps: int = 10, size: tuple[int, int] = (160, 120)) -> bytes:
    """A clip with no hand: a slowly changing colour gradient."""
    width, height = size
    ramp = np.linspace(0, 255, width, dtype=np.uint8)[None, :, None]
    frames = [np.broadcast_to(ramp, (height, width, 3)).copy() // (1 + i % 3) for i in range(int(seconds * fps))]
    return encode(frames, fps)


def png_bytes() -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", np.zeros((32, 32, 3), np.uint8))
    assert ok
    return data.tobytes()


def corrupt_clip(valid: bytes) -> bytes:
    """An MP4 header followed by garbage: looks like a video, cannot be decoded."""
    rng = np.random.default_rng(3)
    return valid[:32] + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()


# -- hostile files: recipes FFmpeg would follow, and pictures that cost gigabytes --------------------------

# A text that FFmpeg's concat demuxer would read as "open these files from the working directory".
FFCONCAT = b"ffconcat version 1.0\nfile secret\n"
# A session description that FFmpeg's SDP demuxer would answer by binding UDP sockets and waiting on them.
SDP = (
    b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
)
HLS = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/segment.ts\n#EXT-X-ENDLIST\n"


def h264(frames: list[np.ndarray], fps: int) -> bytes:
    import av

    buffer = io.BytesIO()
    height, width = frames[0].shape[:2]
    with av.open(buffer, mode="w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` one-bit pixels of black: a few KB to send, width × height × 3
    bytes for a decoder to fill."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bomb(width: int, height: int) -> bytes:
    """A JPEG whose frame header declares ``width`` × ``height`` pixels (what a decoder sizes its buffer by)."""
    import struct

    frame = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + frame + b"\xff\xd9"
