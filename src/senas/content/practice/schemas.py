"""Bodies of the practice upload flow."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from senas.content.media import rules
from senas.content.media.schemas import SignedUploadOut


class PracticeUploadRequest(BaseModel):
    # The schema says which content types and sizes the service takes (a video, up to its limit), so that a client
    # or a fuzzer reading it knows; the service refuses the others with 415 and 413.
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra=rules.publish_upload_limits(rules.VIDEO_TYPES, rules.VIDEO_LIMIT),
    )

    session_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="the practice session created by the ML service (POST /ml/sessions)",
        ),
    ]
    content_type: Annotated[str, Field(min_length=3, max_length=100, description="video/webm or video/mp4")]
    size: Annotated[int, Field(gt=0, description="bytes, at most 50 MB")]


class PracticeTicketOut(BaseModel):
    upload_id: str
    session_id: str
    upload: SignedUploadOut


class PracticeUploadOut(BaseModel):
    upload_id: str
    session_id: str
    state: str
    size: int
    content_type: str
