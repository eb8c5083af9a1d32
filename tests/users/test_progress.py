"""Progress over HTTP: idempotent writes, exact XP under concurrency, streaks in the learner's time zone
(across a DST change), level completion from the content service (and when it is down), review cards,
the summary, the leaderboard, and that one learner never sees or changes another's progress."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from users_support import FakeContent, Learner, learner

from senas.core.messages import Envelope
from senas.platform import catalog
from senas.users.clock import ManualClock
from senas.users.progress import xp
from senas.wiring import Platform, declare_subscriptions


def key() -> str:
    return uuid.uuid4().hex


async def complete(
    client: httpx.AsyncClient, user: Learner, lesson: str, *, score: int = 80, mistakes: int = 1, k: str | None = None
) -> httpx.Response:
    return await client.post(
        "/users/me/progress/lesson-completions",
        json={"lesson_id": lesson, "score": score, "mistakes": mistakes},
        headers={**user.headers, "Idempotency-Key": k or key()},
    )


async def exercise(client: httpx.AsyncClient, user: Learner, *, correct: bool = True, **extra: Any) -> httpx.Response:
    return await client.post(
        "/users/me/progress/exercise-results",
        json={"lesson_id": "les-1", "exercise_id": "ex-1", "correct": correct, **extra},
        headers={**user.headers, "Idempotency-Key": key()},
    )


async def test_the_same_completion_sent_twice_with_one_key_counts_once(client: httpx.AsyncClient) -> None:
    user = await learner(client, "idem@example.com")
    first = await complete(client, user, "les-1", k="completion-0001")
    second = await complete(client, user, "les-1", k="completion-0001")
    assert first.status_code == second.status_code == 200
    assert first.json()["xp_awarded"] == xp.LESSON_FIRST_COMPLETION_XP
    assert first.json()["replayed"] is False
    assert second.json()["replayed"] is True
    assert second.json()["xp_awarded"] == first.json()["xp_awarded"]
    assert second.json()["xp_total"] == xp.LESSON_FIRST_COMPLETION_XP
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["xp_total"] == xp.LESSON_FIRST_COMPLETION_XP


async def test_reusing_a_key_with_another_body_is_a_conflict(client: httpx.AsyncClient) -> None:
    user = await learner(client, "conflict@example.com")
    assert (await complete(client, user, "les-1", k="completion-0002")).status_code == 200
    other = await complete(client, user, "les-2", k="completion-0002")
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_key_reused"


async def test_bad_progress_requests_are_refused_clearly(client: httpx.AsyncClient) -> None:
    user = await learner(client, "bad@example.com")
    no_key = await client.post(
        "/users/me/progress/lesson-completions", json={"lesson_id": "les-1", "score": 90}, headers=user.headers
    )
    assert no_key.status_code == 422
    assert "Idempotency-Key" in no_key.text
    out_of_range = await complete(client, user, "les-1", score=130)
    assert out_of_range.status_code == 422
    assert out_of_range.json()["fields"][0]["field"] == "score"
    bad_direction = await exercise(client, user, sign_id="hola", direction="sideways")
    assert bad_direction.status_code == 422
    anonymous = await client.post(
        "/users/me/progress/lesson-completions",
        json={"lesson_id": "les-1", "score": 90},
        headers={"Idempotency-Key": key()},
    )
    assert anonymous.status_code == 401
    assert (await client.get("/users/me/progress", headers=user.headers)).json()["xp_total"] == 0


async def test_fifty_concurrent_completions_lose_no_xp(client: httpx.AsyncClient) -> None:
    user = await learner(client, "many@example.com")
    responses = await asyncio.gather(*(complete(client, user, "les-1") for _ in range(50)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    firsts = [r for r in responses if r.json()["first_completion"]]
    assert len(firsts) == 1
    expected = xp.LESSON_FIRST_COMPLETION_XP + 49 * xp.LESSON_REPEAT_XP
    assert sum(r.json()["xp_awarded"] for r in responses) == expected
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["xp_total"] == expected
    assert summary["lessons_completed"] == 1


async def test_xp_rules_for_exercises_and_perfect_lessons(client: httpx.AsyncClient) -> None:
    user = await learner(client, "rules@example.com")
    assert (await exercise(client, user, correct=True)).json()["xp_awarded"] == xp.EXERCISE_CORRECT_XP
    assert (await exercise(client, user, correct=False)).json()["xp_awarded"] == 0
    perfect = await complete(client, user, "les-2", score=100, mistakes=0)
    assert perfect.json()["xp_awarded"] == xp.LESSON_FIRST_COMPLETION_XP + xp.LESSON_PERFECT_BONUS_XP
    again = await complete(client, user, "les-2", score=100, mistakes=0)
    assert again.json()["xp_awarded"] == xp.LESSON_REPEAT_XP


async def set_profile(client: httpx.AsyncClient, user: Learner, **changes: Any) -> None:
    response = await client.patch("/users/me", json=changes, headers=user.headers)
    assert response.status_code == 200, response.text


async def test_streak_counts_local_days_across_the_end_of_summer_time(
    client: httpx.AsyncClient, clock: ManualClock
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
        body = (await exercise(client, user)).json()
    assert body["streak"]["current"] == 3
    assert body["streak"]["today"] == "2025-10-27"
    # 00:30 local on Tuesday is a new day: the goal is not met yet, the streak still stands.
    clock.set(datetime(2025, 10, 27, 23, 30, tzinfo=UTC))
    status = (await client.get("/users/me/progress", headers=user.headers)).json()["streak"]
    assert status == {**status, "current": 3, "today": "2025-10-28", "today_xp": 0, "goal_met_today": False}
    # Two days later with no activity (and no freezes) it is broken.
    clock.set(datetime(2025, 10, 29, 23, 30, tzinfo=UTC))
    assert (await client.get("/users/me/progress", headers=user.headers)).json()["streak"]["current"] == 0


async def test_the_same_instants_are_different_days_in_different_time_zones(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    mexico = await learner(client, "cdmx@example.com")
    tokyo = await learner(client, "tokyo@example.com")
    await set_profile(client, mexico, timezone="America/Mexico_City", daily_goal_xp=10)  # UTC-6, no DST
    await set_profile(client, tokyo, timezone="Asia/Tokyo", daily_goal_xp=10)  # UTC+9
    # 03:00 and 14:00 UTC on 3 November: in Mexico City 21:00 on the 2nd and 08:00 on the 3rd (two days);
    # in Tokyo 12:00 and 23:00 on the 3rd (one day).
    for instant in (datetime(2025, 11, 3, 3, 0, tzinfo=UTC), datetime(2025, 11, 3, 14, 0, tzinfo=UTC)):
        clock.set(instant)
        mexico_body = (await exercise(client, mexico)).json()
        tokyo_body = (await exercise(client, tokyo)).json()
    assert mexico_body["streak"]["current"] == 2
    assert mexico_body["streak"]["today"] == "2025-11-03"
    assert tokyo_body["streak"]["current"] == 1
    assert tokyo_body["streak"]["today"] == "2025-11-03"
    assert tokyo_body["streak"]["today_xp"] == 20


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


async def test_level_completion_is_published_once(client: httpx.AsyncClient, users_platform: Platform) -> None:
    await declare_subscriptions(users_platform)
    user = await learner(client, "level@example.com")
    await complete(client, user, "les-1")
    assert not [e for e in await drain(users_platform, catalog.USER_NOTIFICATIONS) if e.type == "level.completed"]
    await complete(client, user, "les-2")
    await complete(client, user, "les-2")  # completing again must not announce the level again
    await complete(client, user, "les-1")
    messages = await drain(users_platform, catalog.USER_NOTIFICATIONS)
    levels = [e for e in messages if e.type == "level.completed"]
    assert len(levels) == 1
    assert levels[0].data["level_id"] == "lvl-1"
    assert levels[0].data["user_id"] == user.user_id
    codes = sorted(e.data["code"] for e in messages if e.type == "achievement.earned")
    assert codes == ["level_completed"]  # first_lesson was announced with the first completion (drained above)
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["levels"] == [
        {"level_id": "lvl-1", "lessons_completed": 2, "lessons_total": 2, "percent": 100.0, "completed": True}
    ]
    assert summary["levels_completed"] == 1


async def test_content_down_still_records_and_the_level_is_decided_at_the_next_event(
    client: httpx.AsyncClient, users_platform: Platform, content: FakeContent
) -> None:
    await declare_subscriptions(users_platform)
    user = await learner(client, "outage@example.com")
    await complete(client, user, "les-1")
    content.down = True
    during = await complete(client, user, "les-2")
    assert during.status_code == 200
    assert during.json()["xp_awarded"] == xp.LESSON_FIRST_COMPLETION_XP
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["levels_available"] is False
    assert summary["levels_completed"] == 0
    content.down = False
    await exercise(client, user)  # any later event re-checks the pending lesson's level
    levels = [e for e in await drain(users_platform, catalog.USER_NOTIFICATIONS) if e.type == "level.completed"]
    assert len(levels) == 1
    assert (await client.get("/users/me/progress", headers=user.headers)).json()["levels_completed"] == 1


async def test_review_cards_are_created_scheduled_and_answered(client: httpx.AsyncClient, clock: ManualClock) -> None:
    user = await learner(client, "cards@example.com")
    await complete(client, user, "les-1")  # signs hola and gracias, three directions each
    due = (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]
    assert sorted(c["card_id"] for c in due) == sorted(
        f"{sign}:{d}" for sign in ("hola", "gracias") for d in ("sign_to_meaning", "meaning_to_sign", "perform")
    )
    answered = await client.post("/users/me/reviews/hola:perform/answer", json={"rating": "good"}, headers=user.headers)
    assert answered.status_code == 200
    assert answered.json()["xp_awarded"] == xp.REVIEW_DUE_XP
    assert answered.json()["next_due"] > due[0]["due"]
    still_due = (await client.get("/users/me/reviews/due", headers=user.headers)).json()["cards"]
    assert "hola:perform" not in [c["card_id"] for c in still_due]
    early = await client.post("/users/me/reviews/hola:perform/answer", json={"rating": "good"}, headers=user.headers)
    assert early.json()["xp_awarded"] == 0  # not due: no XP
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


async def test_an_exercise_about_a_sign_reviews_that_cards_direction(client: httpx.AsyncClient) -> None:
    user = await learner(client, "dir@example.com")
    await exercise(client, user, sign_id="hola", direction="meaning_to_sign")
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["signs"]["practised"] == 1


async def test_one_learner_cannot_touch_anothers_progress(client: httpx.AsyncClient) -> None:
    alice = await learner(client, "alice@example.com")
    bob = await learner(client, "bob@example.com")
    await complete(client, alice, "les-1", k="alice-key-0001")
    # Bob's own state is empty, whatever Alice did.
    assert (await client.get("/users/me/progress", headers=bob.headers)).json()["xp_total"] == 0
    assert (await client.get("/users/me/reviews/due", headers=bob.headers)).json()["cards"] == []
    # Bob cannot answer Alice's card: card ids address the caller's own deck only.
    stolen = await client.post("/users/me/reviews/hola:perform/answer", json={"rating": "easy"}, headers=bob.headers)
    assert stolen.status_code == 404
    # Bob using Alice's idempotency key records Bob's own event, not a replay of hers.
    mine = await complete(client, bob, "les-1", k="alice-key-0001")
    assert mine.json()["replayed"] is False
    assert (await client.get("/users/me/progress", headers=alice.headers)).json()["xp_total"] == (
        xp.LESSON_FIRST_COMPLETION_XP
    )
    # Bob cannot read or change Alice's profile: there is no route that takes another user's id.
    assert (await client.get(f"/users/{alice.user_id}", headers=bob.headers)).status_code in (404, 405)
    patched = await client.patch("/users/me", json={"display_name": "Bob"}, headers=bob.headers)
    assert patched.json()["user_id"] == bob.user_id
    assert (await client.get("/users/me", headers=alice.headers)).json()["display_name"] == "alice"


async def test_weekly_leaderboard_ranks_by_xp_and_shows_my_rank(client: httpx.AsyncClient) -> None:
    users = [await learner(client, f"lb{i}@example.com") for i in range(4)]
    for i, user in enumerate(users[:3]):
        for _ in range(i + 1):
            await exercise(client, user)
    board = await client.get("/users/leaderboard", params={"language": "lse", "limit": 2}, headers=users[0].headers)
    assert board.status_code == 200
    body = board.json()
    assert [(e["rank"], e["xp"]) for e in body["entries"]] == [(1, 30), (2, 20)]
    assert body["entries"][0]["user_id"] == users[2].user_id
    assert body["me"] == {"rank": 3, "xp": 10}
    nobody = await client.get("/users/leaderboard", params={"language": "lse"}, headers=users[3].headers)
    assert nobody.json()["me"] == {"rank": None, "xp": 0}
    other_language = await client.get("/users/leaderboard", params={"language": "asl"}, headers=users[0].headers)
    assert other_language.json()["entries"] == []
    bad = await client.get("/users/leaderboard", params={"language": "NOT VALID"}, headers=users[0].headers)
    assert bad.status_code == 422
