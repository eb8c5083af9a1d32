"""Filling the inbox from the topics' messages (once per announcement), reading it, and the live stream."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from senas.contracts.progress import AchievementEarned, LevelCompleted
from senas.core.errors import NotFoundError
from senas.platform.tables import Item
from senas.users import keys
from senas.users.accounts.repository import AccountsRepository
from senas.users.context import UsersContext
from senas.users.notifications.repository import NotificationsRepository
from senas.users.notifications.schemas import NotificationOut

log = structlog.get_logger(__name__)


# The live stream re-reads this much of the recent inbox on every poll, so a notification written by a slower,
# concurrent writer (another consumer, another process) with a slightly older id is still delivered.
STREAM_LOOKBACK = timedelta(seconds=10)


def id_time(at: datetime) -> str:
    return keys.iso(at).replace("-", "").replace(":", "").replace(".", "")


def new_id(stored_at: datetime) -> str:
    """Ids sort by the time the notification was *stored* (not by when its event happened: an event delivered
    late must still come after what the live stream has already sent)."""
    return f"{id_time(stored_at)}-{secrets.token_hex(4)}"


def to_out(item: Item) -> NotificationOut:
    return NotificationOut(**{name: item[name] for name in NotificationOut.model_fields})


class NotificationsService:
    def __init__(self, context: UsersContext) -> None:
        self.context = context
        self.repository = NotificationsRepository(context.ports.progress)
        self.accounts = AccountsRepository(context.ports.user_data, context.ports.progress)

    async def _deliver(self, user_id: str, natural_key: str, at: datetime, **fields: Any) -> bool:
        if await self.accounts.is_deleted(user_id):
            return False
        notification = {
            "id": new_id(datetime.now(UTC)),
            "created_at": keys.iso(at),
            "read": False,
            "version": 1,
            **fields,
        }
        stored = await self.repository.add_once(user_id, natural_key, notification)
        if stored:
            self.context.hub.notify(user_id)
        else:
            log.info("duplicate_notification_ignored", user_id=user_id, key=natural_key)
        return stored

    async def achievement_earned(self, message: AchievementEarned) -> bool:
        return await self._deliver(
            message.user_id,
            f"achievement:{message.code}",
            message.earned_at,
            kind="achievement",
            title_es=f"¡Logro desbloqueado: {message.title_es}!",
            title_en=f"Achievement unlocked: {message.title_en}!",
            body_es=f"Has conseguido «{message.title_es}».",
            body_en=f"You earned “{message.title_en}”.",
            data={"code": message.code},
        )

    async def level_completed(self, message: LevelCompleted) -> bool:
        return await self._deliver(
            message.user_id,
            f"level:{message.level_id}",
            message.completed_at,
            kind="level_completed",
            title_es="¡Nivel completado!",
            title_en="Level completed!",
            body_es="Terminaste todas las lecciones del nivel. ¡Sigue así!",
            body_en="You finished every lesson of the level. Keep going!",
            data={"level_id": message.level_id, "language": message.language},
        )

    async def security_notice(
        self, user_id: str, event: str, at: datetime, *, title_es: str, title_en: str, body_es: str, body_en: str
    ) -> bool:
        """Tell the account's owner about a change to its security (each occurrence is its own notification)."""
        return await self._deliver(
            user_id,
            f"security:{event}:{secrets.token_hex(8)}",
            at,
            kind="security",
            title_es=title_es,
            title_en=title_en,
            body_es=body_es,
            body_en=body_en,
            data={"event": event},
        )

    async def inbox(self, user_id: str, *, limit: int, cursor: str | None) -> tuple[list[NotificationOut], str | None]:
        page = await self.repository.page(user_id, limit=limit, cursor=cursor)
        return [to_out(item) for item in page.items], page.cursor

    async def mark_read(self, user_id: str, notification_id: str, now: datetime) -> NotificationOut:
        item = await self.repository.mark_read(user_id, notification_id, keys.iso(now))
        if item is None:
            raise NotFoundError("no existe esa notificación / no such notification", code="notification_not_found")
        return to_out(item)

    async def stream(
        self,
        user_id: str,
        last_event_id: str | None,
        *,
        wake: asyncio.Event | None = None,
        expires_at: float | None = None,
    ) -> AsyncIterator[str]:
        """Server-sent events: each new notification as an ``event: notification``, a comment every
        keep-alive interval so proxies keep the connection, ``event: expired`` and the end when the access token
        that opened the stream expires (``expires_at``, epoch seconds), and the end when the service shuts down.
        ``wake`` is the hub slot the route reserved (one is taken here otherwise)."""
        settings = self.context.config
        hub = self.context.hub
        wake = wake or hub.subscribe(user_id)
        sent: dict[str, float] = {}  # id → when it was sent, for the ids inside the lookback window
        last_sent = time.monotonic()
        try:
            floor = last_event_id or await self.repository.latest_id(user_id)
            yield "retry: 3000\n: connected\n\n"
            while not hub.closed:
                if expires_at is not None and time.time() >= expires_at:
                    yield 'event: expired\ndata: {"reason": "token_expired"}\n\n'
                    return
                polled_at = datetime.now(UTC)
                while True:
                    batch = await self.repository.after(user_id, floor)
                    fresh = [item for item in batch if str(item["id"]) not in sent]
                    for item in fresh:
                        sent[str(item["id"])] = time.monotonic()
                        body = json.dumps(to_out(item).model_dump(), ensure_ascii=False)
                        yield f"id: {item['id']}\nevent: notification\ndata: {body}\n\n"
                        last_sent = time.monotonic()
                    if len(batch) < NotificationsRepository.AFTER_LIMIT or not batch:
                        break
                    floor = str(batch[-1]["id"])  # a long backlog after a reconnect: page through it
                window = id_time(polled_at - STREAM_LOOKBACK)
                floor = max(floor or window, window)
                horizon = time.monotonic() - 2 * STREAM_LOOKBACK.total_seconds()
                sent = {key: when for key, when in sent.items() if when >= horizon}
                if hub.closed:
                    break
                timeout = settings.sse_poll_seconds
                if expires_at is not None:
                    timeout = max(0.0, min(timeout, expires_at - time.time()))
                try:
                    await asyncio.wait_for(wake.wait(), timeout=timeout)
                    wake.clear()
                except TimeoutError:
                    pass
                if time.monotonic() - last_sent >= settings.sse_keepalive_seconds:
                    yield ": keep-alive\n\n"
                    last_sent = time.monotonic()
            yield "event: bye\ndata: {}\n\n"
        finally:
            hub.unsubscribe(user_id, wake)
