"""The embedded key-value tables: every table of a deployment lives in one SQLite file.

The file is opened in WAL mode with a busy timeout, so several processes may use it at once. Every write is
a ``BEGIN IMMEDIATE`` transaction, which takes the database's write lock before anything is read: a
read-check-write sequence (conditions, counters, transactions) is therefore atomic across threads and
processes alike.

Each :class:`SqliteTables` owns one connection, used only from one dedicated worker thread; the coroutines
hand their work to that thread, so the event loop never blocks on the disk or on another process's lock.

Semantics follow DynamoDB for the access patterns of the port (see :mod:`senas.platform.tables`): whole-item
puts, ``not_exists``/``version`` conditions, atomic ``ADD`` counters, sort keys compared by their UTF-8 bytes
(SQLite's ``BINARY`` collation on UTF-8 text), keyset pagination with opaque cursors, a sparse ``gsi1``
index, all-or-nothing transactions with per-operation cancellation reasons, and TTL: an item whose
``expires_at`` is at or before the injected clock's "now" is invisible and counts as absent; such items are
deleted lazily.
"""

from __future__ import annotations

import asyncio
import json
import math
import pathlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    check_key,
    condition_holds,
    encode_item,
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

        def work(conn: sqlite3.Connection) -> None:
            with write_transaction(conn):
                now = self._owner.now()  # read once the write lock is held
                if checked is not None and not condition_holds(checked, self._load(conn, row.pk, row.sk, now)):
                    raise ConditionFailed(f"{self.name}: condition failed for put of ({row.pk!r}, {row.sk!r})")
                self._store(conn, row)
                self._owner.sweep(conn, now)

        await self._owner.run(work)

    async def get(self, pk: str, sk: str) -> Item | None:
        check_key(pk, "pk")
        check_key(sk, "sk")
        return await self._owner.run(lambda conn: self._load(conn, pk, sk, self._owner.now()))

    async def delete(self, pk: str, sk: str, *, condition: Condition | None = None) -> bool:
        check_key(pk, "pk")
        check_key(sk, "sk")
        checked = check_condition(condition)

        def work(conn: sqlite3.Connection) -> bool:
            with write_transaction(conn):
                now = self._owner.now()  # read once the write lock is held
                current = self._load(conn, pk, sk, now)
                if not condition_holds(checked, current):
                    raise ConditionFailed(f"{self.name}: condition failed for delete of ({pk!r}, {sk!r})")
                self._remove(conn, pk, sk)  # also removes an expired leftover
                return current is not None

        return await self._owner.run(work)

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        check_key(pk, "pk")
        check_key(sk, "sk")
        checked = check_amounts(amounts)

        def work(conn: sqlite3.Connection) -> Item:
            with write_transaction(conn):
                now = self._owner.now()  # read once the write lock is held
                current = self._load(conn, pk, sk, now) or {PK: pk, SK: sk}
                after = with_amounts_added(current, checked)
                self._store(conn, encode_item(after))
                return after

        return await self._owner.run(work)

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

        rows = await self._owner.run(work)
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = plan.next_cursor([str(value) for value in rows[-1][1:]])
        return Page(items=[json.loads(row[0]) for row in rows], cursor=next_cursor)

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

        def work(conn: sqlite3.Connection) -> None:
            with write_transaction(conn):
                now = self._owner.now()  # read once the write lock is held
                reasons: list[str | None] = []
                writes: list[tuple[str, str, EncodedItem | None]] = []  # row None = delete
                for op, pk, sk, condition, row, amounts in prepared:
                    current = self._load(conn, pk, sk, now)
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
                            writes.append(
                                (pk, sk, encode_item(with_amounts_added(current or {PK: pk, SK: sk}, amounts)))
                            )
                        except InvalidRequest:
                            reason = _VALIDATION_ERROR
                    reasons.append(reason)
                if any(reason is not None for reason in reasons):
                    raise TransactionCancelled(reasons)
                for pk, sk, row in writes:
                    if row is None:
                        self._remove(conn, pk, sk)
                    else:
                        self._store(conn, row)
                self._owner.sweep(conn, now)

        await self._owner.run(work)

    async def ping(self) -> None:
        await self._owner.ping()

    # ---- SQL, run on the owner's worker thread

    def _load(self, conn: sqlite3.Connection, pk: str, sk: str, now: float) -> Item | None:
        row = conn.execute(
            "SELECT body, expires_at FROM items WHERE tbl = ? AND pk = ? AND sk = ?", (self.name, pk, sk)
        ).fetchone()
        if row is None or not _live(row[1], now):
            return None
        item: Item = json.loads(row[0])
        return item

    def _store(self, conn: sqlite3.Connection, row: EncodedItem) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO items (tbl, pk, sk, gsi1pk, gsi1sk, expires_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.name, *row),
        )

    def _remove(self, conn: sqlite3.Connection, pk: str, sk: str) -> None:
        conn.execute("DELETE FROM items WHERE tbl = ? AND pk = ? AND sk = ?", (self.name, pk, sk))


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
        # One thread owns the connection: sqlite3 connections must not be used from two threads at once.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="senas-tables")
        self._conn: sqlite3.Connection | None = None  # touched only on the worker thread
        self._last_sweep = -math.inf  # likewise
        self._closed = False

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
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_connection)
        finally:
            self._executor.shutdown(wait=False)

    async def ping(self) -> None:
        await self.run(lambda conn: conn.execute("SELECT count(*) FROM items WHERE 0").fetchall())

    # ---- for the tables

    def now(self) -> float:
        return float(self._clock())

    async def run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` with the connection on the worker thread."""
        if self._closed:
            raise Unavailable(f"the tables at {self.path} are closed")
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, self._call, work)
        except RuntimeError:  # the executor was shut down meanwhile
            raise Unavailable(f"the tables at {self.path} are closed") from None
        return await future

    def sweep(self, conn: sqlite3.Connection, now: float) -> None:
        """Delete a batch of expired items now and then (inside a caller's write transaction)."""
        if now - self._last_sweep < _SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        conn.execute(
            "DELETE FROM items WHERE (tbl, pk, sk) IN (SELECT tbl, pk, sk FROM items WHERE expires_at <= ? LIMIT ?)",
            (now, _SWEEP_BATCH),
        )

    # ---- the worker thread

    def _call(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        try:
            return work(self._connection())
        except (sqlite3.Error, OSError) as exc:
            raise Unavailable(f"the tables at {self.path} are unavailable: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_database(
                self.path, schema=_SCHEMA, version=SCHEMA_VERSION, busy_timeout_seconds=BUSY_TIMEOUT_MS / 1000
            )
        return self._conn

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


if TYPE_CHECKING:  # static proof that the classes implement the port
    from senas.platform.tables import Table, Tables

    def _conforms(tables: SqliteTables, table: SqliteTable) -> tuple[Tables, Table]:
        return tables, table
