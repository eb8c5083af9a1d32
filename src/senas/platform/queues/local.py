"""The embedded queue: SQS standard-queue semantics on one SQLite file.

Every message is one row of ``queue_messages``. A row is *visible* when ``visible_at <= now``; receiving
claims rows by pushing ``visible_at`` into the future, raising ``receive_count`` and writing a fresh random
receipt, all in one ``BEGIN IMMEDIATE`` transaction, so two consumers — in this process or any other process
that opens the same file — never get the same message within its visibility timeout. Delete and
change-visibility match on the receipt, which makes the receipts of earlier deliveries stale (a silent no-op,
as on SQS).

Receiving hands out messages in the order they became visible (send order, for messages never received), as
far as a standard queue promises any order.

Dead-letter rule (SQS redrive policy): a message that has already been received ``max_receive_count`` times is
moved to the dead-letter queue at the moment it would be received again, instead of being returned. The moved
message **keeps its receive count**, as SQS does; ``redrive_dead_letters`` moves it back with the count reset
to 0.

All SQLite work runs on one dedicated thread per ``SqliteQueues`` that owns the only connection, so the event
loop never blocks and the connection is never shared between threads. Long polling waits on the event loop: it
re-checks every ``poll_interval`` (other processes cannot signal us) and wakes at once when this process sends
to, redrives into or releases a message of the queue.

Durability: WAL journal. ``synchronous=NORMAL`` (the default) survives a crash or SIGKILL of any process; an
operating-system crash or power loss may lose the last commits but never corrupts the file. Pass
``synchronous="FULL"`` to fsync every commit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import re
import secrets
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Literal, TypeVar

from senas.platform.errors import InvalidRequest, NotFound, Unavailable
from senas.platform.queues import Queue, QueueConfig, QueueDepth, Queues, ReceivedMessage
from senas.platform.sqlite import open_database, write_transaction

T = TypeVar("T")

# SQS limits, enforced here too so that code which works on the embedded queue also works on AWS.
MAX_BATCH = 10
MAX_WAIT_SECONDS = 20.0
MAX_DELAY_SECONDS = 900.0
MAX_VISIBILITY_TIMEOUT = 43_200.0
MAX_BODY_BYTES = 262_144
MAX_ATTRIBUTES = 10

BUSY_TIMEOUT_SECONDS = 15.0
SCHEMA_VERSION = 1

_RECEIPT = re.compile(r"(\d+)\.([0-9a-f]{24})")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
# Characters SQS refuses in a message body (anything outside #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000+).
_FORBIDDEN_BODY_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NO_ATTRIBUTES = "{}"

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS queue_messages (
        seq INTEGER PRIMARY KEY,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        sent_at REAL NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT,
        dead_lettered_from TEXT
    )
    """,
    # Serves receive (ORDER BY visible_at, seq with LIMIT stops after the batch), depth and purge.
    "CREATE INDEX IF NOT EXISTS queue_messages_by_visibility ON queue_messages (queue, visible_at, seq)",
)


def _validate_attributes(attributes: Mapping[str, str] | None) -> str:
    if not attributes:
        return _NO_ATTRIBUTES
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidRequest(f"at most {MAX_ATTRIBUTES} message attributes are allowed")
    for name, value in attributes.items():
        if not isinstance(name, str) or not _ATTRIBUTE_NAME.fullmatch(name):
            raise InvalidRequest(f"invalid message attribute name {name!r}")
        if name.lower().startswith(("aws.", "amazon.")):
            raise InvalidRequest(f"message attribute names may not start with AWS. or Amazon.: {name!r}")
        if not isinstance(value, str) or not value:
            raise InvalidRequest(f"message attribute {name!r} must be a non-empty string")
    return json.dumps(dict(attributes), ensure_ascii=False, separators=(",", ":"))


def validate_message(body: str, attributes: Mapping[str, str] | None) -> str:
    """Check a message against the SQS limits; returns the attributes serialised for storage."""
    if not isinstance(body, str) or not body:
        raise InvalidRequest("a message body must be a non-empty string")
    if len(body) * 4 > MAX_BODY_BYTES and len(body.encode()) > MAX_BODY_BYTES:
        raise InvalidRequest(f"a message body may be at most {MAX_BODY_BYTES} bytes")
    if _FORBIDDEN_BODY_CHARS.search(body):
        raise InvalidRequest("the message body contains characters SQS does not allow")
    return _validate_attributes(attributes)


def check_seconds(what: str, value: float, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= maximum:
        raise InvalidRequest(f"{what} must be between 0 and {maximum:g} seconds, got {value!r}")
    return float(value)


def check_receive(
    max_messages: int, wait_seconds: float, visibility_timeout: float | None
) -> tuple[float, float | None]:
    """SQS's limits on a receive, the same on both implementations: (wait, visibility or None)."""
    if isinstance(max_messages, bool) or not isinstance(max_messages, int) or not 1 <= max_messages <= MAX_BATCH:
        raise InvalidRequest(f"max_messages must be between 1 and {MAX_BATCH}, got {max_messages!r}")
    wait = check_seconds("wait_seconds", wait_seconds, MAX_WAIT_SECONDS)
    if visibility_timeout is None:
        return wait, None
    return wait, check_seconds("visibility_timeout", visibility_timeout, MAX_VISIBILITY_TIMEOUT)


def _parse_receipt(receipt: str) -> tuple[int, str]:
    match = _RECEIPT.fullmatch(receipt) if isinstance(receipt, str) else None
    if match is None:
        raise InvalidRequest("malformed receipt handle")
    return int(match.group(1)), match.group(2)


@dataclass(frozen=True)
class _Claimed:
    messages: list[ReceivedMessage]
    dead_lettered: bool


class _Waiters:
    """Receivers that are long-polling a queue in this process, so that a send can wake them at once.

    Each waiter is a future of the event loop it waits on; waking goes through ``call_soon_threadsafe`` so any
    thread or loop may notify.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_queue: dict[str, set[asyncio.Future[None]]] = {}

    def register(self, queue: str) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._by_queue.setdefault(queue, set()).add(waiter)
        return waiter

    def discard(self, queue: str, waiter: asyncio.Future[None]) -> None:
        with self._lock:
            waiting = self._by_queue.get(queue)
            if waiting is not None:
                waiting.discard(waiter)

    def notify(self, queue: str) -> None:
        with self._lock:
            waiting = list(self._by_queue.get(queue, ()))
        for waiter in waiting:
            _wake(waiter)

    def notify_all(self) -> None:
        with self._lock:
            queues = list(self._by_queue)
        for queue in queues:
            self.notify(queue)


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wake(waiter: asyncio.Future[None]) -> None:
    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting on it any more
        waiter.get_loop().call_soon_threadsafe(_set_done, waiter)


def _settle(
    future: asyncio.Future[T],
    result: T | None,
    error: BaseException | None,
    orphaned: Callable[[T], None] | None,
) -> None:
    """On the waiting loop: complete ``future``, or hand a result nobody will read to ``orphaned``."""
    if future.cancelled():
        if error is None and orphaned is not None:
            orphaned(result)  # type: ignore[arg-type]  # no error, so the job returned a T
    elif error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class _DatabaseThread:
    """The one thread that owns the SQLite connection; runs jobs in order, for any event loop or thread.

    A plain thread with a ``SimpleQueue`` rather than a ``ThreadPoolExecutor``: one hop costs about half as
    much, and every queue operation is one hop.
    """

    def __init__(self, name: str) -> None:
        self._jobs: SimpleQueue[Callable[[], None] | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._stopped = False
        # A daemon: a process that never closes its queues can still exit.
        self._thread = threading.Thread(target=self._serve, args=(self._jobs,), name=name, daemon=True)
        self._thread.start()

    @staticmethod
    def _serve(jobs: SimpleQueue[Callable[[], None] | None]) -> None:
        while (job := jobs.get()) is not None:
            job()

    def put(self, job: Callable[[], None]) -> None:
        with self._lock:  # so that no job lands behind the stop marker, where it would never run
            if self._stopped:
                raise Unavailable("the queue database is closed")
            self._jobs.put(job)

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the thread and block until it is done (for the synchronous constructor)."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def job() -> None:
            try:
                done.set_result(work())
            except BaseException as exc:
                done.set_exception(exc)

        self.put(job)
        return done.result()

    def stop(self) -> None:
        with self._lock:
            if not self._stopped:
                self._stopped = True
                self._jobs.put(None)


class SqliteQueues:
    """The queues of one deployment in one SQLite file (see the module docstring for the semantics)."""

    def __init__(
        self,
        path: Path,
        configs: Iterable[QueueConfig],
        *,
        clock: Callable[[], float] = time.time,
        poll_interval: float = 0.05,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
    ) -> None:
        self.path = Path(path)
        self._configs = {config.name: config for config in configs}
        for config in self._configs.values():
            _validate_config(config, self._configs)
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        self._clock = clock
        self.poll_interval = poll_interval
        self._synchronous = synchronous
        self._waiters = _Waiters()
        self._queues = {name: SqliteQueue(self, config) for name, config in self._configs.items()}
        self._closed = False
        self._conn: sqlite3.Connection | None = None
        self._thread = _DatabaseThread(f"senas-queues:{self.path.name}")
        weakref.finalize(self, self._thread.stop)  # a forgotten close() must not leave the thread behind
        try:
            self._thread.call(self._open)
        except (OSError, sqlite3.Error) as exc:
            self._thread.stop()
            raise Unavailable(f"cannot open the queue database {self.path}: {exc}") from exc

    # -- the Queues port -----------------------------------------------------------------------------------

    def queue(self, name: str) -> SqliteQueue:
        try:
            return self._queues[name]
        except KeyError:
            raise NotFound(f"queue {name!r} is not declared") from None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._waiters.notify_all()
        try:
            await self._call(lambda _conn: self._close_connection())
        finally:
            self._thread.stop()

    # -- shared with the local topics (same database, same thread) -----------------------------------------

    def declares(self, name: str) -> bool:
        return name in self._configs

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` with the connection on the database thread; SQLite errors become ``Unavailable``."""
        if self._closed:
            raise Unavailable("the queue database is closed")
        return await self._call(work)

    def now(self) -> float:
        return self._clock()

    def insert_message(
        self,
        conn: sqlite3.Connection,
        queue: str,
        body: str,
        stored_attributes: str,
        *,
        delay_seconds: float = 0.0,
        now: float,
    ) -> str:
        """Add one message (the caller validated it with ``validate_message``); for use inside ``run``."""
        message_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO queue_messages (queue, message_id, body, attributes, sent_at, visible_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (queue, message_id, body, stored_attributes, now, now + delay_seconds),
        )
        return message_id

    def notify(self, queue: str) -> None:
        """Wake this process's receivers long-polling ``queue``."""
        self._waiters.notify(queue)

    # -- database thread -----------------------------------------------------------------------------------

    def _open(self) -> None:
        self._conn = open_database(
            self.path,
            schema=_SCHEMA,
            version=SCHEMA_VERSION,
            busy_timeout_seconds=BUSY_TIMEOUT_SECONDS,
            synchronous=self._synchronous,
        )

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _with_connection(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            raise sqlite3.ProgrammingError("the queue database is closed")
        return work(self._conn)

    def _claim(self, conn: sqlite3.Connection, config: QueueConfig, limit: int, visibility: float) -> _Claimed:
        # A cheap read first: polling an empty queue must not take the write lock every time.
        if (
            conn.execute(
                "SELECT 1 FROM queue_messages WHERE queue = ? AND visible_at <= ? LIMIT 1",
                (config.name, self._clock()),
            ).fetchone()
            is None
        ):
            return _Claimed([], dead_lettered=False)
        received: list[ReceivedMessage] = []
        claimed_seqs: list[int] = []
        dead_lettered = False
        with write_transaction(conn):
            now = self._clock()  # read under the write lock: the hidden period starts at the real claim time
            while True:
                # Rows claimed in an earlier round are excluded: with a visibility timeout of 0 they still match.
                rows: list[tuple[int, str, str, str, float, int]] = conn.execute(
                    "SELECT seq, message_id, body, attributes, sent_at, receive_count FROM queue_messages"
                    " WHERE queue = ? AND visible_at <= ? AND seq NOT IN (SELECT value FROM json_each(?))"
                    " ORDER BY visible_at, seq LIMIT ?",
                    (config.name, now, json.dumps(claimed_seqs), limit - len(received)),
                ).fetchall()
                claims: list[tuple[float, str, int]] = []
                moved = 0
                for seq, message_id, body, attributes, sent_at, receive_count in rows:
                    if config.dead_letter_queue is not None and receive_count >= config.max_receive_count:
                        conn.execute(
                            "UPDATE queue_messages SET queue = ?, visible_at = ?, receipt = NULL,"
                            " dead_lettered_from = ? WHERE seq = ?",
                            (config.dead_letter_queue, now, config.name, seq),
                        )
                        moved += 1
                        continue
                    nonce = secrets.token_hex(12)
                    claims.append((now + visibility, nonce, seq))
                    claimed_seqs.append(seq)
                    received.append(
                        ReceivedMessage(
                            message_id=message_id,
                            body=body,
                            receipt=f"{seq}.{nonce}",
                            receive_count=receive_count + 1,
                            attributes={} if attributes == _NO_ATTRIBUTES else json.loads(attributes),
                            sent_at=sent_at,
                        )
                    )
                conn.executemany(
                    "UPDATE queue_messages SET visible_at = ?, receipt = ?, receive_count = receive_count + 1"
                    " WHERE seq = ?",
                    claims,
                )
                dead_lettered = dead_lettered or moved > 0
                # Another round only when dead-lettering left room in the batch; otherwise the batch is full or
                # nothing else is visible.
                if not moved or len(received) >= limit:
                    break
        return _Claimed(received, dead_lettered)

    def _release(self, queue: str, receipts: Sequence[str]) -> None:
        """Make messages whose claim nobody will see (the receiving task was cancelled) visible again."""
        if self._conn is None:
            return
        now = self._clock()
        rows = [(now, seq, queue, nonce) for seq, nonce in map(_parse_receipt, receipts)]
        self._conn.executemany(
            "UPDATE queue_messages SET visible_at = ? WHERE seq = ? AND queue = ? AND receipt = ?", rows
        )

    def _release_orphans(self, queue: str, claimed: _Claimed) -> None:
        """The receiving task was cancelled after its claim committed: hand the messages back at once instead
        of hiding them from everyone for a whole visibility timeout."""
        receipts = [message.receipt for message in claimed.messages]
        if receipts:
            with contextlib.suppress(Unavailable):  # closed: they reappear after their visibility timeout
                self._thread.put(lambda: self._release(queue, receipts))
            self._waiters.notify(queue)

    async def _call(
        self,
        work: Callable[[sqlite3.Connection], T],
        *,
        orphaned: Callable[[T], None] | None = None,
    ) -> T:
        """Run ``work`` on the database thread and wait for it without blocking the loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            result: T | None = None
            error: BaseException | None = None
            try:
                result = self._with_connection(work)
            except BaseException as exc:
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits for the answer
                loop.call_soon_threadsafe(_settle, future, result, error, orphaned)

        self._thread.put(job)
        try:
            return await future
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise Unavailable(f"queue database error: {exc}") from exc

    async def _receive_once(self, config: QueueConfig, limit: int, visibility: float) -> list[ReceivedMessage]:
        if self._closed:
            raise Unavailable("the queue database is closed")
        claimed = await self._call(
            lambda conn: self._claim(conn, config, limit, visibility),
            orphaned=lambda lost: self._release_orphans(config.name, lost),
        )
        if claimed.dead_lettered and config.dead_letter_queue is not None:
            self.notify(config.dead_letter_queue)
        return claimed.messages


def _validate_config(config: QueueConfig, configs: Mapping[str, QueueConfig]) -> None:
    if not config.name:
        raise InvalidRequest("a queue needs a name")
    check_seconds(f"visibility_timeout of {config.name}", config.visibility_timeout, MAX_VISIBILITY_TIMEOUT)
    if config.dead_letter_queue is not None:
        if config.dead_letter_queue not in configs:
            raise InvalidRequest(
                f"queue {config.name!r} names dead-letter queue {config.dead_letter_queue!r}, which is not declared"
            )
        if config.dead_letter_queue == config.name:
            raise InvalidRequest(f"queue {config.name!r} cannot be its own dead-letter queue")
        if config.max_receive_count < 1:
            raise InvalidRequest(f"max_receive_count of {config.name} must be at least 1")


class SqliteQueue:
    """One named queue of a ``SqliteQueues`` database (implements the ``Queue`` port)."""

    def __init__(self, owner: SqliteQueues, config: QueueConfig) -> None:
        self.name = config.name
        self.config = config
        self._owner = owner

    async def send(self, body: str, *, delay_seconds: float = 0, attributes: Mapping[str, str] | None = None) -> str:
        delay = check_seconds("delay_seconds", delay_seconds, MAX_DELAY_SECONDS)
        stored_attributes = validate_message(body, attributes)
        owner = self._owner

        def insert(conn: sqlite3.Connection) -> str:
            return owner.insert_message(conn, self.name, body, stored_attributes, delay_seconds=delay, now=owner.now())

        message_id = await owner.run(insert)
        if delay == 0:
            owner.notify(self.name)
        return message_id

    async def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        wait, asked = check_receive(max_messages, wait_seconds, visibility_timeout)
        visibility = self.config.visibility_timeout if asked is None else asked
        owner = self._owner
        deadline = time.monotonic() + wait
        while True:
            # Registered before looking, so a send that lands between the look and the wait still wakes us.
            waiter = owner._waiters.register(self.name)
            try:
                messages = await owner._receive_once(self.config, max_messages, visibility)
                if messages:
                    return messages
                remaining = deadline - time.monotonic()
                if remaining <= 0 or owner._closed:
                    return []
                await asyncio.wait((waiter,), timeout=min(owner.poll_interval, remaining))
            finally:
                owner._waiters.discard(self.name, waiter)

    async def delete(self, receipt: str) -> None:
        seq, nonce = _parse_receipt(receipt)

        def delete(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM queue_messages WHERE seq = ? AND queue = ? AND receipt = ?",
                (seq, self.name, nonce),
            )

        await self._owner.run(delete)

    async def change_visibility(self, receipt: str, timeout: float) -> None:  # noqa: ASYNC109 (the port's name)
        seq, nonce = _parse_receipt(receipt)
        hidden_for = check_seconds("timeout", timeout, MAX_VISIBILITY_TIMEOUT)
        owner = self._owner

        def change(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE queue_messages SET visible_at = ? WHERE seq = ? AND queue = ? AND receipt = ?",
                (owner.now() + hidden_for, seq, self.name, nonce),
            )

        await owner.run(change)
        if hidden_for == 0:
            owner.notify(self.name)

    async def depth(self) -> QueueDepth:
        owner = self._owner

        def count(conn: sqlite3.Connection) -> QueueDepth:
            now = owner.now()
            visible, in_flight, delayed = conn.execute(
                "SELECT coalesce(sum(visible_at <= :now), 0),"
                " coalesce(sum(visible_at > :now AND receive_count > 0), 0),"
                " coalesce(sum(visible_at > :now AND receive_count = 0), 0)"
                " FROM queue_messages WHERE queue = :queue",
                {"now": now, "queue": self.name},
            ).fetchone()
            return QueueDepth(visible=int(visible), in_flight=int(in_flight), delayed=int(delayed))

        return await owner.run(count)

    async def redrive_dead_letters(self, *, max_messages: int | None = None) -> int:
        """Move visible messages from this queue's DLQ back (oldest first, receive count reset to 0).

        Only messages that were dead-lettered from this queue, or sent to the DLQ directly, are moved; a
        message someone is inspecting (in flight on the DLQ) stays. A queue without a DLQ has nothing to move.
        """
        if max_messages is not None and (
            isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 0
        ):
            raise InvalidRequest(f"max_messages must be a non-negative integer or None, got {max_messages!r}")
        dlq = self.config.dead_letter_queue
        if dlq is None or max_messages == 0:
            return 0
        owner = self._owner

        def move(conn: sqlite3.Connection) -> int:
            now = owner.now()
            cursor = conn.execute(
                "UPDATE queue_messages SET queue = :queue, visible_at = :now, receive_count = 0,"
                " receipt = NULL, dead_lettered_from = NULL WHERE seq IN ("
                "  SELECT seq FROM queue_messages WHERE queue = :dlq AND visible_at <= :now"
                "  AND (dead_lettered_from = :queue OR dead_lettered_from IS NULL)"
                "  ORDER BY seq LIMIT :limit)",
                {
                    "queue": self.name,
                    "dlq": dlq,
                    "now": now,
                    "limit": -1 if max_messages is None else max_messages,
                },
            )
            return cursor.rowcount

        moved = await owner.run(move)
        if moved:
            owner.notify(self.name)
        return moved

    async def purge(self) -> None:
        def purge(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM queue_messages WHERE queue = ?", (self.name,))

        await self._owner.run(purge)

    async def ping(self) -> None:
        def probe(conn: sqlite3.Connection) -> None:
            conn.execute("SELECT 1 FROM queue_messages WHERE queue = ? LIMIT 1", (self.name,)).fetchall()

        await self._owner.run(probe)


if TYPE_CHECKING:  # mypy proves the classes satisfy the ports

    def _satisfies_ports(queues: SqliteQueues, queue: SqliteQueue) -> tuple[Queues, Queue]:
        return queues, queue
