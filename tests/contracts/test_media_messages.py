"""The message contracts shared by the content and ML services (and the user service's account events)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from senas.contracts import ContractMismatch
from senas.contracts.accounts import AccountDeleted
from senas.contracts.media import MediaFailed, MediaProcessed, VideoUploaded
from senas.core.messages import Envelope


def test_round_trip_through_the_envelope_json() -> None:
    message = VideoUploaded(
        upload_id="u1",
        purpose="practice",
        bucket="user-uploads",
        key="practice/u/s/u1.webm",
        content_type="video/webm",
        size=1234,
        session_id="s",
        user_id="u",
    )
    envelope = Envelope.from_json(message.to_envelope("content").to_json())
    assert envelope.type == "video.uploaded"
    assert envelope.version == 1
    assert envelope.producer == "content"
    assert VideoUploaded.from_envelope(envelope) == message


@pytest.mark.parametrize(
    ("purpose", "fields", "missing"),
    [
        ("reference", {"sign_id": "s"}, "asset_id"),
        ("practice", {"user_id": "u"}, "session_id"),
    ],
)
def test_video_uploaded_needs_the_fields_of_its_purpose(purpose: str, fields: dict[str, str], missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        VideoUploaded(
            upload_id="u",
            purpose=purpose,
            bucket="b",
            key="k",
            content_type="video/mp4",
            size=1,
            **fields,  # type: ignore[arg-type]
        )


def test_type_and_version_mismatches_are_refused_clearly() -> None:
    processed = MediaProcessed(asset_id="a", sign_id="s", template_key="t", template_version="v1")
    envelope = processed.to_envelope("ml")
    with pytest.raises(ContractMismatch, match=r"expected a 'media\.failed' message"):
        MediaFailed.from_envelope(envelope)
    newer = envelope.model_copy(update={"version": 2})
    with pytest.raises(ContractMismatch, match="version 2 is not supported"):
        MediaProcessed.from_envelope(newer)
    broken = envelope.model_copy(update={"data": {"asset_id": "a"}})
    with pytest.raises(ContractMismatch, match="sign_id"):
        MediaProcessed.from_envelope(broken)


def test_unknown_fields_are_refused() -> None:
    envelope = AccountDeleted(user_id="u1").to_envelope("users")
    assert AccountDeleted.from_envelope(envelope).user_id == "u1"
    typo = envelope.model_copy(update={"data": {"user_id": "u1", "userid": "u1"}})
    with pytest.raises(ContractMismatch, match="userid"):
        AccountDeleted.from_envelope(typo)


def test_failure_reasons_are_bilingual_and_required() -> None:
    with pytest.raises(ValidationError):
        MediaFailed(asset_id="a", reason_es="", reason_en="no hand")
    assert MediaFailed.TYPE == "media.failed"
    assert MediaFailed.VERSION == 1


def test_template_ready_round_trips_and_refuses_a_version_zero() -> None:
    from senas.contracts.media import TemplateReady

    message = TemplateReady(
        language="ase", slug="letra-b", template_key="templates/ase/letra-b/v1.json.gz", template_version=1
    )
    assert TemplateReady.from_envelope(Envelope.from_json(message.to_envelope("ml").to_json())) == message
    with pytest.raises(ValidationError, match="template_version"):
        TemplateReady(language="ase", slug="letra-b", template_key="k", template_version=0)
