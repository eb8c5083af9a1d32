"""The SQLite file behind the embedded tables and queues: private, WAL-journaled, schema-versioned. Several
processes (``senas up`` starts three services) open the same file, so opening has to tolerate the others."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from senas.platform.files import private_file


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` transaction: takes the database write lock up front, so the reads inside it
    cannot be invalidated by another writer before it commits; rolled back when the body raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_database(
    path: Path,
    *,
    schema: Sequence[str],
    version: int,
    busy_timeout_seconds: float,
    synchronous: str = "FULL",
) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode with ``schema`` applied (``PRAGMA user_version`` = ``version``).

    Raises ``sqlite3.Error`` when the file cannot be used, or was written by a newer schema."""
    private_file(path)  # 0600 before SQLite opens it (its -wal and -shm files take the same mode)
    conn = sqlite3.connect(path, timeout=busy_timeout_seconds, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        mode = _switch_to_wal(conn, deadline=time.monotonic() + busy_timeout_seconds)
        if mode.lower() != "wal":
            raise sqlite3.OperationalError(f"cannot use WAL journaling on {path} (journal_mode is {mode!r})")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        with write_transaction(conn):
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            if found > version:
                raise sqlite3.OperationalError(f"{path} has schema version {found}; this code knows {version}")
            for statement in schema:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        conn.close()
        raise
    return conn


def _switch_to_wal(conn: sqlite3.Connection, *, deadline: float) -> str:
    # Switching a new file to WAL needs it to itself, and SQLite reports "locked" at once, without its busy
    # handler, while another process is opening it too: retry until the busy timeout.
    while True:
        current = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        if current.lower() == "wal":
            return current  # already WAL (the file is shared): nothing to change, no lock to take
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
