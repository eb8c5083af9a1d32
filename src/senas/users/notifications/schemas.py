"""Bodies of the inbox routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: str
    kind: str
    title_es: str
    title_en: str
    body_es: str
    body_en: str
    data: dict[str, Any]
    created_at: str
    read: bool


class InboxOut(BaseModel):
    notifications: list[NotificationOut]
    cursor: str | None
