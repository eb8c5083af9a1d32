"""What may be uploaded: the content types and size limits of each kind of media."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

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


def content_type_pattern(types: Iterable[str]) -> str:
    """The content types that ``base_type`` reads as one of ``types`` (any case, spaces around, parameters after a
    ``;``), as a pattern a JSON schema can publish: no inline flags (ECMA-262 has none), so each letter is a class
    of its two cases."""

    def any_case(text: str) -> str:
        return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in text)

    return r"^\s*(" + "|".join(any_case(kind) for kind in sorted(types)) + r")\s*(;[\s\S]*)?$"


def upload_schema(types: Iterable[str], limit: int) -> dict[str, dict[str, object]]:
    """What a request to upload one of ``types`` up to ``limit`` bytes publishes about its content type and size
    (properties to merge into its JSON schema). Published, not enforced by the model: a type or a size outside
    them is refused by the service with 415 or 413 (``check_upload``), as it always was."""
    return {"content_type": {"pattern": content_type_pattern(types)}, "size": {"maximum": limit}}


def publish_upload_limits(types: Iterable[str], limit: int) -> Callable[[dict[str, Any]], None]:
    """A ``json_schema_extra`` that adds ``upload_schema`` to the model's own properties."""
    extra = upload_schema(types, limit)

    def publish(schema: dict[str, Any]) -> None:
        for name, constraints in extra.items():
            schema["properties"][name].update(constraints)

    return publish
