"""A practice clip made on the fly from the fixture photos (never committed)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


def four_fingers_clip(folder: Path, *, seconds: float = 1.5, fps: int = 10) -> bytes:
    """The first fixture photo of four raised fingers held still with small shifts, as an H.264 MP4."""
    import av
    import cv2

    image = cv2.imread(str(sorted(folder.glob("*.jpg"))[0]), cv2.IMREAD_COLOR)[:, :, ::-1]
    height, width = image.shape[0] - image.shape[0] % 2, image.shape[1] - image.shape[1] % 2
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(int(seconds * fps)):
            shifted = np.roll(image, (int(2 * np.sin(i / 2)), int(3 * np.cos(i / 3))), axis=(0, 1))
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(shifted[:height, :width]), format="rgb24")
            output.mux(stream.encode(frame))
        output.mux(stream.encode())
    return buffer.getvalue()
