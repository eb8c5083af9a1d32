"""The queue port, shaped after SQS standard queues with a dead-letter queue.

At-least-once delivery: a received message stays invisible for its visibility timeout; unless deleted (acked)
in time it becomes visible again with its receive count raised. When a message would be received more than the
queue's ``max_receive_count`` times it is moved to the queue's dead-letter queue instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class QueueConfig:
    """How a queue behaves; on AWS these live on the SQS queue (Terraform), locally in the wiring."""

    name: str
    visibility_timeout: float = 30.0
    max_receive_count: int = 5
    dead_letter_queue: str | None = None  # name of the DLQ; None means messages are never moved


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    body: str
    receipt: str  # handle valid for this delivery only: delete/change_visibility with it
    receive_count: int
    attributes: Mapping[str, str] = field(default_factory=dict)
    sent_at: float = 0.0  # epoch seconds


@dataclass(frozen=True)
class QueueDepth:
    visible: int
    in_flight: int
    delayed: int


@runtime_checkable
class Queue(Protocol):
    name: str

    async def send(self, body: str, *, delay_seconds: float = 0, attributes: Mapping[str, str] | None = None) -> str:
        """Enqueue; returns the message id. The message becomes visible after ``delay_seconds``."""

    async def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        """Up to ``max_messages`` (1–10) visible messages, waiting up to ``wait_seconds`` for at least one
        (long polling). Each received message is hidden for ``visibility_timeout`` (queue default when None)."""

    async def delete(self, receipt: str) -> None:
        """Acknowledge a delivery. A stale receipt (the message was redelivered since) is ignored as SQS does."""

    async def change_visibility(self, receipt: str, timeout: float) -> None:  # noqa: ASYNC109 (SQS's name)
        """Hide the delivered message for ``timeout`` more seconds from now (0 makes it visible at once)."""

    async def depth(self) -> QueueDepth: ...

    async def redrive_dead_letters(self, *, max_messages: int | None = None) -> int:
        """Move messages from this queue's DLQ back to it (receive count reset); returns how many moved."""

    async def purge(self) -> None: ...

    async def ping(self) -> None:
        """Raise Unavailable when the queue cannot be reached (used by readiness)."""


@runtime_checkable
class Queues(Protocol):
    """Gives access to the named queues of one deployment."""

    def queue(self, name: str) -> Queue:
        """The queue called ``name``. Raises NotFound for a queue the deployment does not declare."""

    async def close(self) -> None: ...
