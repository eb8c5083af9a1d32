"""A learner's photo, read safely: its header first (format and size, from Pillow, which decodes nothing to
tell), refused over a pixel budget before a byte of it is decoded — a 300 KB PNG can declare 20000×15000 pixels,
1.8 GB to decode — then decoded with OpenCV into RGB."""

from __future__ import annotations

import io
import warnings

import numpy as np

from senas.core.errors import InvalidInputError, PayloadTooLargeError

FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}  # MPO: a phone's JPEG with a second picture inside
MAX_PIXELS = 16_000_000  # a 16 Mpx phone photo; the hand model needs a fraction of it
MAX_SIDE = 8192


def photo_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the header alone; refuses what is not a PNG or JPEG, or is too large."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged below, against our budget
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                kind, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError:  # Pillow's own ceiling (~179 Mpx), far above ours
        raise too_large("?", "?") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidInputError(
            "no se pudo leer la imagen (usa JPEG o PNG) / the image could not be read (use JPEG or PNG)",
            code="unreadable_image",
        ) from None
    if kind not in FORMATS:
        raise InvalidInputError(
            f"la imagen es {kind or 'desconocida'}; usa JPEG o PNG / the image is {kind or 'unknown'}; use JPEG or PNG",
            code="unreadable_image",
        )
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise too_large(str(width), str(height))
    return FORMATS[kind], width, height


def too_large(width: str, height: str) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"la imagen mide {width}×{height}; el máximo es {MAX_PIXELS // 1_000_000} Mpx y {MAX_SIDE} px por lado / "
        f"the image is {width}×{height}; the maximum is {MAX_PIXELS // 1_000_000} Mpx and {MAX_SIDE} px a side",
        code="image_too_large",
    )


def decode_photo(data: bytes) -> np.ndarray:
    """RGB pixels of a photo that ``photo_size`` accepted."""
    import cv2

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInputError(
            "no se pudo leer la imagen (usa JPEG o PNG) / the image could not be read (use JPEG or PNG)",
            code="unreadable_image",
        )
    return np.ascontiguousarray(image[:, :, ::-1])
