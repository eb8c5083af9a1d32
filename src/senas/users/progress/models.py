"""What one progress event is (an exercise answer, a lesson completion, a scored practice session, a review)
and what recording it gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fsrs import Rating

EventKind = Literal["exercise", "lesson", "practice", "review"]

STAT_FIELDS = (
    "xp",
    "exercises",
    "correct_exercises",
    "lesson_completions",
    "lessons_completed",
    "perfect_lessons",
    "practice_sessions",
    "camera_passes",
    "reviews",
    "signs_practised",
    "levels_completed",
)


@dataclass(frozen=True)
class CardReview:
    sign_id: str
    direction: str
    rating: Rating
    must_exist: bool = False  # a review answer addresses an existing card; others create it


@dataclass(frozen=True)
class ProgressEvent:
    user_id: str
    kind: EventKind
    dedupe_key: str  # "req:<Idempotency-Key>", "practice:<session id>", "review:<card>:<version>"
    request_hash: str
    occurred_at: datetime
    details: dict[str, Any] = field(default_factory=dict)  # logged with the attempt
    lesson_id: str | None = None
    score: float | None = None
    perfect: bool = False
    correct: bool | None = None
    passed: bool | None = None
    card: CardReview | None = None


@dataclass(frozen=True)
class Outcome:
    event_id: str
    kind: EventKind
    xp_awarded: int
    replayed: bool
    first_completion: bool | None = None
    card_due: str | None = None
