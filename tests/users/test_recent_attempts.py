"""The attempts a task remembers having written (senas.users.progress.recent): bounded, least recently used out
first, per learner and attempt."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from senas.users.progress.models import LessonAttempt
from senas.users.progress.recent import RecentAttempts

STARTED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def attempt(user: str, attempt_id: str, version: int = 1) -> LessonAttempt:
    return LessonAttempt(
        user_id=user,
        attempt_id=attempt_id,
        lesson_id="les-1",
        level_id="lvl-1",
        started_at=STARTED,
        expires_at=STARTED + timedelta(hours=1),
        exercises=[],
        sign_ids=[],
        lesson_max_xp=50,
        course_max_xp=500,
        version=version,
    )


def test_remembers_per_learner_and_attempt_and_forgets_on_request() -> None:
    recent = RecentAttempts(capacity=4)
    recent.remember(attempt("ana", "a1"))
    assert recent.get("ana", "a1") == attempt("ana", "a1")
    assert recent.get("bea", "a1") is None  # another learner's id finds nothing
    recent.remember(replace(attempt("ana", "a1"), version=2))
    assert recent.get("ana", "a1").version == 2  # type: ignore[union-attr]
    recent.forget("ana", "a1")
    recent.forget("ana", "never-there")
    assert recent.get("ana", "a1") is None
    assert len(recent) == 0


def test_the_least_recently_used_goes_first_past_the_capacity() -> None:
    recent = RecentAttempts(capacity=3)
    for n in range(3):
        recent.remember(attempt("ana", f"a{n}"))
    assert recent.get("ana", "a0") is not None  # used: now the most recent
    recent.remember(attempt("ana", "a3"))
    assert len(recent) == 3
    assert recent.get("ana", "a1") is None
    assert [recent.get("ana", f"a{n}") is not None for n in (0, 2, 3)] == [True, True, True]


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RecentAttempts(capacity=0)
