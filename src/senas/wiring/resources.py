"""What a service takes from the platform, declared once, by logical name.

A service declares its ports as a dataclass whose fields say what they are::

    @dataclass(frozen=True)
    class MlPorts:
        sessions: Table = table(catalog.AI_SESSIONS)
        models: BlobStore = bucket(catalog.ML_MODELS)

``resolve(MlPorts, platform)`` fills it from the platform (logical → physical names in this one place), and the
same declaration drives the service's readiness checks and the queues it may consume: what a service declares and
what it is given are the same data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from senas.platform.blobs import BlobStore
from senas.platform.queues import Queue
from senas.platform.topics import Topics
from senas.wiring.platform import Platform

Kind = Literal["table", "bucket", "queue", "topic"]
_NEED = "senas.need"
T = TypeVar("T")


@dataclass(frozen=True)
class Need:
    kind: Kind
    logical: str


def _declare(kind: Kind, logical: str) -> Any:
    return dataclasses.field(metadata={_NEED: Need(kind, logical)})


def table(logical: str) -> Any:
    """A key-value table (``catalog.TABLES``)."""
    return _declare("table", logical)


def bucket(logical: str) -> Any:
    """A blob store (``catalog.BUCKETS``)."""
    return _declare("bucket", logical)


def queue(logical: str) -> Any:
    """A queue the service sends to or consumes (``catalog.WORK_QUEUES``)."""
    return _declare("queue", logical)


def topic(logical: str) -> Any:
    """A topic the service publishes to (``catalog.TOPICS``)."""
    return _declare("topic", logical)


@dataclass(frozen=True)
class Topic:
    """One topic of the topics port, under its physical name."""

    topics: Topics
    name: str

    async def publish(self, body: str, *, attributes: Mapping[str, str] | None = None) -> str:
        return await self.topics.publish(self.name, body, attributes=attributes)


def needs(ports: object) -> dict[str, Need]:
    """Field name → what it declares."""
    return {
        f.name: f.metadata[_NEED]
        for f in dataclasses.fields(ports)  # type: ignore[arg-type]
        if _NEED in f.metadata
    }


def resolve(declaration: type[T], platform: Platform) -> T:
    """The declared ports, taken from the platform under their physical names."""
    settings = platform.settings
    values: dict[str, Any] = {}
    for field in dataclasses.fields(declaration):  # type: ignore[arg-type]
        need: Need | None = field.metadata.get(_NEED)
        if need is None:
            continue
        if need.kind == "table":
            values[field.name] = platform.tables.table(settings.table_name(need.logical))
        elif need.kind == "bucket":
            values[field.name] = platform.blobs.store(settings.resource_name(need.logical))
        elif need.kind == "queue":
            values[field.name] = platform.queues.queue(settings.resource_name(need.logical))
        else:
            values[field.name] = Topic(platform.topics, settings.resource_name(need.logical))
    return declaration(**values)


def readiness_checks(ports: object) -> dict[str, Callable[[], Awaitable[None]]]:
    """One check per declared table, bucket and queue, named ``<kind>:<logical name>``. Topics are written to,
    never read, and a publish failure is retried by the outbox: they are not part of readiness."""
    checks: dict[str, Callable[[], Awaitable[None]]] = {}
    for name, need in needs(ports).items():
        if need.kind != "topic":
            checks[f"{need.kind}:{need.logical}"] = getattr(ports, name).ping
    return checks


def declared(ports: object, kind: Kind, logical: str) -> Any:
    """The declared port of that kind and logical name; a service cannot use what it did not declare."""
    for name, need in needs(ports).items():
        if need.kind == kind and need.logical == logical:
            return getattr(ports, name)
    raise LookupError(f"{type(ports).__name__} declares no {kind} {logical!r}")


def queue_of(ports: object, logical: str) -> Queue:
    found: Queue = declared(ports, "queue", logical)
    return found


class DeclaredPorts:
    """Base of a service's port declaration: look-ups by logical name, where data names the resource (a media row
    its bucket, an outbox item its topic), among what the service declared — never beyond it."""

    def bucket(self, logical: str) -> BlobStore:
        found: BlobStore = declared(self, "bucket", logical)
        return found

    def topic(self, logical: str) -> Topic:
        found: Topic = declared(self, "topic", logical)
        return found
