"""The AiSessions item of one practice attempt, designed as a DynamoDB item.

``pk=SESSION#<id>, sk=SESSION``; index ``gsi1``: ``gsi1pk=USER#<user id>``, ``gsi1sk=SIGN#<sign id>#<created at>#<id>``
— one index answers both "my history for this sign" (sort-key prefix) and "everything of this user" (account
deletion). Writes are conditional on ``version`` so concurrent or redelivered messages never score twice.
Reference videos get a marker item ``pk=ASSET#<asset id>, sk=REFERENCE`` for the same idempotency.
"""

from __future__ import annotations

from typing import Literal

Status = Literal["awaiting_upload", "queued", "processing", "scored", "failed"]
FINAL_STATUSES = frozenset({"scored", "failed"})
Mode = Literal["video", "landmarks"]

SESSION_SK = "SESSION"
REFERENCE_SK = "REFERENCE"


def session_pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def user_partition(user_id: str) -> str:
    return f"USER#{user_id}"


def sign_prefix(sign_id: str) -> str:
    return f"SIGN#{sign_id}#"


def asset_pk(asset_id: str) -> str:
    return f"ASSET#{asset_id}"
