"""Bodies of media: the author upload flow, and a stored file as learners get it (a signed URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.content.media import rules


def _publish_purposes(schema: dict[str, Any]) -> None:
    """The schema says what each purpose takes, as the service decides it: a reference video (of a sign, which it
    names) or an image, each of its own types and up to its own size; the service refuses the others with 415, 413
    or 422, as it always did."""
    schema["oneOf"] = [
        {
            "properties": {
                "purpose": {"const": "reference"},
                "sign_id": {"type": "string"},
                **rules.upload_schema(rules.VIDEO_TYPES, rules.VIDEO_LIMIT),
            },
            "required": ["sign_id"],
        },
        {"properties": {"purpose": {"const": "image"}, **rules.upload_schema(rules.IMAGE_TYPES, rules.IMAGE_LIMIT)}},
    ]


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_publish_purposes)

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[
        str, Field(min_length=3, max_length=100, description="video/mp4, video/webm, image/png, image/jpeg, image/webp")
    ]
    size: Annotated[int, Field(gt=0, description="bytes; at most 50 MB for video, 5 MB for images")]
    purpose: Literal["reference", "image"]
    sign_id: Annotated[str | None, Field(max_length=36)] = None


class SignedUploadOut(BaseModel):
    """Where and how to PUT the file: send ``headers`` with it (the URL is signed for them), once."""

    model_config = ConfigDict(from_attributes=True)

    url: str
    method: str
    headers: dict[str, str]
    max_bytes: int
    expires_at: datetime | None


class UploadTicketOut(BaseModel):
    asset_id: str
    upload: SignedUploadOut


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    bucket: str
    key: str
    content_type: str
    size: int
    checksum: str | None
    state: str
    purpose: str
    demo: bool
    sign_id: str | None
    original_filename: str
    failure_reason_es: str | None
    failure_reason_en: str | None
    created_at: datetime
    updated_at: datetime


class MediaOut(BaseModel):
    """A file inside a catalogue answer, signed when the answer is sent (``views.media_urls``)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="time-limited signed URL")
    content_type: str
    expires_at: str
    demo: bool = Field(description="generated illustrative media, not a real signer")
    notice_es: str | None = None
    notice_en: str | None = None
