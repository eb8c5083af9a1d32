"""Embedded topics: SNS-style fan-out into the queues of a ``SqliteQueues`` database.

Subscriptions live in the queue database (table ``topic_subscriptions``), so every process that opens the
file sees the same ones. Publishing copies the message — body and attributes, like SNS raw message delivery —
into every subscribed queue whose filter accepts its ``type`` attribute, in one transaction: either every
subscriber gets its copy or none does. Each copy gets its own message id, as each SQS queue would.

Filters follow SNS filter policies on one attribute: a subscription with ``filter_types`` takes only messages
whose ``type`` attribute is one of them (a message without a ``type`` matches no filter); a subscription
without a filter takes everything. Topics need no declaration: publishing to a topic nobody subscribed to is
fine. A subscription made by another process to a queue this process does not declare still gets its copies.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from senas.platform.errors import InvalidRequest, NotFound
from senas.platform.queues.local import SqliteQueues, validate_message
from senas.platform.sqlite import write_transaction

if TYPE_CHECKING:
    from senas.platform.topics import Topics

TYPE_ATTRIBUTE = "type"

_SCHEMA = """
    CREATE TABLE IF NOT EXISTS topic_subscriptions (
        topic TEXT NOT NULL,
        queue TEXT NOT NULL,
        filter_types TEXT,
        PRIMARY KEY (topic, queue)
    ) WITHOUT ROWID
"""


class LocalTopics:
    def __init__(self, queues: SqliteQueues) -> None:
        self._queues = queues
        self._schema_ready = False

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        """Inside a write transaction; the caller marks the schema ready once that transaction committed."""
        if not self._schema_ready:
            conn.execute(_SCHEMA)

    async def publish(self, topic: str, body: str, *, attributes: Mapping[str, str] | None = None) -> str:
        _check_name("topic", topic)
        stored_attributes = validate_message(body, attributes)
        message_type = (attributes or {}).get(TYPE_ATTRIBUTE)
        queues = self._queues

        def fan_out(conn: sqlite3.Connection) -> list[str]:
            delivered: list[str] = []
            with write_transaction(conn):
                self._ensure_schema(conn)
                now = queues.now()
                rows: list[tuple[str, str | None]] = conn.execute(
                    "SELECT queue, filter_types FROM topic_subscriptions WHERE topic = ? ORDER BY queue",
                    (topic,),
                ).fetchall()
                for queue, stored_filter in rows:
                    if stored_filter is not None and message_type not in json.loads(stored_filter):
                        continue
                    queues.insert_message(conn, queue, body, stored_attributes, now=now)
                    delivered.append(queue)
            self._schema_ready = True
            return delivered

        for queue in await queues.run(fan_out):
            queues.notify(queue)
        return str(uuid.uuid4())

    async def subscribe(self, topic: str, queue: str, *, filter_types: Collection[str] | None = None) -> None:
        _check_name("topic", topic)
        if not self._queues.declares(queue):
            raise NotFound(f"queue {queue!r} is not declared")
        stored_filter: str | None = None
        if filter_types is not None:
            if isinstance(filter_types, str):
                raise InvalidRequest("filter_types must be a collection of type names, not one string")
            types = sorted(set(filter_types))
            if not types or not all(isinstance(t, str) and t for t in types):
                raise InvalidRequest("filter_types must name at least one message type (or be None for all)")
            stored_filter = json.dumps(types, ensure_ascii=False)

        def upsert(conn: sqlite3.Connection) -> None:
            with write_transaction(conn):
                self._ensure_schema(conn)
                conn.execute(
                    "INSERT INTO topic_subscriptions (topic, queue, filter_types) VALUES (?, ?, ?)"
                    " ON CONFLICT (topic, queue) DO UPDATE SET filter_types = excluded.filter_types",
                    (topic, queue, stored_filter),
                )
            self._schema_ready = True

        await self._queues.run(upsert)

    async def ping(self) -> None:
        def probe(conn: sqlite3.Connection) -> None:
            conn.execute("SELECT 1 FROM queue_messages LIMIT 1").fetchall()

        await self._queues.run(probe)


def _check_name(what: str, name: str) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"a {what} name must be a non-empty string")


if TYPE_CHECKING:  # mypy proves the class satisfies the port

    def _satisfies_port(topics: LocalTopics) -> Topics:
        return topics
