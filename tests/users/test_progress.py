"""Progress over HTTP, graded by the server: lesson attempts (start, answer, complete) with verdicts and XP from the
answer key only, idempotent writes whose replays say what happened, exact XP under concurrency within the lesson's
and the course's daily bounds, streaks in the learner's time zone (across a DST change), follow-ups (review cards,
level completion, achievements, leaderboard) run after the answer, "perform" exercises checked with the ML service,
the forged-results scenario earning nothing, and one learner never seeing or changing another's progress.

These tests run on the embedded tables here and on DynamoDB (moto) in tests/aws/test_users_progress_dynamodb.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from users_support import (
    FakeContent,
    FakeMl,
    Learner,
    answer,
    attempts_path,
    complete,
    key,
    learner,
    play,
    start,
    started,
)

from senas.core.messages import Envelope
from senas.core.ratelimit import Budget
from senas.platform import catalog
from senas.platform.tables import KeyRange
from senas.users import bootstrap, keys
from senas.users.app import create_app
from senas.users.background import BackgroundWork
from senas.users.clock import ManualClock
from senas.users.context import UsersContext
from senas.users.progress import xp
from senas.users.progress.followups import FollowUps
from senas.users.settings import UsersSettings
from senas.wiring import Platform, declare_subscriptions

# The fake course (conftest): les-1 teaches hola and gracias (two exercises), les-2 teaches adios (one).
LES1_MAX = xp.lesson_max_xp(2)  # 2 × 10 + 20 + 10
LES2_MAX = xp.lesson_max_xp(1)


async def summary_of(client: httpx.AsyncClient, user: Learner) -> dict[str, Any]:
    response = await client.get("/users/me/progress", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- the flow -------------------------------------------------------------------------------------------------------


async def test_a_lesson_played_through_attempts_is_graded_by_the_server(
    client: httpx.AsyncClient, content: FakeContent
) -> None:
    user = await learner(client, "flow@example.com")
    attempt = await started(client, user, "les-1")
    assert attempt["status"] == "open"
    assert attempt["replayed"] is False
    exercises = attempt["exercises"]
    assert [e["exercise_id"] for e in exercises] == ["les-1-ex0", "les-1-ex1"]
    assert sorted(exercises[0]["option_ids"]) == ["opt-les-1-ex0-right", "opt-les-1-ex0-wrong"]
    assert all(not e["answered"] for e in exercises)
    assert "correct_option" not in str(attempt)  # the key stays on the server
    assert "sign_id" not in str(attempt)

    attempt_id = attempt["attempt_id"]
    right = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-right")
    assert right.status_code == 200, right.text
    verdict = right.json()
    assert verdict["correct"] is True
    assert verdict["correct_answer"]["option_id"] == "opt-les-1-ex0-right"
    assert verdict["correct_answer"]["gloss"] == "HOLA"
    assert {o["option_id"] for o in verdict["correct_answer"]["options"]} == set(exercises[0]["option_ids"])
    assert (verdict["answered"], verdict["total"]) == (1, 2)
    wrong = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex1", option_id="opt-les-1-ex1-wrong")
    assert wrong.json()["correct"] is False
    assert wrong.json()["correct_answer"]["option_id"] == "opt-les-1-ex1-right"  # for the feedback

    done = await complete(client, user, "les-1", attempt_id)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["score"], body["correct"], body["answered"], body["total"]) == (50, 1, 2, 2)
    assert body["perfect"] is False
    assert body["first_completion"] is True
    assert body["xp_awarded"] == xp.EXERCISE_CORRECT_XP + xp.LESSON_FIRST_COMPLETION_XP
    assert body["replayed"] is False
    assert "original_xp_awarded" not in body
    assert body["xp_total"] == body["xp_awarded"]
    assert body["streak"]["today_xp"] == body["xp_awarded"]
    assert (await summary_of(client, user))["xp_total"] == body["xp_awarded"]


async def test_an_attempt_another_task_moved_on_is_read_again_not_trusted(
    client: httpx.AsyncClient, content: FakeContent, users_platform: Platform, clock: ManualClock
) -> None:
    """Two tasks of the service on the same tables: each remembers the attempts it wrote (recent.py), and the one
    that started this attempt still remembers it as started when the other has answered an exercise of it. Its next
    answer must not be planned on that: the write fails its version condition, the attempt is read as stored, and
    both answers count; an answer the other task recorded is refused as already answered."""
    other_root = bootstrap.build(users_platform, clock=clock, config=UsersSettings(answer_key_cache_seconds=0))
    other_app = create_app(other_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other_app), base_url="http://t") as other:
        user = await learner(client, "two-tasks@example.com")
        attempt = await started(client, user, "les-1")
        attempt_id = attempt["attempt_id"]
        first = await answer(other, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-right")
        assert first.status_code == 200, first.text
        assert (first.json()["answered"], first.json()["total"]) == (1, 2)
        # This task remembers the attempt with no answer; the stored one has one.
        second = await answer(
            client, user, "les-1", attempt_id, exercise_id="les-1-ex1", option_id="opt-les-1-ex1-right"
        )
        assert second.status_code == 200, second.text
        assert (second.json()["answered"], second.json()["total"]) == (2, 2)
        again = await answer(
            client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-wrong"
        )
        assert again.status_code == 409, again.text
        assert again.json()["error"] == "exercise_already_answered"
        # The other task remembers the attempt with one answer; this one completed nothing yet. Its completion
        # counts both answers.
        done = await complete(other, user, "les-1", attempt_id)
        assert done.status_code == 200, done.text
        assert (done.json()["correct"], done.json()["answered"], done.json()["perfect"]) == (2, 2, True)
        late = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex1", option_id="opt-les-1-ex1-wrong")
        assert late.status_code == 409, late.text
        assert late.json()["error"] in ("attempt_completed", "exercise_already_answered")
        assert (await summary_of(client, user))["xp_total"] == done.json()["xp_awarded"] == LES1_MAX


async def test_a_perfect_first_completion_and_a_repeat_the_next_day(
    client: httpx.AsyncClient, content: FakeContent, clock: ManualClock
) -> None:
    user = await learner(client, "rules@example.com")
    perfect = await play(client, content, user, "les-1")
    assert perfect["perfect"] is True
    assert perfect["xp_awarded"] == LES1_MAX
    clock.advance(timedelta(days=1))
    again = await play(client, content, user, "les-1", wrong=1)
    assert again["first_completion"] is False
    assert again["xp_awarded"] == xp.EXERCISE_CORRECT_XP + xp.LESSON_REPEAT_XP
    assert (await summary_of(client, user))["perfect_lessons"] == 1


async def test_replays_say_what_happened_and_award_nothing(client: httpx.AsyncClient, content: FakeContent) -> None:
    user = await learner(client, "idem@example.com")
    first_start = await start(client, user, "les-2", k="start-key-0001")
    again_start = await start(client, user, "les-2", k="start-key-0001")
    assert first_start.status_code == again_start.status_code == 201
    assert again_start.json()["attempt_id"] == first_start.json()["attempt_id"]
    assert again_start.json()["replayed"] is True
    attempt_id = first_start.json()["attempt_id"]

    body = {"exercise_id": "les-2-ex0", "option_id": "opt-les-2-ex0-right"}
    first_answer = await answer(client, user, "les-2", attempt_id, k="answer-key-001", **body)
    again_answer = await answer(client, user, "les-2", attempt_id, k="answer-key-001", **body)
    assert again_answer.json() == {**first_answer.json(), "replayed": True}

    first = await complete(client, user, "les-2", attempt_id, k="complete-key-01")
    second = await complete(client, user, "les-2", attempt_id, k="complete-key-01")
    assert first.status_code == second.status_code == 200
    assert first.json()["xp_awarded"] == LES2_MAX
    assert first.json()["replayed"] is False
    replay = second.json()
    assert replay["replayed"] is True
    assert replay["xp_awarded"] == 0  # a client adding up xp_awarded counts it once
    assert replay["original_xp_awarded"] == LES2_MAX
    assert replay["xp_total"] == LES2_MAX
    assert (await summary_of(client, user))["xp_total"] == LES2_MAX


async def test_replays_of_old_attempts_earn_nothing(client: httpx.AsyncClient, content: FakeContent) -> None:
    user = await learner(client, "old@example.com")
    attempt = await started(client, user, "les-2")
    attempt_id = attempt["attempt_id"]
    body = {"exercise_id": "les-2-ex0", "option_id": "opt-les-2-ex0-right"}
    assert (await answer(client, user, "les-2", attempt_id, **body)).status_code == 200
    assert (await complete(client, user, "les-2", attempt_id)).json()["xp_awarded"] == LES2_MAX
    # The same attempt completed again with a fresh key, answered again, or its exercise answered again: refused.
    again = await complete(client, user, "les-2", attempt_id)
    assert again.status_code == 409
    assert again.json()["error"] == "attempt_completed"
    reanswer = await answer(client, user, "les-2", attempt_id, **body)
    assert reanswer.status_code == 409
    assert reanswer.json()["error"] == "attempt_completed"
    # A new attempt the same day completes, but the lesson has given what it can today.
    more = await play(client, content, user, "les-2")
    assert more["xp_awarded"] == 0
    assert more["xp_capped"] is True
    assert (await summary_of(client, user))["xp_total"] == LES2_MAX


async def test_reusing_a_key_with_another_request_is_a_conflict(client: httpx.AsyncClient) -> None:
    user = await learner(client, "conflict@example.com")
    assert (await start(client, user, "les-1", k="attempt-key-02")).status_code == 201
    other = await start(client, user, "les-2", k="attempt-key-02")
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_key_reused"


async def test_bad_requests_are_refused_clearly(client: httpx.AsyncClient, content: FakeContent) -> None:
    user = await learner(client, "bad@example.com")
    no_key = await client.post(attempts_path("les-1"), headers=user.headers)
    assert no_key.status_code == 422
    assert "Idempotency-Key" in no_key.text
    anonymous = await client.post(attempts_path("les-1"), headers={"Idempotency-Key": key()})
    assert anonymous.status_code == 401
    unknown = await start(client, user, "no-such-lesson")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "lesson_not_found"
    content.unpublished.add("les-2")
    draft = await start(client, user, "les-2")
    assert draft.status_code == 409
    assert draft.json()["error"] == "lesson_not_published"
    assert set(draft.json()) == {"error", "detail"}

    attempt = await started(client, user, "les-1")
    attempt_id = attempt["attempt_id"]
    two = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="x", letters=["A"])
    assert two.status_code == 422
    none = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0")
    assert none.status_code == 422
    letters = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0", letters=["H"])
    assert letters.status_code == 422  # a choice exercise takes an option
    foreign = await answer(client, user, "les-1", attempt_id, exercise_id="les-2-ex0", option_id="opt-les-2-ex0-right")
    assert foreign.status_code == 404
    assert foreign.json()["error"] == "exercise_not_in_attempt"
    other_option = await answer(
        client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex1-right"
    )
    assert other_option.status_code == 409
    assert other_option.json()["error"] == "option_not_offered"
    nothing = await complete(client, user, "les-1", attempt_id)
    assert nothing.status_code == 409
    assert nothing.json()["error"] == "nothing_answered"
    ok = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-wrong")
    assert ok.status_code == 200
    twice = await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-right")
    assert twice.status_code == 409
    assert twice.json()["error"] == "exercise_already_answered"
    wrong_lesson = await complete(client, user, "les-2", attempt_id)
    assert wrong_lesson.status_code == 404
    bad_id = await complete(client, user, "les-1", "not-an-attempt-id")
    assert bad_id.status_code == 422
    assert (await summary_of(client, user))["xp_total"] == 0


async def test_an_attempt_expires(client: httpx.AsyncClient, content: FakeContent, clock: ManualClock) -> None:
    user = await learner(client, "late@example.com")
    attempt = await started(client, user, "les-2")
    clock.advance(timedelta(hours=4))  # past the default 3-hour window
    late = await answer(
        client, user, "les-2", attempt["attempt_id"], exercise_id="les-2-ex0", option_id="opt-les-2-ex0-right"
    )
    assert late.status_code == 409
    assert late.json()["error"] == "attempt_expired"


async def test_the_old_client_trusted_routes_are_gone(client: httpx.AsyncClient) -> None:
    user = await learner(client, "gone@example.com")
    for path, body in (
        ("/users/me/progress/exercise-results", {"lesson_id": "les-1", "exercise_id": "e1", "correct": True}),
        ("/users/me/progress/lesson-completions", {"lesson_id": "les-1", "score": 100}),
    ):
        response = await client.post(path, json=body, headers={**user.headers, "Idempotency-Key": key()})
        assert response.status_code == 410
        assert response.json()["error"] == "gone"
        assert "/users/me/lessons/{lesson_id}/attempts" in response.json()["detail"]
    assert (await summary_of(client, user))["xp_total"] == 0


async def test_the_forged_results_scenario_earns_nothing(
    client: httpx.AsyncClient, runtime: UsersContext, users_platform: Platform
) -> None:
    """Issue 15: ten forged exercise results and five completions of lessons that do not exist gave 250 XP, rank 1
    on the weekly leaderboard and two achievements. Replayed through HTTP, old routes and new: nothing."""
    await declare_subscriptions(users_platform)
    cheat = await learner(client, "cheat@example.com")
    for _ in range(10):
        forged = await client.post(
            "/users/me/progress/exercise-results",
            json={"lesson_id": "fake", "exercise_id": "e1", "correct": True},
            headers={**cheat.headers, "Idempotency-Key": key()},
        )
        assert forged.status_code == 410
    for index in range(5):
        ghost = f"ghost-lesson-{index}"
        old = await client.post(
            "/users/me/progress/lesson-completions",
            json={"lesson_id": ghost, "score": 100, "mistakes": 0},
            headers={**cheat.headers, "Idempotency-Key": key()},
        )
        assert old.status_code == 410
        new = await start(client, cheat, ghost)
        assert new.status_code == 404
        made_up = "0" * 31 + str(index)
        completion = await complete(client, cheat, ghost, made_up)
        assert completion.status_code == 404
    await runtime.background.idle()
    assert (await summary_of(client, cheat))["xp_total"] == 0
    board = (await client.get("/users/leaderboard", params={"language": "lse"}, headers=cheat.headers)).json()
    assert board["entries"] == []
    assert board["me"] == {"rank": None, "xp": 0}
    achievements = (await client.get("/users/me/achievements", headers=cheat.headers)).json()["achievements"]
    assert [a["code"] for a in achievements if a["earned"]] == []
    assert await drain(users_platform, catalog.USER_NOTIFICATIONS) == []


# -- bounds and concurrency ---------------------------------------------------------------------------------------


async def test_concurrent_attempts_lose_no_xp_and_stay_within_the_lessons_daily_bound(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext
) -> None:
    user = await learner(client, "many@example.com")
    results = await asyncio.gather(*(play(client, content, user, "les-1") for _ in range(12)))
    assert sum(1 for r in results if r["first_completion"]) == 1
    awarded = sum(r["xp_awarded"] for r in results)
    assert awarded == LES1_MAX  # what the lesson can give in a day, not twelve times it
    summary = await summary_of(client, user)
    assert summary["xp_total"] == awarded
    assert summary["lessons_completed"] == 1
    await runtime.background.idle()
    board = (await client.get("/users/leaderboard", params={"language": "lse"}, headers=user.headers)).json()
    assert board["me"] == {"rank": 1, "xp": awarded}


async def test_a_day_gives_at_most_what_the_course_can(
    client: httpx.AsyncClient, content: FakeContent, clock: ManualClock
) -> None:
    user = await learner(client, "farm@example.com")
    course_max = xp.course_max_xp(2, 3)
    day_one = [await play(client, content, user, lesson) for lesson in ("les-1", "les-2", "les-1", "les-2")]
    assert sum(r["xp_awarded"] for r in day_one) == course_max
    clock.advance(timedelta(days=1))
    repeat = await play(client, content, user, "les-1")
    assert repeat["xp_awarded"] == 2 * xp.EXERCISE_CORRECT_XP + xp.LESSON_REPEAT_XP
    assert (await summary_of(client, user))["xp_total"] == course_max + repeat["xp_awarded"]


async def test_the_course_bound_follows_the_course(client: httpx.AsyncClient, content: FakeContent) -> None:
    """The day's bound comes from the course the content service describes: with a course of one lesson of one
    exercise (40 XP at most), a day of lessons gives 40 however many lessons are played."""
    content.course = (1, 1)
    user = await learner(client, "course@example.com")
    first = await play(client, content, user, "les-1")
    assert (first["xp_awarded"], first["xp_capped"]) == (xp.course_max_xp(1, 1), True)
    assert (await play(client, content, user, "les-2"))["xp_awarded"] == 0
    assert (await summary_of(client, user))["xp_total"] == xp.course_max_xp(1, 1)


# -- streaks ----------------------------------------------------------------------------------------------------------


async def set_profile(client: httpx.AsyncClient, user: Learner, **changes: Any) -> None:
    response = await client.patch("/users/me", json=changes, headers=user.headers)
    assert response.status_code == 200, response.text


async def test_streak_counts_local_days_across_the_end_of_summer_time(
    client: httpx.AsyncClient, content: FakeContent, clock: ManualClock
) -> None:
    user = await learner(client, "madrid@example.com")
    await set_profile(client, user, timezone="Europe/Madrid", daily_goal_xp=10)
    # 23:30 in Madrid on three evenings; summer time ends on Sunday 26 October 2025 at 03:00 local.
    evenings = [
        datetime(2025, 10, 25, 21, 30, tzinfo=UTC),  # Sat 23:30 CEST (UTC+2)
        datetime(2025, 10, 26, 22, 30, tzinfo=UTC),  # Sun 23:30 CET (UTC+1): the 25-hour day
        datetime(2025, 10, 27, 22, 30, tzinfo=UTC),  # Mon 23:30 CET
    ]
    for evening in evenings:
        clock.set(evening)
        body = await play(client, content, user, "les-2")
    assert body["streak"]["current"] == 3
    assert body["streak"]["today"] == "2025-10-27"
    # 00:30 local on Tuesday is a new day: the goal is not met yet, the streak still stands.
    clock.set(datetime(2025, 10, 27, 23, 30, tzinfo=UTC))
    status = (await summary_of(client, user))["streak"]
    assert status == {**status, "current": 3, "today": "2025-10-28", "today_xp": 0, "goal_met_today": False}
    # Two days later with no activity (and no freezes) it is broken.
    clock.set(datetime(2025, 10, 29, 23, 30, tzinfo=UTC))
    assert (await summary_of(client, user))["streak"]["current"] == 0


async def test_the_same_instants_are_different_days_in_different_time_zones(
    client: httpx.AsyncClient, content: FakeContent, clock: ManualClock
) -> None:
    mexico = await learner(client, "cdmx@example.com")
    tokyo = await learner(client, "tokyo@example.com")
    await set_profile(client, mexico, timezone="America/Mexico_City", daily_goal_xp=10)  # UTC-6, no DST
    await set_profile(client, tokyo, timezone="Asia/Tokyo", daily_goal_xp=10)  # UTC+9
    # 03:00 and 14:00 UTC on 3 November: in Mexico City 21:00 on the 2nd and 08:00 on the 3rd (two days);
    # in Tokyo 12:00 and 23:00 on the 3rd (one day).
    instants = (datetime(2025, 11, 3, 3, 0, tzinfo=UTC), datetime(2025, 11, 3, 14, 0, tzinfo=UTC))
    for lesson, instant in zip(("les-1", "les-2"), instants, strict=True):
        clock.set(instant)
        mexico_body = await play(client, content, mexico, lesson)
        tokyo_body = await play(client, content, tokyo, lesson)
    assert mexico_body["streak"]["current"] == 2
    assert mexico_body["streak"]["today"] == "2025-11-03"
    assert tokyo_body["streak"]["current"] == 1
    assert tokyo_body["streak"]["today"] == "2025-11-03"
    assert tokyo_body["streak"]["today_xp"] == LES1_MAX + LES2_MAX


# -- follow-ups: levels, cards, achievements, leaderboard ---------------------------------------------------------


async def drain(platform: Platform, queue: str) -> list[Envelope]:
    found: list[Envelope] = []
    q = platform.queues.queue(platform.settings.resource_name(queue))
    while True:
        batch = await q.receive(max_messages=10)
        if not batch:
            return found
        for message in batch:
            found.append(Envelope.from_json(message.body))
            await q.delete(message.receipt)


async def test_level_completion_is_published_once(
    client: httpx.AsyncClient, content: FakeContent, users_platform: Platform, runtime: UsersContext
) -> None:
    await declare_subscriptions(users_platform)
    user = await learner(client, "level@example.com")
    await play(client, content, user, "les-1")
    await runtime.background.idle()
    first = await drain(users_platform, catalog.USER_NOTIFICATIONS)
    assert not [e for e in first if e.type == "level.completed"]
    assert sorted(e.data["code"] for e in first if e.type == "achievement.earned") == ["first_lesson", "perfect_lesson"]
    await play(client, content, user, "les-2")
    await play(client, content, user, "les-2")  # completing again must not announce the level again
    await play(client, content, user, "les-1")
    await runtime.background.idle()
    messages = await drain(users_platform, catalog.USER_NOTIFICATIONS)
    levels = [e for e in messages if e.type == "level.completed"]
    assert len(levels) == 1
    assert levels[0].data["level_id"] == "lvl-1"
    assert levels[0].data["user_id"] == user.user_id
    assert sorted(e.data["code"] for e in messages if e.type == "achievement.earned") == ["level_completed"]
    summary = await summary_of(client, user)
    assert summary["levels"] == [
        {"level_id": "lvl-1", "lessons_completed": 2, "lessons_total": 2, "percent": 100.0, "completed": True}
    ]
    assert summary["levels_completed"] == 1


async def test_the_follow_up_that_completes_a_level_earns_its_achievement(
    client: httpx.AsyncClient, content: FakeContent, users_platform: Platform, runtime: UsersContext
) -> None:
    # The follow-up reads the learner's counters once, before it records the level: the level it records must
    # count towards the achievements it evaluates, not wait for the learner's next event.
    await declare_subscriptions(users_platform)
    user = await learner(client, "level-achievement@example.com")
    await play(client, content, user, "les-1")
    await runtime.background.idle()
    await drain(users_platform, catalog.USER_NOTIFICATIONS)
    await play(client, content, user, "les-2")  # the level's last lesson, and the learner's last event
    await runtime.background.idle()
    messages = await drain(users_platform, catalog.USER_NOTIFICATIONS)
    assert [e.data["level_id"] for e in messages if e.type == "level.completed"] == ["lvl-1"]
    assert [e.data["code"] for e in messages if e.type == "achievement.earned"] == ["level_completed"]
    achievements = (await client.get("/users/me/achievements", headers=user.headers)).json()["achievements"]
    assert {a["code"] for a in achievements if a["earned"]} == {"first_lesson", "perfect_lesson", "level_completed"}


async def test_the_follow_up_that_practises_a_fiftieth_sign_earns_its_achievement(
    client: httpx.AsyncClient, content: FakeContent, users_platform: Platform, runtime: UsersContext
) -> None:
    # Fifty signs in one lesson: their cards are reviewed in two transactions (40 and 10), the first from the read
    # the follow-up starts with, and the new signs it records count towards the achievements it evaluates.
    content.add_level("lvl-big", {"les-big": [f"sign-{n:02d}" for n in range(50)]})
    await declare_subscriptions(users_platform)
    user = await learner(client, "fifty@example.com")
    await play(client, content, user, "les-big")
    await runtime.background.idle()
    messages = await drain(users_platform, catalog.USER_NOTIFICATIONS)
    assert "signs_50" in {e.data["code"] for e in messages if e.type == "achievement.earned"}
    assert (await summary_of(client, user))["signs"]["practised"] == 50


async def test_content_down_after_the_answer_the_level_is_decided_when_it_is_back(
    client: httpx.AsyncClient, content: FakeContent, users_platform: Platform, runtime: UsersContext
) -> None:
    await declare_subscriptions(users_platform)
    user = await learner(client, "outage@example.com")
    await play(client, content, user, "les-1")
    attempt = await started(client, user, "les-2")  # the answer key is taken at the start
    content.down = True
    assert (await start(client, user, "les-2")).status_code == 503
    attempt_id = attempt["attempt_id"]
    await answer(client, user, "les-2", attempt_id, exercise_id="les-2-ex0", option_id="opt-les-2-ex0-right")
    during = await complete(client, user, "les-2", attempt_id)
    assert during.status_code == 200
    assert during.json()["xp_awarded"] == LES2_MAX  # what the learner needs to see does not wait on the follow-up
    await runtime.background.idle()
    summary = await summary_of(client, user)
    assert summary["levels_available"] is False
    assert summary["levels_completed"] == 0
    content.down = False
    await play(client, content, user, "les-1")  # the learner's next event runs the follow-up that failed
    await runtime.background.idle()
    levels = [e for e in await drain(users_platform, catalog.USER_NOTIFICATIONS) if e.type == "level.completed"]
    assert len(levels) == 1
    assert (await summary_of(client, user))["levels_completed"] == 1


async def test_a_followup_run_twice_changes_nothing_the_second_time(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext
) -> None:
    """Exactly once under redelivery: the same follow-up message run again (a lease that expired on a slow process)
    leaves the cards, the signs practised and the achievements as they were."""
    user = await learner(client, "twice@example.com")
    runtime.background = HeldWork()  # the follow-up stays in the outbox, unrun
    await play(client, content, user, "les-1", wrong=1)
    items = (await runtime.ports.progress.query(keys.user(user.user_id), sk=KeyRange.prefix("OUTBOX#"))).items
    assert [item.get("followup") for item in items] == [True]
    envelope = Envelope.from_json(items[0]["envelope"])
    handler = FollowUps(runtime)

    async def state() -> tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]:
        partition = keys.user(user.user_id)
        cards = (await runtime.ports.progress.query(partition, sk=KeyRange.prefix("CARD#"))).items
        achievements = (await runtime.ports.progress.query(partition, sk=KeyRange.prefix("ACH#"))).items
        return cards, await runtime.ports.progress.get(partition, keys.STATS), achievements

    assert await handler(envelope) is True  # first_lesson earned: a message left to publish
    once = await state()
    assert len(once[0]) == 6  # two signs, three directions
    assert once[1]["signs_practised"] == 2
    assert await handler(envelope) is False
    assert await state() == once


class HeldWork(BackgroundWork):
    """Background work that is kept, not run."""

    def kick(self, key: str, work: Any) -> None:
        pass


async def test_review_cards_follow_from_graded_answers(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext, clock: ManualClock
) -> None:
    user = await learner(client, "cards@example.com")
    await play(client, content, user, "les-1", wrong=1)  # hola answered wrongly, gracias rightly
    await runtime.background.idle()
    due = (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]
    # the lesson's signs joined the deck in every direction; the graded answers reviewed sign_to_meaning
    assert sorted(c["card_id"] for c in due) == sorted(
        f"{sign}:{d}" for sign in ("hola", "gracias") for d in ("meaning_to_sign", "perform")
    )
    clock.advance(timedelta(minutes=5))  # the wrong answer brings its card back sooner than the right one
    soon = [c["card_id"] for c in (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]]
    assert "hola:sign_to_meaning" in soon
    assert "gracias:sign_to_meaning" not in soon
    assert (await summary_of(client, user))["signs"]["practised"] == 2
    answered = await client.post("/users/me/reviews/hola:perform/answer", json={"rating": "good"}, headers=user.headers)
    assert answered.status_code == 200
    assert answered.json()["xp_awarded"] == xp.REVIEW_DUE_XP
    assert answered.json()["next_due"] > due[0]["due"]
    still_due = (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]
    assert "hola:perform" not in [c["card_id"] for c in still_due]
    early = await client.post("/users/me/reviews/hola:perform/answer", json={"rating": "good"}, headers=user.headers)
    assert early.json()["xp_awarded"] == 0  # not due: no XP
    assert early.json()["replayed"] is False
    clock.advance(timedelta(days=3))
    assert "hola:perform" in [
        c["card_id"] for c in (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]
    ]
    missing = await client.post("/users/me/reviews/nada:perform/answer", json={"rating": "good"}, headers=user.headers)
    assert missing.status_code == 404
    bad_rating = await client.post(
        "/users/me/reviews/hola:perform/answer", json={"rating": "meh"}, headers=user.headers
    )
    assert bad_rating.status_code == 422
    bad_id = await client.post("/users/me/reviews/not-a-card/answer", json={"rating": "good"}, headers=user.headers)
    assert bad_id.status_code == 404


async def test_two_answers_to_the_same_card_state_count_once_and_say_so(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext
) -> None:
    """A double tap on a due card: one answer earns the review's XP. Whether the second met the same state of the
    card (then it is a replay: 0 XP, the first award in original_xp_awarded) or the state the first left (then it
    reviews a card no longer due: 0 XP) depends on timing; what it earned does not."""
    user = await learner(client, "double@example.com")
    await play(client, content, user, "les-2")
    await runtime.background.idle()
    path = "/users/me/reviews/adios:perform/answer"
    bodies = [
        response.json()
        for response in await asyncio.gather(
            *(client.post(path, json={"rating": "good"}, headers=user.headers) for _ in range(2))
        )
    ]
    assert sum(body["xp_awarded"] for body in bodies) == xp.REVIEW_DUE_XP
    for body in bodies:
        if body["replayed"]:
            assert (body["xp_awarded"], body["original_xp_awarded"]) == (0, xp.REVIEW_DUE_XP)
        else:
            assert body["original_xp_awarded"] is None


async def test_the_weekly_leaderboard_ranks_by_graded_xp(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext
) -> None:
    users = [await learner(client, f"lb{i}@example.com") for i in range(4)]
    await play(client, content, users[0], "les-2", wrong=1)  # 20
    await play(client, content, users[1], "les-2")  # 40
    await play(client, content, users[2], "les-1")  # 50
    await runtime.background.idle()
    board = await client.get("/users/leaderboard", params={"language": "lse", "limit": 2}, headers=users[0].headers)
    assert board.status_code == 200
    body = board.json()
    assert [(e["rank"], e["xp"]) for e in body["entries"]] == [(1, LES1_MAX), (2, LES2_MAX)]
    assert body["entries"][0]["user_id"] == users[2].user_id
    assert body["me"] == {"rank": 3, "xp": xp.LESSON_FIRST_COMPLETION_XP}
    nobody = await client.get("/users/leaderboard", params={"language": "lse"}, headers=users[3].headers)
    assert nobody.json()["me"] == {"rank": None, "xp": 0}
    other_language = await client.get("/users/leaderboard", params={"language": "asl"}, headers=users[0].headers)
    assert other_language.json()["entries"] == []
    bad = await client.get("/users/leaderboard", params={"language": "NOT VALID"}, headers=users[0].headers)
    assert bad.status_code == 422


# -- perform and fingerspell ------------------------------------------------------------------------------------------


async def test_a_perform_exercise_counts_only_with_a_scored_session_of_the_attempt(
    client: httpx.AsyncClient, content: FakeContent, ml: FakeMl, clock: ManualClock
) -> None:
    exercise = content.add_exercise("les-2", "perform_sign", sign_id="adios")
    user = await learner(client, "perform@example.com")
    other = await learner(client, "someone@example.com")
    before = clock.now() - timedelta(minutes=5)
    attempt = await started(client, user, "les-2")
    attempt_id = attempt["attempt_id"]
    now = clock.now() + timedelta(seconds=30)
    ml.add(user, "sess-other-sign", "hola", created_at=now)
    ml.add(user, "sess-pending", "adios", created_at=now, status="processing")
    ml.add(user, "sess-old", "adios", created_at=before)
    ml.add(other, "sess-not-mine", "adios", created_at=now)
    ml.add(user, "sess-good", "adios", created_at=now, scored_at=now + timedelta(seconds=5))

    async def send(session: str, k: str | None = None) -> httpx.Response:
        return await answer(client, user, "les-2", attempt_id, k=k, exercise_id=exercise, practice_session_id=session)

    refusals = {
        "sess-other-sign": (409, "practice_session_other_sign"),
        "sess-pending": (409, "practice_session_not_scored"),
        "sess-old": (409, "practice_session_outside_attempt"),
        "sess-not-mine": (404, "practice_session_not_found"),
        "no-such-session": (404, "practice_session_not_found"),
    }
    for session, (status, code) in refusals.items():
        response = await send(session)
        assert (response.status_code, response.json()["error"]) == (status, code), session
    ml.down = True
    assert (await send("sess-good")).status_code == 503
    ml.down = False
    good = await send("sess-good")
    assert good.status_code == 200, good.text
    assert good.json()["correct"] is True
    assert good.json()["correct_answer"]["gloss"] == "ADIOS"
    # the same session cannot count again, in this attempt or another
    second = await started(client, user, "les-2")
    reused = await answer(
        client, user, "les-2", second["attempt_id"], exercise_id=exercise, practice_session_id="sess-good"
    )
    assert reused.status_code == 409
    assert reused.json()["error"] in ("practice_session_already_used", "practice_session_outside_attempt")


async def test_a_skipped_perform_exercise_is_not_graded_and_not_perfect(
    client: httpx.AsyncClient, content: FakeContent
) -> None:
    content.add_exercise("les-2", "perform_sign", sign_id="adios")
    user = await learner(client, "skip@example.com")
    attempt = await started(client, user, "les-2")
    await answer(client, user, "les-2", attempt["attempt_id"], exercise_id="les-2-ex0", option_id="opt-les-2-ex0-right")
    done = (await complete(client, user, "les-2", attempt["attempt_id"])).json()
    assert (done["score"], done["answered"], done["total"], done["perfect"]) == (100, 1, 2, False)
    assert done["xp_awarded"] == xp.EXERCISE_CORRECT_XP + xp.LESSON_FIRST_COMPLETION_XP


async def test_fingerspelling_is_graded_letter_by_letter(client: httpx.AsyncClient, content: FakeContent) -> None:
    exercise = content.add_exercise("les-2", "fingerspell", word="cafe")
    user = await learner(client, "spell@example.com")
    attempt = await started(client, user, "les-2")
    attempt_id = attempt["attempt_id"]
    right = await answer(client, user, "les-2", attempt_id, exercise_id=exercise, letters=["c", "A", "f", "é"])
    assert right.status_code == 200, right.text
    assert right.json()["correct"] is True
    second = await started(client, user, "les-2")
    wrong = await answer(client, user, "les-2", second["attempt_id"], exercise_id=exercise, letters=["C", "A", "F"])
    assert wrong.json()["correct"] is False
    assert wrong.json()["correct_answer"]["letters"] == ["C", "A", "F", "E"]


# -- one learner, another -------------------------------------------------------------------------------------------


async def test_one_learner_cannot_touch_anothers_progress(client: httpx.AsyncClient, content: FakeContent) -> None:
    alice = await learner(client, "alice@example.com")
    bob = await learner(client, "bob@example.com")
    attempt = await started(client, alice, "les-1")
    attempt_id = attempt["attempt_id"]
    # Bob naming Alice's attempt is told it does not exist, whatever he does with it.
    stolen = await answer(client, bob, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-right")
    assert stolen.status_code == 404
    assert stolen.json()["error"] == "attempt_not_found"
    assert (await complete(client, bob, "les-1", attempt_id)).status_code == 404
    # Alice's attempt is untouched: still open, nothing answered.
    mine = await answer(client, alice, "les-1", attempt_id, exercise_id="les-1-ex0", option_id="opt-les-1-ex0-right")
    assert mine.status_code == 200
    assert mine.json()["answered"] == 1
    assert (await summary_of(client, bob))["xp_total"] == 0
    assert (await client.get("/users/me/reviews/due", headers=bob.headers)).json()["cards"] == []
    stolen_card = await client.post(
        "/users/me/reviews/hola:perform/answer", json={"rating": "easy"}, headers=bob.headers
    )
    assert stolen_card.status_code == 404
    # Bob using Alice's idempotency key starts Bob's own attempt, not a replay of hers.
    alice_start = await start(client, alice, "les-2", k="shared-key-0001")
    bob_start = await start(client, bob, "les-2", k="shared-key-0001")
    assert bob_start.json()["replayed"] is False
    assert bob_start.json()["attempt_id"] != alice_start.json()["attempt_id"]
    assert (await client.get(f"/users/{alice.user_id}", headers=bob.headers)).status_code in (404, 405)
    patched = await client.patch("/users/me", json={"display_name": "Bob"}, headers=bob.headers)
    assert patched.json()["user_id"] == bob.user_id
    assert (await client.get("/users/me", headers=alice.headers)).json()["display_name"] == "alice"


@pytest.mark.parametrize("route", ["start", "answer", "complete"])
async def test_progress_writes_share_a_per_learner_budget(
    client: httpx.AsyncClient, content: FakeContent, runtime: UsersContext, route: str
) -> None:
    runtime.config = runtime.config.model_copy(update={"rate_limit_progress_writes": Budget(3, 60)})
    user = await learner(client, f"budget-{route}@example.com")
    other = await learner(client, f"other-{route}@example.com")
    attempt = await started(client, user, "les-1")  # 1
    attempt_id = attempt["attempt_id"]
    body = {"exercise_id": "les-1-ex0", "option_id": "opt-les-1-ex0-right"}
    await answer(client, user, "les-1", attempt_id, **body)  # 2
    await answer(client, user, "les-1", attempt_id, exercise_id="les-1-ex1", option_id="opt-les-1-ex1-right")  # 3
    if route == "start":
        refused = await start(client, user, "les-2")
    elif route == "answer":
        refused = await answer(client, user, "les-1", attempt_id, **body)
    else:
        refused = await complete(client, user, "les-1", attempt_id)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await start(client, other, "les-1")).status_code == 201  # another learner has a budget of their own
