"""The message envelope every queue and topic carries: ``{id, type, version, occurred_at, producer, data}``.

Delivery is at-least-once, so consumers dedupe on ``id`` or on a natural key in ``data``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from senas.platform.queues import Queue


class InvalidMessage(ValueError):
    """A body that is not a valid envelope."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=128, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    version: int = Field(ge=1)
    occurred_at: datetime
    producer: str = Field(min_length=1, max_length=64)
    data: dict[str, Any]

    @classmethod
    def new(cls, type: str, data: dict[str, Any], *, producer: str, version: int = 1) -> Envelope:
        return cls(
            id=uuid.uuid4().hex,
            type=type,
            version=version,
            occurred_at=datetime.now(UTC),
            producer=producer,
            data=data,
        )

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, body: str | bytes) -> Envelope:
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise InvalidMessage(f"not a valid message envelope: {problems}") from None


def attributes_of(envelope: Envelope) -> dict[str, str]:
    """Message attributes sent beside the body so subscriptions can filter by type."""
    return {"type": envelope.type, "version": str(envelope.version), "producer": envelope.producer}


async def send(queue: Queue, envelope: Envelope, *, delay_seconds: float = 0) -> str:
    return await queue.send(envelope.to_json(), delay_seconds=delay_seconds, attributes=attributes_of(envelope))


class Publisher(Protocol):
    """One topic, as a service's bootstrap hands it over (``senas.wiring.resources.Topic``)."""

    async def publish(self, body: str, *, attributes: Mapping[str, str] | None = None) -> str: ...


async def publish(topic: Publisher, envelope: Envelope) -> str:
    return await topic.publish(envelope.to_json(), attributes=attributes_of(envelope))
