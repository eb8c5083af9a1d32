"""The queue side: practice results counted once per session, notifications landing once per announcement
under redelivery, the inbox routes and the live stream."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import httpx
import pytest
from users_support import FakeContent, learner, play

from senas.contracts.base import ContractMismatch
from senas.contracts.progress import AchievementEarned, LevelCompleted, PracticeScored
from senas.core.consumer import Consumer, Delivery
from senas.core.messages import Envelope, send
from senas.platform import catalog
from senas.users.consumers import NotificationsConsumer, PracticeResultsConsumer
from senas.users.context import UsersContext
from senas.users.progress import xp
from senas.wiring import Platform, declare_subscriptions


def delivery(queue: str, count: int = 1) -> Delivery:
    return Delivery(queue=queue, message_id="m", receive_count=count, max_receive_count=5)


def scored(user_id: str, session: str, *, passed: bool = True, sign: str = "hola") -> Envelope:
    return PracticeScored(
        session_id=session,
        user_id=user_id,
        sign_id=sign,
        language="lse",
        score=92 if passed else 30,
        passed=passed,
        mode="landmarks",
        scored_at=datetime(2025, 10, 20, 9, 0, tzinfo=UTC),
    ).to_envelope("ml")


async def test_a_practice_result_counts_once_however_often_delivered(
    client: httpx.AsyncClient, runtime: UsersContext
) -> None:
    user = await learner(client, "cam@example.com")
    handle = PracticeResultsConsumer(runtime).handlers()["practice.scored"]
    envelope = scored(user.user_id, "sess-1")
    for attempt in range(1, 4):
        await handle(envelope, delivery(catalog.PRACTICE_RESULTS, attempt))
    # The ML service publishing the same session twice (a new envelope id) is still one session.
    await handle(scored(user.user_id, "sess-1"), delivery(catalog.PRACTICE_RESULTS))
    summary = (await client.get("/users/me/progress", headers=user.headers)).json()
    assert summary["xp_total"] == xp.PRACTICE_PASSED_XP
    assert summary["signs"]["practised"] == 1
    await handle(scored(user.user_id, "sess-2", passed=False), delivery(catalog.PRACTICE_RESULTS))
    assert (await client.get("/users/me/progress", headers=user.headers)).json()["xp_total"] == xp.PRACTICE_PASSED_XP
    achievements = (await client.get("/users/me/achievements", headers=user.headers)).json()["achievements"]
    assert [a["code"] for a in achievements if a["earned"]] == ["first_camera_pass"]


async def test_a_malformed_practice_message_is_rejected(runtime: UsersContext) -> None:
    handle = PracticeResultsConsumer(runtime).handlers()["practice.scored"]
    bad = Envelope.new("practice.scored", {"session_id": "s", "score": 250}, producer="ml")
    with pytest.raises(ContractMismatch):
        await handle(bad, delivery(catalog.PRACTICE_RESULTS))


async def test_achievement_and_level_messages_land_once_under_redelivery(
    client: httpx.AsyncClient, runtime: UsersContext
) -> None:
    user = await learner(client, "inbox@example.com")
    handlers = NotificationsConsumer(runtime).handlers()
    earned = AchievementEarned(
        user_id=user.user_id,
        code="streak_3",
        title_es="Racha de 3 días",
        title_en="3-day streak",
        earned_at=datetime(2025, 10, 20, tzinfo=UTC),
    )
    level = LevelCompleted(
        user_id=user.user_id, level_id="lvl-1", language="lse", completed_at=datetime(2025, 10, 20, tzinfo=UTC)
    )
    achievement_envelope = earned.to_envelope("users")
    for attempt in range(1, 4):  # redelivered …
        await handlers["achievement.earned"](achievement_envelope, delivery(catalog.USER_NOTIFICATIONS, attempt))
        await handlers["level.completed"](level.to_envelope("users"), delivery(catalog.USER_NOTIFICATIONS, attempt))
    # … and published twice (a crash between publishing and clearing the outbox).
    await handlers["achievement.earned"](earned.to_envelope("users"), delivery(catalog.USER_NOTIFICATIONS))
    inbox = (await client.get("/users/me/notifications", headers=user.headers)).json()["notifications"]
    assert sorted(n["kind"] for n in inbox) == ["achievement", "level_completed"]
    assert all(not n["read"] for n in inbox)
    first = inbox[0]["id"]
    read = await client.post(f"/users/me/notifications/{first}/read", headers=user.headers)
    assert read.status_code == 200
    assert read.json()["read"] is True
    other = await learner(client, "nosy@example.com")
    assert (await client.post(f"/users/me/notifications/{first}/read", headers=other.headers)).status_code == 404
    assert (await client.get("/users/me/notifications", headers=other.headers)).json()["notifications"] == []
    assert (await client.post("/users/me/notifications/bad id/read", headers=user.headers)).status_code == 422
    bad_cursor = await client.get("/users/me/notifications", params={"cursor": "garbage"}, headers=user.headers)
    assert bad_cursor.status_code == 422


async def test_progress_to_inbox_end_to_end_with_the_real_consumer(
    client: httpx.AsyncClient, users_platform: Platform, runtime: UsersContext, content: FakeContent
) -> None:
    """Completion → outbox → topic → user-notifications queue → consumer → inbox, with every message also
    redelivered once (the queue sees it again), and still one notification per achievement."""
    await declare_subscriptions(users_platform)
    user = await learner(client, "e2e@example.com")
    for lesson in ("les-1", "les-2"):
        assert (await play(client, content, user, lesson))["perfect"] is True
    await runtime.background.idle()
    queue = users_platform.queues.queue(users_platform.settings.resource_name(catalog.USER_NOTIFICATIONS))
    # Duplicate every queued message, as an at-least-once transport may.
    copies = await queue.receive(max_messages=10)
    for message in copies:
        await send(queue, Envelope.from_json(message.body))
        await queue.change_visibility(message.receipt, 0)
    consumer = Consumer(queue, NotificationsConsumer(runtime).handlers(), wait_seconds=0.05)
    task = asyncio.create_task(consumer.run())
    for _ in range(100):
        if (await queue.depth()).visible == 0 and (await queue.depth()).in_flight == 0:
            break
        await asyncio.sleep(0.05)
    consumer.stop()
    await task
    inbox = (await client.get("/users/me/notifications", headers=user.headers)).json()["notifications"]
    kinds = sorted((n["kind"], n["data"].get("code") or n["data"].get("level_id")) for n in inbox)
    assert kinds == [
        ("achievement", "first_lesson"),
        ("achievement", "level_completed"),
        ("achievement", "perfect_lesson"),
        ("level_completed", "lvl-1"),
    ]


async def test_the_live_stream_sends_new_notifications_and_ends_on_shutdown(
    client: httpx.AsyncClient, runtime: UsersContext
) -> None:
    user = await learner(client, "live@example.com")
    handlers = NotificationsConsumer(runtime).handlers()
    runtime.config = runtime.config.model_copy(update={"sse_keepalive_seconds": 0.05, "sse_poll_seconds": 0.05})

    async def read_stream() -> str:
        response = await client.get("/users/me/notifications/stream", headers=user.headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return response.text

    reader = asyncio.create_task(read_stream())
    for _ in range(100):
        if runtime.hub.streams():
            break
        await asyncio.sleep(0.01)
    level = LevelCompleted(
        user_id=user.user_id, level_id="lvl-9", language="lse", completed_at=datetime(2025, 10, 20, tzinfo=UTC)
    )
    await handlers["level.completed"](level.to_envelope("users"), delivery(catalog.USER_NOTIFICATIONS))
    await asyncio.sleep(0.2)
    runtime.hub.close()
    text = await asyncio.wait_for(reader, timeout=5)
    assert ": keep-alive" in text
    assert "event: notification" in text
    assert '"level_id": "lvl-9"' in text
    assert text.rstrip().endswith("data: {}")  # the closing "bye" event
    assert runtime.hub.streams() == 0
    with contextlib.suppress(Exception):
        reader.cancel()


async def test_the_live_stream_misses_nothing_delivered_late_or_at_the_same_instant(
    client: httpx.AsyncClient, runtime: UsersContext
) -> None:
    """Events that happened at the same instant, and an event delivered after newer ones were streamed (a
    redelivery, the outbox sweep), each reach the open stream exactly once."""
    user = await learner(client, "late@example.com")
    handlers = NotificationsConsumer(runtime).handlers()
    runtime.config = runtime.config.model_copy(update={"sse_keepalive_seconds": 5, "sse_poll_seconds": 0.05})

    async def read_stream() -> str:
        response = await client.get("/users/me/notifications/stream", headers=user.headers)
        return response.text

    reader = asyncio.create_task(read_stream())
    for _ in range(100):
        if runtime.hub.streams():
            break
        await asyncio.sleep(0.01)
    same_instant = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for code in ("first_lesson", "perfect_lesson"):
        earned = AchievementEarned(
            user_id=user.user_id, code=code, title_es=code, title_en=code, earned_at=same_instant
        )
        await handlers["achievement.earned"](earned.to_envelope("users"), delivery(catalog.USER_NOTIFICATIONS))
    await asyncio.sleep(0.2)
    late = LevelCompleted(
        user_id=user.user_id, level_id="lvl-late", language="lse", completed_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    await handlers["level.completed"](late.to_envelope("users"), delivery(catalog.USER_NOTIFICATIONS))
    await asyncio.sleep(0.2)
    runtime.hub.close()
    text = await asyncio.wait_for(reader, timeout=5)
    assert text.count("event: notification") == 3, text
    for expected in ('"code": "first_lesson"', '"code": "perfect_lesson"', '"level_id": "lvl-late"'):
        assert text.count(expected) == 1, (expected, text)
