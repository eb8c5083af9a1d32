"""The consumer runner: long-polls one queue, dispatches each message by its envelope ``type`` to a handler,
acks on success and leaves failures for redelivery (and so, after N receives, for the dead-letter queue).

Concurrency is bounded; while a handler runs, the message's visibility is extended so slow work (video
processing) is not handed to a second consumer. ``stop()`` (wired to SIGTERM) stops polling; what was already
received is finished before ``run`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog

from senas.core.messages import Envelope, InvalidMessage
from senas.core.metrics import ServiceMetrics
from senas.platform.errors import PortError
from senas.platform.queues import Queue, ReceivedMessage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What a handler may want to know about this delivery besides the envelope."""

    queue: str
    message_id: str
    receive_count: int
    max_receive_count: int

    @property
    def is_last_attempt(self) -> bool:
        """True when failing now sends the message to the dead-letter queue: record the failure for the user."""
        return self.receive_count >= self.max_receive_count


Handler = Callable[[Envelope, Delivery], Awaitable[None]]


class MessageConsumer(Protocol):
    """The one shape of every queue consumer: a class built with what it needs (by the service's bootstrap) that
    names the message types it handles."""

    def handlers(self) -> Mapping[str, Handler]:
        """Message type → handler."""


@dataclass(frozen=True)
class QueueBinding:
    """A queue and what consumes it, as a service's composition root hands them to the app factory."""

    queue: Queue
    consumer: MessageConsumer
    visibility_timeout: float = 30.0


class UnhandledMessageType(Exception):
    pass


class Consumer:
    def __init__(
        self,
        queue: Queue,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 4,
        wait_seconds: float = 2.0,
        visibility_timeout: float = 30.0,
        max_receive_count: int = 5,
        metrics: ServiceMetrics | None = None,
        error_backoff: float = 1.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue
        self.handlers = dict(handlers)
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.visibility_timeout = visibility_timeout
        self.max_receive_count = max_receive_count
        self.metrics = metrics
        self.error_backoff = error_backoff
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self.handled = 0
        self.failed = 0

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> None:
        log.info("consumer_started", queue=self.queue.name, concurrency=self.concurrency)
        slots = asyncio.Semaphore(self.concurrency)
        try:
            while not self._stopping.is_set():
                await slots.acquire()
                free = 1
                # Take as many free slots as are available right now, up to a batch of 10 (SQS's limit).
                while free < min(10, self.concurrency) and not slots.locked():
                    await slots.acquire()
                    free += 1
                try:
                    messages = await self.queue.receive(
                        max_messages=free,
                        wait_seconds=self.wait_seconds,
                        visibility_timeout=self.visibility_timeout,
                    )
                except PortError as exc:
                    log.warning("receive_failed", queue=self.queue.name, error=str(exc))
                    messages = []
                    await self._sleep_unless_stopping(self.error_backoff)
                for _ in range(free - len(messages)):
                    slots.release()
                for message in messages:
                    task = asyncio.create_task(self._handle(message, slots))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            log.info("consumer_stopped", queue=self.queue.name, handled=self.handled, failed=self.failed)

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _handle(self, message: ReceivedMessage, slots: asyncio.Semaphore) -> None:
        message_type = message.attributes.get("type", "unknown")
        heartbeat = asyncio.create_task(self._keep_invisible(message))
        bound = log.bind(queue=self.queue.name, message_id=message.message_id, receive_count=message.receive_count)
        try:
            envelope = Envelope.from_json(message.body)
            message_type = envelope.type
            handler = self.handlers.get(envelope.type)
            if handler is None:
                raise UnhandledMessageType(f"no handler for message type {envelope.type!r}")
            delivery = Delivery(
                queue=self.queue.name,
                message_id=message.message_id,
                receive_count=message.receive_count,
                max_receive_count=self.max_receive_count,
            )
            with structlog.contextvars.bound_contextvars(message_id=envelope.id, message_type=envelope.type):
                await handler(envelope, delivery)
        except (InvalidMessage, UnhandledMessageType) as exc:
            self.failed += 1
            self._count(message_type, "rejected")
            bound.error("message_rejected", error=str(exc))
        except Exception as exc:
            self.failed += 1
            self._count(message_type, "failed")
            bound.exception("message_failed", error_type=type(exc).__name__)
        else:
            heartbeat.cancel()
            try:
                await self.queue.delete(message.receipt)
            except PortError as exc:
                # The effect happened; the redelivery this causes is absorbed by the handler's idempotency.
                bound.warning("ack_failed", error=str(exc))
            self.handled += 1
            self._count(message_type, "handled")
        finally:
            heartbeat.cancel()
            slots.release()

    async def _keep_invisible(self, message: ReceivedMessage) -> None:
        interval = max(self.visibility_timeout / 2, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.queue.change_visibility(message.receipt, self.visibility_timeout)
            except PortError as exc:
                log.warning("visibility_extension_failed", message_id=message.message_id, error=str(exc))

    def _count(self, message_type: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.messages.labels(self.metrics.service, self.queue.name, message_type, outcome).inc()
