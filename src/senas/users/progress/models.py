"""A lesson attempt (``USER#<id>/LESSONATTEMPT#<attempt id>``): the lesson's exercises with their answer keys, taken
from the content service when the attempt starts (never sent to the learner), and the server's verdict on each
answer. Completing it turns the verdicts into a score and XP."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from fsrs import Rating

from senas.contracts.content_api import AnswerKey
from senas.platform.json_text import compact_json, from_json
from senas.platform.tables import Item
from senas.users import keys
from senas.users.progress import xp

COMPLETED_ATTEMPT_TTL_SECONDS = 30 * 86400  # as long as the idempotency records that may replay its completion
OPEN_ATTEMPT_GRACE_SECONDS = 86400  # an open attempt is kept a day past its window, then the table forgets it
DIRECTIONS = {"watch_choose_meaning": "sign_to_meaning", "meaning_choose_video": "meaning_to_sign"}
CHOICE_KINDS = frozenset(DIRECTIONS)
_shuffle = secrets.SystemRandom().shuffle


@dataclass(frozen=True)
class CardReview:
    sign_id: str
    direction: str
    rating: Rating
    must_exist: bool = False  # a review answer addresses an existing card; others create it


def snapshot_exercise(exercise: Any) -> dict[str, Any]:
    """One exercise of the answer key as the attempt keeps it, its options in an order of this attempt's own."""
    options = [option.id for option in exercise.options]
    _shuffle(options)
    right = [option.id for option in exercise.options if option.correct]
    return {
        "id": exercise.id,
        "kind": exercise.kind,
        "sign_id": exercise.sign_id,
        "options": options,
        "correct_option": right[0] if right else None,
        "letters": list(exercise.letters),
        "answer": {"gloss": exercise.gloss, "meaning_es": exercise.meaning_es, "meaning_en": exercise.meaning_en},
        "revealed": [
            {
                "option_id": option.id,
                "gloss": option.gloss,
                "meaning_es": option.meaning_es,
                "meaning_en": option.meaning_en,
            }
            for option in exercise.options
        ],
    }


@dataclass(frozen=True)
class LessonAttempt:
    user_id: str
    attempt_id: str
    lesson_id: str
    level_id: str
    started_at: datetime
    expires_at: datetime
    exercises: list[dict[str, Any]]
    sign_ids: list[str]
    lesson_max_xp: int
    course_max_xp: int
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: Literal["open", "completed"] = "open"
    outcome: dict[str, Any] | None = None
    version: int = 0  # 0: not stored yet
    # The exercises as the item keeps them (JSON text): they never change after the start, and every answer writes
    # the item again — the text is made once (or kept as read), not on every write.
    exercises_text: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def start(cls, user_id: str, key: AnswerKey, now: datetime, window_seconds: int) -> LessonAttempt:
        exercises = [snapshot_exercise(exercise) for exercise in key.exercises]
        return cls(
            user_id=user_id,
            attempt_id=secrets.token_hex(16),
            lesson_id=key.lesson_id,
            level_id=key.level_id,
            started_at=now,
            expires_at=now + timedelta(seconds=window_seconds),
            exercises=exercises,
            sign_ids=list(key.sign_ids),
            lesson_max_xp=xp.lesson_max_xp(len(key.exercises)),
            course_max_xp=xp.course_max_xp(key.course_lessons, key.course_exercises),
            version=1,
            exercises_text=compact_json(exercises),
        )

    def exercise(self, exercise_id: str) -> dict[str, Any] | None:
        return next((exercise for exercise in self.exercises if exercise["id"] == exercise_id), None)

    def is_open_at(self, now: datetime) -> bool:
        return self.status == "open" and now < self.expires_at

    def answered(self, exercise_id: str, result: dict[str, Any]) -> LessonAttempt:
        return replace(self, results={**self.results, exercise_id: result}, version=self.version + 1)

    def completed(self, outcome: dict[str, Any]) -> LessonAttempt:
        return replace(self, status="completed", outcome=outcome, version=self.version + 1)

    def to_item(self) -> Item:
        ttl = COMPLETED_ATTEMPT_TTL_SECONDS if self.status == "completed" else OPEN_ATTEMPT_GRACE_SECONDS
        window_left = max(0.0, (self.expires_at - self.started_at).total_seconds())
        return {
            "pk": keys.user(self.user_id),
            "sk": keys.lesson_attempt(self.attempt_id),
            "attempt_id": self.attempt_id,
            "lesson_id": self.lesson_id,
            "level_id": self.level_id,
            "started_at": keys.iso(self.started_at),
            "window_ends_at": keys.iso(self.expires_at),
            # The snapshot and the verdicts are kept as JSON text: the item is written on every answer, and one
            # string is checked and stored at once where a nest of maps is walked value by value (orjson writes it:
            # the standard library took a tenth of the answer's own work).
            "exercises": self.exercises_text if self.exercises_text is not None else compact_json(self.exercises),
            "sign_ids": self.sign_ids,
            "lesson_max_xp": self.lesson_max_xp,
            "course_max_xp": self.course_max_xp,
            "results": compact_json(self.results),
            "status": self.status,
            "outcome": self.outcome,
            "version": self.version,
            # The table's TTL runs on the wall clock, whatever instant the attempt is dated.
            "expires_at": int(time.time() + ttl + (0 if self.status == "completed" else window_left)),
        }

    @classmethod
    def from_item(cls, user_id: str, item: Item) -> LessonAttempt:
        return cls(
            user_id=user_id,
            attempt_id=str(item["attempt_id"]),
            lesson_id=str(item["lesson_id"]),
            level_id=str(item["level_id"]),
            started_at=datetime.fromisoformat(str(item["started_at"])),
            expires_at=datetime.fromisoformat(str(item["window_ends_at"])),
            exercises=list(from_json(item["exercises"])),
            exercises_text=str(item["exercises"]),
            sign_ids=list(item.get("sign_ids", [])),
            lesson_max_xp=int(item["lesson_max_xp"]),
            course_max_xp=int(item["course_max_xp"]),
            results=dict(from_json(item.get("results") or "{}")),
            status=item["status"],
            outcome=item.get("outcome"),
            version=int(item["version"]),
        )
