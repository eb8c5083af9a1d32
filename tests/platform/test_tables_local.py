"""Behaviour of the embedded SQLite tables beyond the port's contract: durability, several connections and
processes on one file, TTL housekeeping, and how failures surface."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from senas.platform.errors import ConditionFailed, InvalidRequest, NotFound, TransactionCancelled, Unavailable
from senas.platform.tables import Condition, KeyRange, Page, Put, Table, Tables, local
from senas.platform.tables.local import SqliteTables

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

NAMES = ("UserData", "UserProgress")


class Clock:
    def __init__(self) -> None:
        self.time = 1_700_000_000.0

    def __call__(self) -> float:
        return self.time


def keys(page: Page) -> list[str]:
    return [item["sk"] for item in page.items]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "not" / "yet" / "there" / "tables.sqlite3"


def test_implements_the_port(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    assert isinstance(tables, Tables)
    assert isinstance(tables.table("UserData"), Table)
    assert tables.table("UserData") is tables.table("UserData")


def test_unknown_table_raises_not_found(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    with pytest.raises(NotFound, match="AiSessions"):
        tables.table("AiSessions")


async def test_creates_the_folder_and_uses_wal(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    await tables.table("UserData").put({"pk": "u", "sk": "s"})
    await tables.close()
    assert await asyncio.to_thread(db_path.is_file)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_data_survives_close_and_reopen(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserProgress")
    await table.put({"pk": "user#1", "sk": "profile", "name": "Ana", "gsi1pk": "all", "gsi1sk": "Ana"})
    await table.add("user#1", "stats", {"xp": 30, "streak": 2})
    await tables.close()
    await tables.close()  # idempotent

    reopened = SqliteTables(db_path, NAMES)
    try:
        table = reopened.table("UserProgress")
        assert await table.get("user#1", "profile") == {
            "pk": "user#1",
            "sk": "profile",
            "name": "Ana",
            "gsi1pk": "all",
            "gsi1sk": "Ana",
        }
        assert await table.add("user#1", "stats", {"xp": 5}) == {
            "pk": "user#1",
            "sk": "stats",
            "xp": 35,
            "streak": 2,
        }
        assert [item["name"] for item in (await table.query("all", index="gsi1")).items] == ["Ana"]
        assert await reopened.table("UserData").get("user#1", "profile") is None
    finally:
        await reopened.close()


async def test_closed_tables_are_unavailable(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    await tables.table("UserData").ping()
    await tables.close()
    with pytest.raises(Unavailable):
        await tables.table("UserData").get("u", "s")
    with pytest.raises(Unavailable):
        await tables.table("UserData").ping()


async def test_ping_raises_unavailable_when_the_file_cannot_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    tables = SqliteTables(blocker / "tables.sqlite3", NAMES)
    try:
        with pytest.raises(Unavailable):
            await tables.table("UserData").ping()
        with pytest.raises(Unavailable):
            await tables.table("UserData").put({"pk": "u", "sk": "s"})
    finally:
        await tables.close()


async def test_ping_raises_unavailable_when_the_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not an SQLite database" * 100)
    tables = SqliteTables(path, NAMES)
    try:
        with pytest.raises(Unavailable):
            await tables.table("UserData").ping()
    finally:
        await tables.close()


async def test_two_connections_in_one_process_add_atomically(db_path: Path) -> None:
    first, second = SqliteTables(db_path, NAMES), SqliteTables(db_path, NAMES)
    try:
        adds = [tables.table("UserData").add("u", "hits", {"n": 1}) for _ in range(40) for tables in (first, second)]
        results = await asyncio.gather(*adds)
        assert sorted(result["n"] for result in results) == list(range(1, 81))
        assert await first.table("UserData").get("u", "hits") == {"pk": "u", "sk": "hits", "n": 80}
    finally:
        await first.close()
        await second.close()


async def test_a_writer_waits_for_another_connections_lock_without_blocking_the_loop(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "s", "v": 0})
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        write = asyncio.create_task(table.put({"pk": "u", "sk": "s", "v": 1}))
        ticks = 0
        for _ in range(10):
            await asyncio.sleep(0.02)  # the event loop keeps running while the writer waits
            ticks += 1
        assert ticks == 10
        assert not write.done()
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(write, timeout=10)
        assert await table.get("u", "s") == {"pk": "u", "sk": "s", "v": 1}
    finally:
        await tables.close()


def _add_many(path: str, count: int, start: Event) -> None:  # a spawned process
    async def run() -> None:
        tables = SqliteTables(Path(path), NAMES)
        try:
            table = tables.table("UserProgress")
            await table.ping()  # open the file before the race starts
            start.wait(30)
            for _ in range(count):
                await table.add("user#1", "xp", {"total": 1, "events": 1})
        finally:
            await tables.close()

    asyncio.run(run())


@pytest.mark.slow
async def test_two_processes_add_atomically(db_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_add_many, args=(str(db_path), 200, start)) for _ in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    deadline = time.monotonic() + 60
    for worker in workers:
        while worker.is_alive() and time.monotonic() < deadline:  # join without blocking the loop
            await asyncio.sleep(0.05)
        worker.join(timeout=1)
        assert worker.exitcode == 0
    tables = SqliteTables(db_path, NAMES)
    try:
        assert await tables.table("UserProgress").get("user#1", "xp") == {
            "pk": "user#1",
            "sk": "xp",
            "total": 400,
            "events": 400,
        }
    finally:
        await tables.close()


async def test_expiry_boundary_is_inclusive(db_path: Path) -> None:
    clock = Clock()
    tables = SqliteTables(db_path, NAMES, clock=clock)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "s", "expires_at": int(clock.time) + 10})
        clock.time += 9.999
        assert await table.get("u", "s") is not None
        clock.time = 1_700_000_010.0  # expires_at == now: expired
        assert await table.get("u", "s") is None
        assert (await table.query("u")).items == []
    finally:
        await tables.close()


async def test_expired_items_are_eventually_deleted_from_the_file(db_path: Path) -> None:
    clock = Clock()
    tables = SqliteTables(db_path, NAMES, clock=clock)
    table = tables.table("UserData")
    try:
        for number in range(20):
            await table.put({"pk": "u", "sk": f"{number:02d}", "expires_at": int(clock.time) + 5})
        await table.put({"pk": "u", "sk": "keep"})
        clock.time += 120
        await table.put({"pk": "u", "sk": "trigger"})  # writes sweep expired items now and then
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 2
    finally:
        await tables.close()


async def test_odd_expires_at_values(db_path: Path) -> None:
    clock = Clock()
    tables = SqliteTables(db_path, NAMES, clock=clock)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "huge", "expires_at": 2**80})  # beyond SQLite's integers
        await table.put({"pk": "u", "sk": "text", "expires_at": "yesterday"})  # not a number: no TTL (as DynamoDB)
        await table.put({"pk": "u", "sk": "float", "expires_at": clock.time - 0.5})
        assert keys(await table.query("u")) == ["huge", "text"]
    finally:
        await tables.close()


async def test_gsi_needs_both_index_keys(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "a", "sk": "s", "gsi1pk": "g", "gsi1sk": "1"})
        await table.put({"pk": "b", "sk": "s", "gsi1pk": "g"})  # no gsi1sk: not in the index, as in DynamoDB
        assert [item["pk"] for item in (await table.query("g", index="gsi1")).items] == ["a"]
        with pytest.raises(InvalidRequest):
            await table.put({"pk": "c", "sk": "s", "gsi1pk": 7, "gsi1sk": "1"})  # index keys are strings
        with pytest.raises(InvalidRequest):
            await table.put({"pk": "c", "sk": "s", "gsi1pk": "g", "gsi1sk": ""})
    finally:
        await tables.close()


async def test_begins_with_at_the_top_of_unicode(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    top = "\U0010ffff"
    try:
        for sk in ["a", f"a{top}", f"a{top}{top}x", f"a{top}b", "b", "\ud7ff", "\ue000"]:
            try:
                await table.put({"pk": "u", "sk": sk})
            except InvalidRequest:
                pytest.fail(f"{sk!r} was refused")
        assert keys(await table.query("u", sk=KeyRange.prefix(f"a{top}"))) == [
            f"a{top}",
            f"a{top}b",
            f"a{top}{top}x",
        ]
        assert keys(await table.query("u", sk=KeyRange.prefix(top))) == []
        assert keys(await table.query("u", sk=KeyRange.prefix("\ud7ff"))) == ["\ud7ff"]
        with pytest.raises(InvalidRequest):
            await table.put({"pk": "u", "sk": "\ud800"})  # a lone surrogate is not text
    finally:
        await tables.close()


async def test_the_same_key_in_two_tables_is_two_items(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    try:
        await tables.table("UserData").put({"pk": "u", "sk": "s"}, condition=Condition.item_absent())
        await tables.table("UserProgress").put({"pk": "u", "sk": "s"}, condition=Condition.item_absent())
        assert await tables.table("UserData").delete("u", "s") is True
        assert await tables.table("UserProgress").get("u", "s") == {"pk": "u", "sk": "s"}
    finally:
        await tables.close()


async def test_concurrent_writes_share_commits_and_fail_alone(db_path: Path) -> None:
    """Writes that arrive together are committed together (one sync of the log), yet each is its own: a refused
    one changes nothing and takes nobody down with it, and every one that was accepted is there."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "taken", "v": 0})
        writes = [table.put({"pk": "u", "sk": f"item-{i}", "v": i}) for i in range(50)]
        refused = [table.put({"pk": "u", "sk": "taken", "v": 1}, condition=Condition.item_absent()) for _ in range(10)]
        adds = [table.add("u", "hits", {"n": 1}) for _ in range(40)]
        results = await asyncio.gather(*writes, *refused, *adds, return_exceptions=True)
        assert all(result is None for result in results[:50])
        assert [type(result).__name__ for result in results[50:60]] == ["ConditionFailed"] * 10
        assert sorted(int(result["n"]) for result in results[60:]) == list(range(1, 41))  # type: ignore[index]
        assert len((await table.query("u", sk=KeyRange.prefix("item-"))).items) == 50
        assert await table.get("u", "taken") == {"pk": "u", "sk": "taken", "v": 0}
        reopened = SqliteTables(db_path, NAMES)  # durable: another connection sees every accepted write
        try:
            assert (await reopened.table("UserData").get("u", "hits")) == {"pk": "u", "sk": "hits", "n": 40}
        finally:
            await reopened.close()
    finally:
        await tables.close()


async def test_a_refused_write_leaves_no_reference_cycle(db_path: Path) -> None:
    """A refused write's exception is freed as soon as its caller lets it go: no reference cycle through the
    frames of its traceback keeps it (and the batch it was in) for the garbage collector — which a service refusing
    writes all day (rate-limit windows, version conflicts) would otherwise run again and again."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "taken", "v": 0})
        gc.collect()
        gc.disable()  # only reference counting frees anything now
        try:
            refused: list[weakref.ref[BaseException]] = []
            for _ in range(3):
                try:
                    await table.put({"pk": "u", "sk": "taken"}, condition=Condition.item_absent())
                except ConditionFailed as exc:
                    refused.append(weakref.ref(exc))
                try:
                    await table.transact_write([Put({"pk": "u", "sk": "new"}), Put({"pk": "u", "sk": "taken"},
                                                Condition.item_absent())])  # fmt: skip
                except TransactionCancelled as exc:
                    refused.append(weakref.ref(exc))
            await asyncio.sleep(0)  # the loop's handle that woke this task holds the last future until it is done
            assert len(refused) == 6
            assert [ref() for ref in refused] == [None] * 6
        finally:
            gc.enable()
        assert await table.get("u", "new") is None  # refused: nothing of the transaction was written
    finally:
        await tables.close()


async def test_reads_do_not_wait_for_a_writer(db_path: Path) -> None:
    """A read runs on the caller's thread and takes no lock a writer holds: another connection in the middle of a
    write transaction does not hold it up (the write waits; the read does not)."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "s", "v": 0})
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        try:
            assert await asyncio.wait_for(table.get("u", "s"), timeout=1) == {"pk": "u", "sk": "s", "v": 0}
            assert len((await asyncio.wait_for(table.query("u"), timeout=1)).items) == 1
        finally:
            other.execute("COMMIT")
            other.close()
    finally:
        await tables.close()


# -- reading rows by their keys ---------------------------------------------------------------------------------------


async def test_rows_are_read_by_key_through_the_primary_key_not_a_scan(tmp_path: Path) -> None:
    """A write batch reads the rows it touches, and ``get_many`` the rows it is asked for, by their keys: each must
    be a search of the primary key. (The row-value ``IN (VALUES …)`` spelling made SQLite scan every row of every
    table on every write batch — a cost that grew with the data.)"""
    tables = SqliteTables(tmp_path / "tables.db", ["T"])
    table = tables.table("T")
    await table.put({"pk": "p", "sk": "s"})
    for count in (1, 3, 100):
        conn = sqlite3.connect(tmp_path / "tables.db")
        plan = conn.execute(f"EXPLAIN QUERY PLAN {local.keys_lookup(count)}", ["T", "p", "s"] * count).fetchall()
        conn.close()
        details = [str(row[-1]) for row in plan]
        assert any("SEARCH items USING PRIMARY KEY" in detail for detail in details), details
        assert not any(detail.startswith("SCAN items") for detail in details), details
    await tables.close()


# -- where a batch runs ------------------------------------------------------------------------------------------------


def _on_this_thread(_rows: object) -> int:
    return threading.get_ident()


async def test_a_batch_is_prepared_on_the_loop_that_queued_it_and_committed_by_the_worker(db_path: Path) -> None:
    """Uncontended, a write's work runs on the event loop's thread (no hand-over of the interpreter's lock for every
    SQLite call); only its COMMIT is the worker's — and it is durable when reported done."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "first", "v": 0})  # the worker sets the file up
        assert await tables.run_write(_on_this_thread, []) == threading.get_ident()
        await table.put({"pk": "u", "sk": "s", "v": 1})
        other = sqlite3.connect(db_path)  # another connection sees it: committed
        try:
            assert other.execute("SELECT count(*) FROM items WHERE sk = 's'").fetchone() == (1,)
        finally:
            other.close()
    finally:
        await tables.close()


async def test_a_batch_that_must_wait_for_the_lock_goes_to_the_worker(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    try:
        await tables.table("UserData").put({"pk": "u", "sk": "first", "v": 0})
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        waiting = asyncio.create_task(tables.run_write(_on_this_thread, []))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        other.execute("COMMIT")
        other.close()
        assert await asyncio.wait_for(waiting, timeout=10) != threading.get_ident()
        # The lock is free again: the next batch is prepared on the loop once more.
        assert await tables.run_write(_on_this_thread, []) == threading.get_ident()
    finally:
        await tables.close()


async def test_close_writes_what_was_queued_before_it(db_path: Path) -> None:
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    await table.put({"pk": "u", "sk": "first", "v": 0})
    writes = [asyncio.create_task(table.add("u", "hits", {"n": 1})) for _ in range(30)]
    await asyncio.sleep(0)  # queued, not yet written
    await tables.close()
    assert sorted([int((await write)["n"]) for write in writes]) == list(range(1, 31))
    assert tables._conn is None  # and nothing was left open
    assert tables._loop_conn is None
    with pytest.raises(Unavailable):
        await table.put({"pk": "u", "sk": "late"})
    reopened = SqliteTables(db_path, NAMES)
    try:
        assert await reopened.table("UserData").get("u", "hits") == {"pk": "u", "sk": "hits", "n": 30}
    finally:
        await reopened.close()


async def test_a_failed_commit_fails_its_batch_alone(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A COMMIT that fails (the disk is full, say) fails every write of its batch with Unavailable and keeps none of
    them; the next batch is written as usual."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "first", "v": 0})
        commit = SqliteTables._commit

        def failing(self: SqliteTables, conn: sqlite3.Connection, outcomes: list[Any]) -> None:
            class Refusing:  # COMMIT fails as a full disk would make it; everything else is the connection's
                in_transaction = conn.in_transaction

                def execute(self, sql: str, *args: Any) -> Any:
                    if sql == "COMMIT":
                        raise sqlite3.OperationalError("database or disk is full")
                    return conn.execute(sql, *args)

            commit(self, Refusing(), outcomes)  # type: ignore[arg-type]

        monkeypatch.setattr(SqliteTables, "_commit", failing)
        results = await asyncio.gather(
            *(table.put({"pk": "u", "sk": f"lost-{i}"}) for i in range(5)), return_exceptions=True
        )
        assert all(isinstance(result, Unavailable) for result in results), results
        monkeypatch.setattr(SqliteTables, "_commit", commit)
        await table.put({"pk": "u", "sk": "kept"})
        assert keys(await table.query("u")) == ["first", "kept"]
    finally:
        await tables.close()


async def test_a_fault_in_a_batch_fails_it_and_the_next_batch_still_runs(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong in a batch (here a fault of the module itself, on the loop and then on the worker), its
    writes fail with it and the batch is over: one left unfinished would hold up every later write."""
    tables = SqliteTables(db_path, NAMES)
    table = tables.table("UserData")
    try:
        await table.put({"pk": "u", "sk": "first", "v": 0})
        read = local._Rows.read

        def faulty(*_args: object) -> local._Rows:
            raise RuntimeError("a fault")

        monkeypatch.setattr(local._Rows, "read", faulty)
        with pytest.raises(RuntimeError, match="a fault"):
            await asyncio.wait_for(table.put({"pk": "u", "sk": "lost"}), timeout=5)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the next batch waits on the worker, and meets the fault there
        waiting = asyncio.create_task(table.put({"pk": "u", "sk": "lost-too"}))
        await asyncio.sleep(0.05)
        other.execute("COMMIT")
        other.close()
        with pytest.raises(RuntimeError, match="a fault"):
            await asyncio.wait_for(waiting, timeout=5)
        monkeypatch.setattr(local._Rows, "read", read)
        await asyncio.wait_for(table.put({"pk": "u", "sk": "kept"}), timeout=5)
        assert keys(await table.query("u")) == ["first", "kept"]
    finally:
        await tables.close()
