"""Writes to the embedded tables as the table grows: the same writes into a small and a large table, in one run.

    .venv/bin/python bench/tables_write.py [--small 1000] [--large 100000] [--writes 3000] [--concurrency 16]

Each write is a conditional put plus an atomic add in one ``transact_write`` (the shape of a progress event), to a
key of its own, at the given concurrency (so the tables group the writes of a batch into one commit). A write batch
reads the rows it touches by their keys first; that read must be a primary-key search, whatever the size of the
table — the figure to watch is the ratio large/small, which stays near 1 when it is (an earlier spelling of that
read scanned every row of the file on every batch: 0.06 — 438 writes/s at 100 000 rows against 7 500 at 1 000 —
where this gives about 1.0, some 12 000 writes/s at either size, on an idle 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from senas.platform.tables import Add, Condition, Put
from senas.platform.tables.local import SqliteTables

FILLER = "x" * 300  # about the size of a review card or a progress record


async def fill(tables: SqliteTables, rows: int) -> None:
    table = tables.table("T")
    for start in range(0, rows, 100):
        await table.transact_write(
            [Put({"pk": f"old#{n % 997}", "sk": f"item#{n:08d}", "body": FILLER}) for n in range(start, start + 100)]
        )


async def writes_per_second(tables: SqliteTables, writes: int, concurrency: int, *, first: int = 0) -> float:
    table = tables.table("T")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(first, first + writes):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await table.transact_write(
                [
                    Put({"pk": f"user#{n % 64}", "sk": f"event#{n:08d}", "body": FILLER}, Condition.item_absent()),
                    Add(f"user#{n % 64}", f"counter#{n}", {"xp": 10}),
                ]
            )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return writes / (time.perf_counter() - started)


async def measure(rows: int, writes: int, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        tables = SqliteTables(Path(folder) / "tables.db", ["T"])
        try:
            await fill(tables, rows)
            await writes_per_second(tables, 200, concurrency)  # warm-up
            return await writes_per_second(tables, writes, concurrency, first=200)
        finally:
            await tables.close()


async def main(small: int, large: int, writes: int, concurrency: int) -> int:
    per_second = {}
    for rows in (small, large):
        per_second[rows] = await measure(rows, writes, concurrency)
        print(f"{rows:>8} rows: {per_second[rows]:8.0f} writes/s ({writes} writes at concurrency {concurrency})")
    ratio = per_second[large] / per_second[small]
    print(f"ratio large/small: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.small, args.large, args.writes, args.concurrency)))
