"""The embedded key-value tables: every table of a deployment lives in one SQLite file.

The file is opened in WAL mode with a busy timeout, so several processes may use it at once. Every write is
a ``BEGIN IMMEDIATE`` transaction, which takes the database's write lock before anything is read: a
read-check-write sequence (conditions, counters, transactions) is therefore atomic across threads and
processes alike.

Each :class:`SqliteTables` writes through two connections and one dedicated worker thread. Reads (``get``,
``query``) run where they are asked, on a read-only connection of that thread's own: in WAL mode a reader takes no
lock a writer holds, a point read costs some microseconds — less than handing it to another thread and back — and
it needs no hand-over of the interpreter's lock between threads on every SQLite call. A reader that nevertheless
finds the database busy (recovery after a crash) does not wait: that read goes to the worker thread, which does.

The coroutines hand writes over in batches: they queue them, and one batch at a time takes everything queued. A
batch is prepared on the event loop that queued its first write: ``BEGIN IMMEDIATE`` on a writer connection that
never waits (busy timeout 0), every row the writes touch read at once, the writes applied, the changed rows
written — then only the ``COMMIT`` (one sync of the write-ahead log, the slow part of a write) goes to the worker
thread, which settles every future with a single wake-up of each event loop and starts the next batch. Writes
queued meanwhile make the next batch: one ``COMMIT`` makes all of them durable. Preparing on the loop is what
keeps a write cheap under load: the worker thread used to run every statement of a batch, and each SQLite call
gives up the interpreter's lock, which the worker then had to win back from a busy event loop (up to the switch
interval, 5 ms, each time) — a batch spent most of its time waiting, and the loop spent its own CPU handing the
lock over. When another connection (another process) holds the write lock, or the batch holds a read for the
worker, the whole batch goes to the worker thread instead, whose connection waits for the lock: the event loop
never waits for another process's lock, nor for the disk.

Each write is still all or nothing — one that is refused is refused before it changes anything, and fails alone —
and each sees the ones before it, exactly as if they had run one after another (they do, one batch at a time);
none is reported done before the ``COMMIT`` that makes it durable, and no read ever sees a write before that
``COMMIT``. Under load this turns one disk sync per write into one per batch, and one thread hand-off per call into
one per batch; alone, an operation costs what it did.

Semantics follow DynamoDB for the access patterns of the port (see :mod:`senas.platform.tables`): whole-item
puts, ``not_exists``/``version`` conditions, atomic ``ADD`` counters, sort keys compared by their UTF-8 bytes
(SQLite's ``BINARY`` collation on UTF-8 text), keyset pagination with opaque cursors, a sparse ``gsi1``
index, all-or-nothing transactions with per-operation cancellation reasons, and TTL: an item whose
``expires_at`` is at or before the injected clock's "now" is invisible and counts as absent; such items are
deleted lazily.
"""

from __future__ import annotations

import asyncio
import math
import pathlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from senas.platform.errors import (
    ConditionFailed,
    InvalidRequest,
    NotFound,
    TransactionCancelled,
    Unavailable,
)
from senas.platform.sqlite import open_database, write_transaction
from senas.platform.tables import (
    MAX_TRANSACTION_ITEMS,
    PK,
    SK,
    Add,
    Condition,
    ConditionCheck,
    Delete,
    Item,
    KeyRange,
    Page,
    Put,
    WriteOp,
)
from senas.platform.tables.rules import (
    MAX_ITEM_BYTES,
    EncodedItem,
    check_amounts,
    check_condition,
    check_get_many_keys,
    check_key,
    condition_holds,
    encode_item,
    item_from_json,
    plan_query,
    prefix_end,
    with_amounts_added,
)

__all__ = ["BUSY_TIMEOUT_MS", "MAX_ITEM_BYTES", "SqliteTable", "SqliteTables"]

_T = TypeVar("_T")

BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another connection's write lock
SCHEMA_VERSION = 1
_SWEEP_INTERVAL_S = 60.0  # how often (by the injected clock) a writer deletes a batch of expired items
_SWEEP_BATCH = 500
_CONDITION_FAILED = "ConditionalCheckFailed"  # DynamoDB's cancellation reason codes
_VALIDATION_ERROR = "ValidationError"

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS items (
        tbl        TEXT NOT NULL,
        pk         TEXT NOT NULL,
        sk         TEXT NOT NULL,
        gsi1pk     TEXT,
        gsi1sk     TEXT,
        expires_at REAL,
        body       TEXT NOT NULL,
        PRIMARY KEY (tbl, pk, sk)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX IF NOT EXISTS items_gsi1 ON items (tbl, gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL",
)


# -------------------- validation


# -------------------- SQL helpers


def _live(expires_at: float | None, now: float) -> bool:
    return expires_at is None or expires_at > now


class SqliteTable:
    """One named table inside the shared SQLite file. Obtain it from :meth:`SqliteTables.table`."""

    def __init__(self, owner: SqliteTables, name: str) -> None:
        self.name = name
        self._owner = owner

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, path={str(self._owner.path)!r})"

    # ---- the port

    async def put(self, item: Item, *, condition: Condition | None = None) -> None:
        row = encode_item(item)
        checked = check_condition(condition)

        def work(rows: _Rows) -> None:
            now = self._owner.now()  # read once the write lock is held
            if checked is not None and not condition_holds(
                checked, rows.current(self.name, row.pk, row.sk, now, checked)
            ):
                raise ConditionFailed(f"{self.name}: condition failed for put of ({row.pk!r}, {row.sk!r})")
            rows.store(self.name, row)

        await self._owner.run_write(work, [(self.name, row.pk, row.sk)])

    async def get(self, pk: str, sk: str) -> Item | None:
        check_key(pk, "pk")
        check_key(sk, "sk")
        return await self._owner.read(lambda conn: self._load(conn, pk, sk, self._owner.now()))

    async def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item | None]:
        wanted = check_get_many_keys(keys)
        if not wanted:
            return []
        sql = keys_lookup(len(wanted))
        params = [part for pk, sk in wanted for part in (self.name, pk, sk)]

        def work(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
            now = self._owner.now()
            rows = conn.execute(sql, params)
            return {(pk, sk): body for _, pk, sk, body, expires_at in rows if _live(expires_at, now)}

        found = await self._owner.read(work)
        return [item_from_json(found[key]) if key in found else None for key in wanted]

    async def delete(self, pk: str, sk: str, *, condition: Condition | None = None) -> bool:
        check_key(pk, "pk")
        check_key(sk, "sk")
        checked = check_condition(condition)

        def work(rows: _Rows) -> bool:
            now = self._owner.now()  # read once the write lock is held
            current = rows.load(self.name, pk, sk, now)
            if not condition_holds(checked, current):
                raise ConditionFailed(f"{self.name}: condition failed for delete of ({pk!r}, {sk!r})")
            rows.remove(self.name, pk, sk)  # also removes an expired leftover
            return current is not None

        return await self._owner.run_write(work, [(self.name, pk, sk)])

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        check_key(pk, "pk")
        check_key(sk, "sk")
        checked = check_amounts(amounts)

        def work(rows: _Rows) -> Item:
            now = self._owner.now()  # read once the write lock is held
            current = rows.load(self.name, pk, sk, now) or {PK: pk, SK: sk}
            after = with_amounts_added(current, checked)
            rows.store(self.name, encode_item(after))
            return after

        return await self._owner.run_write(work, [(self.name, pk, sk)])

    async def query(
        self,
        pk: str,
        *,
        sk: KeyRange | None = None,
        index: str | None = None,
        ascending: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        plan = plan_query(self.name, pk, sk, index, ascending, limit, cursor)
        key_range, order, after = plan.key_range, plan.order, plan.after
        partition_column, sort_column = plan.partition_key, plan.sort_key

        # The first parameter, "now", is filled in when the query runs.
        where = ["(expires_at IS NULL OR expires_at > ?)", "tbl = ?", f"{partition_column} = ?"]
        params: list[Any] = [self.name, pk]
        if key_range is not None:
            if key_range.begins_with is not None:
                where.append(f"{sort_column} >= ?")
                params.append(key_range.begins_with)
                end = prefix_end(key_range.begins_with)
                if end is not None:
                    where.append(f"{sort_column} < ?")
                    params.append(end)
            if key_range.gte is not None:
                where.append(f"{sort_column} >= ?")
                params.append(key_range.gte)
            if key_range.lte is not None:
                where.append(f"{sort_column} <= ?")
                params.append(key_range.lte)
        if after is not None:
            columns = ", ".join(order)
            marks = ", ".join("?" * len(order))
            where.append(f"({columns}) {'>' if ascending else '<'} ({marks})")
            params += after
        direction = "ASC" if ascending else "DESC"
        sql = (
            f"SELECT body, {', '.join(order)} FROM items WHERE {' AND '.join(where)} "  # noqa: S608 - fixed text
            f"ORDER BY {', '.join(f'{column} {direction}' for column in order)} LIMIT ?"
        )
        params.append(min(limit, 2**62) + 1)  # one more than asked tells whether another page exists

        def work(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return conn.execute(sql, [self._owner.now(), *params]).fetchall()

        rows = await self._owner.read(work)
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = plan.next_cursor([str(value) for value in rows[-1][1:]])
        return Page(items=[item_from_json(row[0]) for row in rows], cursor=next_cursor)

    async def transact_write(self, ops: Sequence[WriteOp]) -> None:
        ops = list(ops)
        if not ops:
            raise InvalidRequest("a transaction needs at least one operation")
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise InvalidRequest(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} operations, got {len(ops)}")
        prepared: list[tuple[WriteOp, str, str, Condition | None, EncodedItem | None, dict[str, int | float]]] = []
        seen: set[tuple[str, str]] = set()
        for op in ops:
            row: EncodedItem | None = None
            amounts: dict[str, int | float] = {}
            if isinstance(op, Put):
                row = encode_item(op.item)
                pk, sk = row.pk, row.sk
            elif isinstance(op, Delete | Add | ConditionCheck):
                pk, sk = check_key(op.pk, "pk"), check_key(op.sk, "sk")
                if isinstance(op, Add):
                    amounts = check_amounts(op.amounts)
            else:
                raise InvalidRequest(f"unknown transaction operation {op!r}")
            if (pk, sk) in seen:
                raise InvalidRequest(f"a transaction cannot address the item ({pk!r}, {sk!r}) twice")
            seen.add((pk, sk))
            prepared.append((op, pk, sk, check_condition(op.condition), row, amounts))

        def work(rows: _Rows) -> None:
            now = self._owner.now()  # read once the write lock is held
            reasons: list[str | None] = []
            writes: list[tuple[str, str, EncodedItem | None]] = []  # row None = delete
            for op, pk, sk, condition, row, amounts in prepared:
                # What the operation needs of the stored item: all of it to add to, its version to compare, only
                # whether it is there for an absent-condition, nothing for a plain put or delete.
                if isinstance(op, Add):
                    current = rows.load(self.name, pk, sk, now)
                elif condition is None:
                    current = None
                else:
                    current = rows.current(self.name, pk, sk, now, condition)
                if not condition_holds(condition, current):
                    reasons.append(_CONDITION_FAILED)
                    continue
                reason: str | None = None
                if isinstance(op, Put):
                    writes.append((pk, sk, row))
                elif isinstance(op, Delete):
                    writes.append((pk, sk, None))
                elif isinstance(op, Add):
                    try:
                        writes.append((pk, sk, encode_item(with_amounts_added(current or {PK: pk, SK: sk}, amounts))))
                    except InvalidRequest:
                        reason = _VALIDATION_ERROR
                reasons.append(reason)
            if any(reason is not None for reason in reasons):
                raise TransactionCancelled(reasons)
            for pk, sk, row in writes:
                if row is None:
                    rows.remove(self.name, pk, sk)
                else:
                    rows.store(self.name, row)

        await self._owner.run_write(work, [(self.name, pk, sk) for _, pk, sk, _, _, _ in prepared])

    async def ping(self) -> None:
        await self._owner.ping()

    # ---- SQL of reads

    def _load(self, conn: sqlite3.Connection, pk: str, sk: str, now: float) -> Item | None:
        row = conn.execute(
            "SELECT body, expires_at FROM items WHERE tbl = ? AND pk = ? AND sk = ?", (self.name, pk, sk)
        ).fetchone()
        if row is None or not _live(row[1], now):
            return None
        return item_from_json(row[0])


class SqliteTables:
    """The named tables of one deployment, all in the SQLite file at ``path`` (created, with its folder, on
    first use). ``clock`` gives "now" in epoch seconds for TTL decisions."""

    table_class: ClassVar[type[SqliteTable]] = SqliteTable

    def __init__(
        self, path: pathlib.Path, table_names: Iterable[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = pathlib.Path(path)
        self._clock = clock
        self._tables: dict[str, SqliteTable] = {}
        for name in table_names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"table names must be non-empty strings, got {name!r}")
            self._tables[name] = self.table_class(self, name)
        # The worker thread: commits, and whole batches that must wait (see the module's docstring).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="senas-tables")
        self._conn: sqlite3.Connection | None = None  # the worker's writer, which waits for the lock
        # The writer batches are prepared with on an event loop, which never waits for the lock. Both are used by
        # one batch at a time only (``_idle`` clear), whatever thread that batch is on.
        self._loop_conn: sqlite3.Connection | None = None
        self._loop_conn_failed = False
        self._last_sweep = -math.inf  # likewise one batch at a time
        self._closed = False
        # Read-only connections, one per thread that reads (thread-local), once the worker has set the file up.
        self._readers = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._file_ready = False
        # Operations waiting for the next batch, and whether no batch is under way (being prepared, committed, or
        # run on the worker thread) — changed under the lock; the next batch starts when one is done.
        self._pending: list[_Operation] = []
        self._pending_lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {sorted(self._tables)!r})"

    def table(self, name: str) -> SqliteTable:
        try:
            return self._tables[name]
        except KeyError:
            raise NotFound(f"no table named {name!r} (known: {', '.join(sorted(self._tables))})") from None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # What was queued before is written first: the batch under way, and those it starts, finish — within the time a
        # batch may wait for another connection's lock, whatever happens.
        await asyncio.to_thread(self._idle.wait, BUSY_TIMEOUT_MS / 1000 + 5)
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_connection)
        finally:
            self._executor.shutdown(wait=False)
            for reader in self._reader_connections:
                reader.close()
            self._reader_connections.clear()

    async def ping(self) -> None:
        await self.run(lambda conn: conn.execute("SELECT count(*) FROM items WHERE 0").fetchall())

    # ---- for the tables

    def now(self) -> float:
        return float(self._clock())

    async def run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` (a read) with the connection on the worker thread, in the next batch."""
        return await self._queue(work, write=False)

    async def read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` (a read) here, on this thread's read-only connection; on the worker thread when the file is
        not set up yet or the database is busy (see the module's docstring)."""
        if self._closed:
            raise Unavailable(f"the tables at {self.path} are closed")
        reader = self._reader() if self._file_ready else None
        if reader is not None:
            try:
                return work(reader)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise _unavailable(self.path, exc) from exc
            except (sqlite3.Error, OSError) as exc:
                raise _unavailable(self.path, exc) from exc
        return await self.run(work)

    def _reader(self) -> sqlite3.Connection | None:
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            try:
                # check_same_thread=False only so that close() may close it from another thread: it is used by the
                # thread that made it alone (thread-local). Readers never wait (timeout 0): a busy read goes to the
                # worker thread instead.
                reader = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
                reader.execute("PRAGMA query_only = ON")
            except (sqlite3.Error, OSError):
                return None
            self._readers.connection = reader
            self._reader_connections.append(reader)
        return reader

    async def run_write(self, work: Callable[[_Rows], _T], keys: list[tuple[str, str, str]]) -> _T:
        """Run ``work`` in the next group commit (see the module's docstring) — on an event loop's thread, or on the
        worker's when the batch must wait for the lock — on the rows ``keys`` name (table, pk, sk); its result (or
        exception) once that transaction is committed."""
        return await self._queue(work, write=True, keys=keys)

    async def _queue(self, work: Callable[[Any], _T], *, write: bool, keys: Sequence[tuple[str, str, str]] = ()) -> _T:
        if self._closed:
            raise Unavailable(f"the tables at {self.path} are closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._pending_lock:
            self._pending.append(_Operation(work, future, loop, write, list(keys)))
            start = self._idle.is_set()
            if start:
                self._idle.clear()
        if start:
            # Soon, not now: the writes queued in this turn of the loop join the batch.
            loop.call_soon(self._start_batch)
        try:
            result: _T = await future
        finally:
            # A refused write raises here, and its traceback holds this frame: without this, frame -> future ->
            # exception -> traceback -> frame would be a reference cycle, which only the garbage collector frees
            # (with everything the frames along the traceback hold).
            del future
        return result

    def sweep(self, conn: sqlite3.Connection, now: float) -> None:
        """Delete a batch of expired items now and then (inside a caller's write transaction)."""
        if now - self._last_sweep < _SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        conn.execute(
            "DELETE FROM items WHERE (tbl, pk, sk) IN (SELECT tbl, pk, sk FROM items WHERE expires_at <= ? LIMIT ?)",
            (now, _SWEEP_BATCH),
        )

    # ---- batches

    def _take_pending(self) -> list[_Operation]:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        return batch

    def _start_batch(self) -> None:
        """On an event loop: take what is queued and prepare it here, committed by the worker thread; or hand the
        whole batch to the worker thread when it must wait or read there (see the module's docstring)."""
        batch = self._take_pending()
        if not batch:  # pragma: no cover - a batch starts only with something queued
            self._finish([])
            return
        conn = None if any(not operation.write for operation in batch) else self._loop_writer()
        if conn is None:
            self._run_on_worker(batch)
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            if _is_busy(exc):  # another connection writes: wait for it on the worker
                self._run_on_worker(batch)
            else:
                self._finish(_failed(batch, _storage_or_fault(self.path, exc)))
            return
        try:
            outcomes = self._apply(conn, batch)
        except Exception as exc:  # nothing of the batch is committed
            _rollback(conn)
            self._finish(_failed(batch, _storage_or_fault(self.path, exc)))
            return
        try:
            self._executor.submit(self._commit, conn, outcomes)
        except RuntimeError:  # the executor was shut down (closed): nothing more runs
            _rollback(conn)
            self._finish(_failed(batch, self._closed_error()))

    def _run_on_worker(self, batch: list[_Operation]) -> None:
        try:
            self._executor.submit(self._run_batch, batch)
        except RuntimeError:  # the executor was shut down (closed): nothing more runs
            self._finish(_failed(batch, self._closed_error()))

    def _closed_error(self) -> Unavailable:
        return Unavailable(f"the tables at {self.path} are closed")

    def _commit(self, conn: sqlite3.Connection, outcomes: list[tuple[_Operation, bool, Any]]) -> None:
        """On the worker thread: the ``COMMIT`` of a batch prepared on an event loop."""
        try:
            conn.execute("COMMIT")
        except Exception as exc:  # nothing of the batch is committed
            _rollback(conn)
            outcomes = _failed([entry[0] for entry in outcomes], _storage_or_fault(self.path, exc))
        self._finish(outcomes)

    def _run_batch(self, batch: list[_Operation]) -> None:
        """On the worker thread, a whole batch: its reads, then its writes in one group commit that waits for the
        lock."""
        reads = [operation for operation in batch if not operation.write]
        writes = [operation for operation in batch if operation.write]
        settled: list[tuple[_Operation, bool, Any]] = []
        for read in reads:
            try:
                settled.append((read, True, read.work(self._connection())))
            except BaseException as exc:
                settled.append((read, False, _unavailable(self.path, exc) if _is_storage_error(exc) else exc))
        if writes:
            settled += self._commit_group(writes)
        self._finish(settled)

    def _finish(self, settled: list[tuple[_Operation, bool, Any]]) -> None:
        """A batch is done (on whatever thread): settle its futures, one wake-up per event loop, and start the next
        batch on the event loop of the first operation queued meanwhile."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Operation, bool, Any]]] = {}
        for entry in settled:
            by_loop.setdefault(entry[0].loop, []).append(entry)
        for loop, entries in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, entries)
            except RuntimeError:  # that event loop is closed: nobody waits for these any more
                continue
        with self._pending_lock:
            if not self._pending:
                self._idle.set()
                return
            next_loop = self._pending[0].loop
        try:
            next_loop.call_soon_threadsafe(self._start_batch)
        except RuntimeError:  # that event loop is closed: the worker thread takes the batch
            self._run_on_worker(self._take_pending())

    def _commit_group(self, writes: list[_Operation]) -> list[tuple[_Operation, bool, Any]]:
        """On the worker thread: one group commit, in one transaction that waits for the write lock."""
        try:
            conn = self._connection()
            with write_transaction(conn):
                return self._apply(conn, writes)
        except Exception as exc:  # nothing of the group was committed
            return _failed(writes, _storage_or_fault(self.path, exc))

    def _apply(self, conn: sqlite3.Connection, writes: list[_Operation]) -> list[tuple[_Operation, bool, Any]]:
        """Inside a write transaction: every row the writes touch read at once, the writes applied to them one
        after another, the changed rows written at once.

        So a group costs a handful of statements whatever its size. A write that is refused (a failed condition,
        an invalid item) is refused before it changes anything — every write checks all it needs before it stores —
        so it fails alone and needs nothing undone. A storage error (raised) fails the whole group."""
        outcomes: list[tuple[_Operation, bool, Any]] = []
        now = self.now()
        rows = _Rows.read(conn, {key for write in writes for key in write.keys})
        for write in writes:
            try:
                outcomes.append((write, True, write.work(rows)))
            except (sqlite3.Error, OSError):
                raise
            except _REFUSALS as exc:  # refused before it wrote anything: the others go on
                # Without its traceback, which would hold this frame and so the whole batch (its outcomes hold the
                # exception): a reference cycle only the garbage collector frees. A refusal is an outcome, raised
                # again where it is awaited; where in the write it was decided says nothing more.
                outcomes.append((write, False, exc.with_traceback(None)))
            except BaseException as exc:  # a fault (a bug): kept whole, traceback and all
                outcomes.append((write, False, exc))
        rows.write(conn)
        self.sweep(conn, now)
        return outcomes

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_database(
                self.path, schema=_SCHEMA, version=SCHEMA_VERSION, busy_timeout_seconds=BUSY_TIMEOUT_MS / 1000
            )
            self._file_ready = True  # readers may open it now: it exists, in WAL mode, with its schema
        return self._conn

    def _loop_writer(self) -> sqlite3.Connection | None:
        """The writer that prepares batches on an event loop, once the worker has set the file up; None (the worker
        thread runs the batch) before that, or if it cannot be opened."""
        if self._loop_conn is None and self._file_ready and not self._loop_conn_failed:
            try:
                # check_same_thread=False: a batch prepared on a loop is committed on the worker thread, and close()
                # closes it there; one batch at a time uses it. Never waits for the lock (timeout 0).
                conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA synchronous = FULL")  # per connection: as durable as the worker's
            except (sqlite3.Error, OSError):
                self._loop_conn_failed = True
                return None
            self._loop_conn = conn
        return self._loop_conn

    def _close_connection(self) -> None:
        for conn in (self._conn, self._loop_conn):
            if conn is not None:
                conn.close()
        self._conn = self._loop_conn = None


def keys_lookup(count: int) -> str:
    """The rows of ``count`` (tbl, pk, sk) keys (given as parameters, three a key), each found through the primary
    key. The keys are a joined list of values, not ``(tbl, pk, sk) IN (VALUES …)``: SQLite plans that as a scan of
    the whole table (every write batch read every row)."""
    values = ", ".join(["(?, ?, ?)"] * count)
    return (
        f"WITH wanted(tbl, pk, sk) AS (VALUES {values}) "  # noqa: S608 - fixed text and placeholders
        "SELECT items.tbl, items.pk, items.sk, items.body, items.expires_at FROM wanted CROSS JOIN items "
        "ON items.tbl = wanted.tbl AND items.pk = wanted.pk AND items.sk = wanted.sk"
    )


# What the port answers a write with when it refuses it (a failed condition, a cancelled transaction, an invalid
# item): an outcome of the write, not a fault.
_REFUSALS = (ConditionFailed, TransactionCancelled, InvalidRequest)
_PRESENT: Item = {}  # "a live item is there", for conditions that look at nothing else
_KEYS_PER_SELECT = 300  # three variables a key, well under SQLite's limit
# An upsert, not INSERT OR REPLACE: a row that is there is changed where it is, where REPLACE deletes it (and its
# index entries) and inserts it again — a quarter to a third less time per row written, measured on this table.
_STORE = (
    "INSERT INTO items (tbl, pk, sk, gsi1pk, gsi1sk, expires_at, body) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (tbl, pk, sk) DO UPDATE SET "
    "gsi1pk = excluded.gsi1pk, gsi1sk = excluded.gsi1sk, expires_at = excluded.expires_at, body = excluded.body"
)


class _Rows:
    """The rows a group of writes touches (table, pk, sk → stored body and expiry, or None), read in one go;
    the writes change them here, in order, and the changed ones are written in one go."""

    def __init__(self, stored: dict[tuple[str, str, str], tuple[str, float | None] | None]) -> None:
        self._rows = stored
        self._changed: dict[tuple[str, str, str], EncodedItem | None] = {}

    @classmethod
    def read(cls, conn: sqlite3.Connection, keys: set[tuple[str, str, str]]) -> _Rows:
        stored: dict[tuple[str, str, str], tuple[str, float | None] | None] = dict.fromkeys(keys)
        wanted = list(keys)
        for index in range(0, len(wanted), _KEYS_PER_SELECT):
            chunk = wanted[index : index + _KEYS_PER_SELECT]
            for tbl, pk, sk, body, expires_at in conn.execute(keys_lookup(len(chunk)), [p for k in chunk for p in k]):
                stored[(tbl, pk, sk)] = (body, expires_at)
        return cls(stored)

    def _row(self, key: tuple[str, str, str]) -> tuple[str, float | None] | None:
        if key in self._changed:
            row = self._changed[key]
            return None if row is None else (row.body, row.expires_at)
        return self._rows[key]

    def load(self, table: str, pk: str, sk: str, now: float) -> Item | None:
        row = self._row((table, pk, sk))
        if row is None or not _live(row[1], now):
            return None
        return item_from_json(row[0])

    def current(self, table: str, pk: str, sk: str, now: float, condition: Condition) -> Item | None:
        """The stored item as far as ``condition`` looks at it: for an absent-condition only whether a live item
        is there (no body to decode), else the item."""
        if not condition.not_exists:
            return self.load(table, pk, sk, now)
        row = self._row((table, pk, sk))
        return None if row is None or not _live(row[1], now) else _PRESENT

    def store(self, table: str, row: EncodedItem) -> None:
        self._changed[(table, row.pk, row.sk)] = row

    def remove(self, table: str, pk: str, sk: str) -> None:
        self._changed[(table, pk, sk)] = None

    def write(self, conn: sqlite3.Connection) -> None:
        stored = [(key[0], *row) for key, row in self._changed.items() if row is not None]
        removed = [key for key, row in self._changed.items() if row is None]
        if stored:
            conn.executemany(_STORE, stored)
        if removed:
            conn.executemany("DELETE FROM items WHERE tbl = ? AND pk = ? AND sk = ?", removed)


@dataclass(slots=True)
class _Operation:
    work: Callable[[Any], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    write: bool
    keys: list[tuple[str, str, str]]


def _settle_all(entries: list[tuple[_Operation, bool, Any]]) -> None:
    for operation, ok, value in entries:
        if operation.future.done():  # the caller gave up (cancelled) meanwhile
            continue
        if ok:
            operation.future.set_result(value)
        else:
            operation.future.set_exception(value)


def _failed(batch: list[_Operation], error: BaseException) -> list[tuple[_Operation, bool, Any]]:
    return [(operation, False, error) for operation in batch]


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except (sqlite3.Error, OSError):  # the connection is gone: SQLite rolls back what it did not commit
        pass


def _storage_or_fault(path: pathlib.Path, exc: Exception) -> Exception:
    """What a batch's writes fail with: a storage error as Unavailable, anything else (a fault) as it is — whatever
    it is, the batch is over and the next one starts (a batch left unfinished would hold up every later write)."""
    return _unavailable(path, exc) if _is_storage_error(exc) else exc


def _is_busy(exc: BaseException) -> bool:
    """Another connection holds the lock (or the file is being recovered): SQLite's "locked"/"busy" errors."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _is_storage_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.Error | OSError)


def _unavailable(path: pathlib.Path, exc: BaseException) -> Unavailable:
    error = Unavailable(f"the tables at {path} are unavailable: {exc}")
    error.__cause__ = exc
    return error


if TYPE_CHECKING:  # static proof that the classes implement the port
    from senas.platform.tables import Table, Tables

    def _conforms(tables: SqliteTables, table: SqliteTable) -> tuple[Tables, Table]:
        return tables, table
