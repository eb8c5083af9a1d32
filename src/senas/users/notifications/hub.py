"""Wakes the live streams of a user in this process when their inbox changes. Streams also re-read the inbox
every few seconds, so a notification written by another process (another replica's consumer) still arrives."""

from __future__ import annotations

import asyncio
from collections import defaultdict


class NotificationHub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._closed = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def subscribe(self, user_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters[user_id].add(event)
        if self.closed:
            event.set()
        return event

    def try_subscribe(self, user_id: str, limit: int) -> asyncio.Event | None:
        """A new stream's waiter, or None when ``user_id`` already holds ``limit`` streams in this process (the
        check and the registration happen together: no await between them)."""
        if len(self._waiters.get(user_id, ())) >= limit:
            return None
        return self.subscribe(user_id)

    def streams_of(self, user_id: str) -> int:
        return len(self._waiters.get(user_id, ()))

    def unsubscribe(self, user_id: str, event: asyncio.Event) -> None:
        waiters = self._waiters.get(user_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                del self._waiters[user_id]

    def notify(self, user_id: str) -> None:
        for event in self._waiters.get(user_id, ()):
            event.set()

    def close(self) -> None:
        """On shutdown: every open stream ends."""
        self._closed.set()
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    def streams(self) -> int:
        return sum(len(waiters) for waiters in self._waiters.values())
