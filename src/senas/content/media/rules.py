"""What may be uploaded: the content types and size limits of each kind of media."""

from __future__ import annotations

MB = 1024 * 1024
VIDEO_LIMIT = 50 * MB
IMAGE_LIMIT = 5 * MB

VIDEO_TYPES = {"video/mp4": "mp4", "video/webm": "webm"}
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
# Only the demo seeder (and bundles marked demo) may store SVG: an uploaded SVG can carry script.
DEMO_TYPES = {"image/svg+xml": "svg"}

UPLOAD_TYPES: dict[str, tuple[str, int]] = {
    **{content_type: (ext, VIDEO_LIMIT) for content_type, ext in VIDEO_TYPES.items()},
    **{content_type: (ext, IMAGE_LIMIT) for content_type, ext in IMAGE_TYPES.items()},
}
PURPOSE_TYPES = {"reference": VIDEO_TYPES, "image": IMAGE_TYPES}
UPLOAD_URL_TTL_SECONDS = 900


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
