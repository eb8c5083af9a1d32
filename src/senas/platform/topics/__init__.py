"""The topics port, shaped after SNS with SQS subscriptions (raw delivery) and filter policies.

A published message is copied into every subscribed queue whose filter accepts it. The filter matches on message
attributes; the message envelope's ``type`` is always sent as the ``type`` attribute so queues can subscribe to
some types only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class Topics(Protocol):
    async def publish(self, topic: str, body: str, *, attributes: Mapping[str, str] | None = None) -> str:
        """Deliver ``body`` to every matching subscription of ``topic``; returns the message id."""

    async def subscribe(self, topic: str, queue: str, *, filter_types: Collection[str] | None = None) -> None:
        """Copy messages of ``topic`` into ``queue`` (only those whose ``type`` attribute is in
        ``filter_types``, when given). Subscribing the same queue again replaces its filter."""

    async def ping(self) -> None: ...
