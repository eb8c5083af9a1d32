"""Deliberately broken queues, each wrong in exactly one way.

``test_queues_catches_broken.py`` runs the contract suite against each of them (selected through
``SENAS_CONTRACT_QUEUES_IMPL=broken-…``) to prove that the suite notices the breakage. Each variant wraps the
real SQLite queue and changes one behaviour, so everything else stays correct.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from senas.platform.queues import Queue, QueueConfig, QueueDepth, Queues, ReceivedMessage
from senas.platform.queues.local import SqliteQueues


class PassThrough:
    """A ``Queue`` that forwards every call; variants override the one they break."""

    def __init__(self, inner: Queue) -> None:
        self.inner = inner
        self.name = inner.name

    async def send(self, body: str, *, delay_seconds: float = 0, attributes: Mapping[str, str] | None = None) -> str:
        return await self.inner.send(body, delay_seconds=delay_seconds, attributes=attributes)

    async def receive(
        self, *, max_messages: int = 1, wait_seconds: float = 0, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        return await self.inner.receive(
            max_messages=max_messages, wait_seconds=wait_seconds, visibility_timeout=visibility_timeout
        )

    async def delete(self, receipt: str) -> None:
        await self.inner.delete(receipt)

    async def change_visibility(self, receipt: str, timeout: float) -> None:
        await self.inner.change_visibility(receipt, timeout)

    async def depth(self) -> QueueDepth:
        return await self.inner.depth()

    async def redrive_dead_letters(self, *, max_messages: int | None = None) -> int:
        return await self.inner.redrive_dead_letters(max_messages=max_messages)

    async def purge(self) -> None:
        await self.inner.purge()

    async def ping(self) -> None:
        await self.inner.ping()


class IgnoresVisibilityTimeout(PassThrough):
    """Hands out in-flight messages: a received message is visible again at once."""

    async def receive(
        self, *, max_messages: int = 1, wait_seconds: float = 0, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        return await self.inner.receive(max_messages=max_messages, wait_seconds=wait_seconds, visibility_timeout=0)


class IgnoresDelay(PassThrough):
    async def send(self, body: str, *, delay_seconds: float = 0, attributes: Mapping[str, str] | None = None) -> str:
        return await self.inner.send(body, attributes=attributes)


class StaleReceiptDeletes(PassThrough):
    """Deletes the message a receipt belonged to even when it has been redelivered since."""

    def __init__(self, inner: Queue) -> None:
        super().__init__(inner)
        self._message_of: dict[str, str] = {}
        self._latest_receipt: dict[str, str] = {}

    async def receive(
        self, *, max_messages: int = 1, wait_seconds: float = 0, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        messages = await super().receive(
            max_messages=max_messages, wait_seconds=wait_seconds, visibility_timeout=visibility_timeout
        )
        for message in messages:
            self._message_of[message.receipt] = message.message_id
            self._latest_receipt[message.message_id] = message.receipt
        return messages

    async def delete(self, receipt: str) -> None:
        message_id = self._message_of.get(receipt)
        await self.inner.delete(self._latest_receipt.get(message_id, receipt) if message_id else receipt)


class NoLongPolling(PassThrough):
    """Never waits: an empty queue answers [] at once whatever ``wait_seconds`` says."""

    async def receive(
        self, *, max_messages: int = 1, wait_seconds: float = 0, visibility_timeout: float | None = None
    ) -> list[ReceivedMessage]:
        return await self.inner.receive(max_messages=max_messages, visibility_timeout=visibility_timeout)


class WrappedQueues:
    def __init__(self, inner: SqliteQueues, wrap: Callable[[Queue], Queue]) -> None:
        self._inner = inner
        self._wrap = wrap
        self._queues: dict[str, Queue] = {}

    def queue(self, name: str) -> Queue:
        if name not in self._queues:
            self._queues[name] = self._wrap(self._inner.queue(name))
        return self._queues[name]

    async def close(self) -> None:
        await self._inner.close()


Factory = Callable[[Path, Sequence[QueueConfig]], AbstractAsyncContextManager[Queues]]


def wrapping(wrap: Callable[[Queue], Queue]) -> Factory:
    @contextlib.asynccontextmanager
    async def factory(tmp_path: Path, configs: Sequence[QueueConfig]) -> AsyncIterator[Queues]:
        queues = WrappedQueues(SqliteQueues(tmp_path / "queues.db", configs), wrap)
        try:
            yield queues
        finally:
            await queues.close()

    return factory


@contextlib.asynccontextmanager
async def never_dead_letters(tmp_path: Path, configs: Sequence[QueueConfig]) -> AsyncIterator[Queues]:
    """The dead-letter queues exist, but no message is ever moved to one."""
    unlimited = [dataclasses.replace(config, max_receive_count=10**9) for config in configs]
    queues = SqliteQueues(tmp_path / "queues.db", unlimited)
    try:
        yield queues
    finally:
        await queues.close()


BROKEN_VARIANTS: dict[str, Factory] = {
    "broken-no-dlq": never_dead_letters,
    "broken-ignores-visibility": wrapping(IgnoresVisibilityTimeout),
    "broken-ignores-delay": wrapping(IgnoresDelay),
    "broken-stale-receipt-deletes": wrapping(StaleReceiptDeletes),
    "broken-no-long-poll": wrapping(NoLongPolling),
}
