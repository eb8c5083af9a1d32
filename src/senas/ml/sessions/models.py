"""The AiSessions item of one practice attempt, designed as a DynamoDB item.

``pk=SESSION#<id>, sk=SESSION``; index ``gsi1``: ``gsi1pk=USER#<user id>``, ``gsi1sk=SIGN#<sign id>#<created at>#<id>``
— one index answers both "my history for this sign" (sort-key prefix) and "everything of this user" (account
deletion). Writes are conditional on ``version`` so concurrent or redelivered messages never score twice.
Reference videos get a marker item ``pk=ASSET#<asset id>, sk=REFERENCE`` for the same idempotency.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.platform.tables.keys import KeyPrefix

# A video session starts awaiting its upload (through the content service), a landmarks session awaiting the
# device's landmarks (POST /ml/sessions/{id}/landmarks); both then go processing → scored | failed.
Status = Literal["awaiting_upload", "awaiting_landmarks", "queued", "processing", "scored", "failed"]
FINAL_STATUSES = frozenset({"scored", "failed"})
Mode = Literal["video", "landmarks"]
Side = Literal["left", "right"]


class PracticeSession(BaseModel):
    """One practice attempt as the AiSessions table keeps it (the item's keys are the repository's business).

    Frozen: a change is a new value (``model_copy(update=…)``) written back conditionally on ``version``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    session_id: str
    user_id: str
    sign_id: str
    sign_key: str
    gloss: str
    language: str
    lesson_id: str | None = None
    mode: Mode
    dominant_hand: Side
    status: Status
    created_at: str  # ISO 8601, UTC
    updated_at: str
    timings: dict[str, str] = Field(default_factory=dict)
    result_sent: bool = False
    # An author practising a sign not yet published (the studio's "try it yourself"): scored like any attempt, but
    # it is no learner's progress, so no practice.scored is sent.
    preview: bool = False
    version: int = 0  # bumped by every conditional write
    upload_key: str | None = None
    artefact_key: str | None = None
    # failed
    reason_es: str | None = None
    reason_en: str | None = None
    failure_code: str | None = None
    # scored
    score: float | None = None
    passed: bool | None = None
    pass_threshold: float | None = None
    components: dict[str, float] | None = None
    feedback: list[dict[str, Any]] = Field(default_factory=list)
    nearest: list[dict[str, Any]] = Field(default_factory=list)
    hand_used: Side | None = None
    # Landmarks mode: which hand the landmarks were taken as, and why (``recognition.handedness``).
    handedness: dict[str, Any] | None = None
    model_version: str | None = None
    template_version: int | None = None
    scored_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES


SESSION_SK = "SESSION"
REFERENCE_SK = "REFERENCE"


session_pk = KeyPrefix("SESSION")  # (session id)
user_partition = KeyPrefix("USER")  # (user id): GSI1, a learner's sessions
asset_pk = KeyPrefix("ASSET")  # (media asset id)


def sign_prefix(sign_id: str) -> str:
    return f"SIGN#{sign_id}#"
