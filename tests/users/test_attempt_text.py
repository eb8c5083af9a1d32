"""The JSON text a lesson attempt keeps its snapshot and verdicts in (and an idempotency record its outcome): the
standard library's compact output, written by orjson, with the standard library for what orjson refuses."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from senas.platform.json_text import compact_json, from_json
from senas.users.progress import ledger
from senas.users.progress.models import LessonAttempt


def test_compact_json_is_the_standard_librarys_compact_text() -> None:
    value = {"gloss": "AÑO", "meaning_es": "año — «tiempo»", "options": ["a", "b"], "n": 3, "ok": True, "x": None}
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_an_integer_past_64_bits_keeps_every_digit() -> None:
    value = {"big": 2**70}
    text = compact_json(value)
    assert json.loads(text) == value
    assert from_json(text) == value  # not a float with its last digits lost


STARTED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def attempt_of(exercises: list[dict[str, Any]], *, attempt_id: str = "a" * 32, **fields: Any) -> LessonAttempt:
    """An attempt of user u1 at lesson les-1, started at STARTED for an hour."""
    return LessonAttempt(
        user_id="u1",
        attempt_id=attempt_id,
        lesson_id="les-1",
        level_id="lvl-1",
        started_at=STARTED,
        expires_at=STARTED + timedelta(hours=1),
        exercises=exercises,
        **fields,
    )


def test_an_attempt_reads_back_what_it_wrote_including_text_written_before() -> None:
    attempt = attempt_of(
        [
            {
                "id": "ex1",
                "kind": "watch_choose_meaning",
                "options": ["o1", "o2"],
                "correct_option": "o1",
                "answer": {"gloss": "ÑU", "meaning_es": "ñu", "meaning_en": "gnu"},
            }
        ],
        sign_ids=["s1"],
        lesson_max_xp=60,
        course_max_xp=600,
        results={"ex1": {"correct": True, "at": "2026-03-04T12:00:01Z"}},
        version=3,
    )
    item = attempt.to_item()
    assert LessonAttempt.from_item("u1", item) == attempt
    # An attempt stored by the standard library's writer (before this change) reads the same.
    older = {**item, "exercises": json.dumps(attempt.exercises), "results": json.dumps(attempt.results)}
    assert LessonAttempt.from_item("u1", older) == attempt


def test_the_exercises_text_is_made_once_and_written_back_as_read() -> None:
    attempt = attempt_of(
        [{"id": "ex1", "kind": "fingerspell", "letters": ["Ñ", "U"]}],
        attempt_id="b" * 32,
        sign_ids=[],
        lesson_max_xp=40,
        course_max_xp=400,
        version=1,
    )
    assert json.loads(attempt.to_item()["exercises"]) == attempt.exercises  # made from the exercises when not kept
    stored = {**attempt.to_item(), "exercises": json.dumps(attempt.exercises)}  # as an older writer spelled it
    answered = LessonAttempt.from_item("u1", stored).answered("ex1", {"correct": True, "at": "2026-03-04T12:00:01Z"})
    assert answered.to_item()["exercises"] == stored["exercises"]  # the text as read, not made again


def test_a_request_hash_is_the_one_records_were_stored_with() -> None:
    payload = {"op": "answer", "attempt_id": "a1", "exercise_id": "ex1", "letters": ["Ñ"], "option_id": None}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    assert ledger.request_hash(payload) == expected
    assert ledger.request_hash({**payload, "option_id": "o1"}) != expected
