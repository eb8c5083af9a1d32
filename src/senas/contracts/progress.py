"""Messages about learners' progress.

``practice.scored`` (ml → users, queue ``practice-results``), ``achievement.earned`` (users → topic
``achievement-notifs``) and ``level.completed`` (users → topic ``level-completion``). Each model names its
envelope ``TYPE`` and ``VERSION``; ``from_envelope`` (from ``MessageContract``) refuses a message of another type
or version, or with unknown fields, so a consumer never half-understands a message.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from senas.contracts.base import MessageContract

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class PracticeScored(MessageContract):
    """One camera practice session of one sign was scored (sent once per session, delivered at least once)."""

    TYPE: ClassVar[str] = "practice.scored"

    session_id: str = Field(pattern=_ID)
    user_id: str = Field(pattern=_ID)
    sign_id: str = Field(pattern=_ID)
    language: str = Field(min_length=2, max_length=16)
    score: float = Field(ge=0, le=100)
    passed: bool
    mode: Literal["video", "landmarks"]
    scored_at: datetime


class AchievementEarned(MessageContract):
    TYPE: ClassVar[str] = "achievement.earned"

    user_id: str = Field(pattern=_ID)
    code: str = Field(min_length=1, max_length=64)
    title_es: str
    title_en: str
    earned_at: datetime


class LevelCompleted(MessageContract):
    TYPE: ClassVar[str] = "level.completed"

    user_id: str = Field(pattern=_ID)
    level_id: str = Field(pattern=_ID)
    language: str = Field(min_length=1, max_length=16)
    completed_at: datetime
