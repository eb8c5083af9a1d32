"""The upload requests' schemas say what the service takes: a body the published schema allows is one the model and
the service's own checks accept (their content type, their size, a reference video's sign), and the other way round
— found by fuzzing the running system (schemathesis: a schema-valid practice upload of type "000" refused with 415).
The statuses stay the service's: 415 for a type, 413 for a size, 422 for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from senas.content.media import rules
from senas.content.media.schemas import UploadRequest
from senas.content.media.service import check_upload
from senas.content.practice.schemas import PracticeUploadRequest
from senas.core.errors import DomainError

MB = rules.MB
SIGN = "3f1c2b9e-0000-4000-8000-000000000001"


def author(content_type: str, size: int, purpose: str, sign_id: str | None = SIGN) -> dict[str, Any]:
    return {"filename": "f.webm", "content_type": content_type, "size": size, "purpose": purpose, "sign_id": sign_id}


def practice(content_type: str, size: int) -> dict[str, Any]:
    return {"session_id": "sess-1", "content_type": content_type, "size": size}


AUTHOR: list[tuple[dict[str, Any], bool]] = [
    (author("video/webm", MB, "reference"), True),
    (author("VIDEO/MP4; codecs=avc1", 50 * MB, "reference"), True),
    (author(" video/mp4 ", 10, "reference"), True),
    (author("image/png", 5 * MB, "image", None), True),
    (author("image/jpeg", 1, "image"), True),
    (author("Image/WebP;q=1", 1, "image"), True),
    (author("video/mp4", 50 * MB + 1, "reference"), False),
    (author("image/png", 5 * MB + 1, "image"), False),
    (author("image/png", 10, "reference"), False),
    (author("video/webm", 10, "image"), False),
    (author("video/quicktime", 10, "reference"), False),
    (author("image/svg+xml", 10, "image"), False),
    (author("video/mp4x", 10, "reference"), False),
    (author("000", 10, "reference"), False),
    (author("video/mp4", 10, "reference", None), False),
    (author("video/mp4", 0, "reference"), False),
    (author("video/mp4", 10, "sticker"), False),
]
PRACTICE: list[tuple[dict[str, Any], bool]] = [
    (practice("video/webm;codecs=vp8,opus", MB), True),
    (practice("Video/MP4", 50 * MB), True),
    (practice("000", 2), False),  # found by fuzzing
    (practice("video/avi", 2), False),
    (practice("image/png", 2), False),
    (practice("video/webm", 50 * MB + 1), False),
    (practice("video/webm", 0), False),
]


def accepted_by_service(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        data: Any = model.model_validate(body)
    except ValidationError:
        return False
    if isinstance(data, UploadRequest):
        allowed = rules.PURPOSE_TYPES[data.purpose]
        limit = rules.VIDEO_LIMIT if data.purpose == "reference" else rules.IMAGE_LIMIT
        if data.purpose == "reference" and data.sign_id is None:
            return False
    else:
        allowed, limit = rules.VIDEO_TYPES, rules.VIDEO_LIMIT
    try:
        check_upload(data.content_type, data.size, allowed, limit)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize(
    ("model", "body", "accepted"),
    [(UploadRequest, body, ok) for body, ok in AUTHOR] + [(PracticeUploadRequest, body, ok) for body, ok in PRACTICE],
)
def test_the_upload_schemas_and_the_service_agree(model: type[BaseModel], body: dict[str, Any], accepted: bool) -> None:
    by_schema = Draft202012Validator(model.model_json_schema()).is_valid(body)
    assert (by_schema, accepted_by_service(model, body)) == (accepted, accepted)
