"""Throughput of the embedded queue against plain sqlite3 doing the same storage work.

    .venv/bin/python bench/queue_throughput.py [--messages N] [--synchronous NORMAL|FULL]

Queue: ``send`` every message (one transaction each), then ``receive`` in batches of 10 (one claim transaction
per batch) and ``delete`` each received message (one transaction each) — what a producer and a consumer cost.

Baseline: plain sqlite3 on the same kind of file (WAL, same ``synchronous``, same table and index) in the
calling thread: INSERT each row (one transaction each), then per batch of 10 SELECT the oldest rows and DELETE
each of them (one transaction each). So both sides commit once per message for the insert and for the delete;
the queue additionally claims each batch, runs on its database thread and checks the SQS limits.

Runs the two sides alternately for a few rounds (the machine's load changes) and prints both rates and their
ratio (the aim is a ratio of at least 0.25); it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median
from typing import Literal

from senas.platform.queues import QueueConfig
from senas.platform.queues.local import _SCHEMA, SqliteQueues

BATCH = 10
ATTRIBUTES = {"type": "bench.item", "producer": "bench"}


def body_of(n: int) -> str:
    return json.dumps(
        {
            "id": str(uuid.UUID(int=n)),
            "type": "bench.item",
            "version": 1,
            "occurred_at": "2025-01-01T00:00:00Z",
            "producer": "bench",
            "data": {"n": n, "sign": "gracias", "score": 87.5},
        }
    )


async def run_queue(path: Path, messages: int, synchronous: Literal["NORMAL", "FULL"]) -> float:
    queues = SqliteQueues(path, [QueueConfig("bench", visibility_timeout=600)], synchronous=synchronous)
    queue = queues.queue("bench")
    bodies = [body_of(n) for n in range(messages)]
    started = time.perf_counter()
    for body in bodies:
        await queue.send(body, attributes=ATTRIBUTES)
    handled = 0
    while handled < messages:
        batch = await queue.receive(max_messages=BATCH)
        if not batch:
            raise RuntimeError(f"the queue ran dry after {handled} of {messages} messages")
        for message in batch:
            await queue.delete(message.receipt)
        handled += len(batch)
    elapsed = time.perf_counter() - started
    depth = await queue.depth()
    await queues.close()
    if (depth.visible, depth.in_flight, depth.delayed) != (0, 0, 0):
        raise RuntimeError(f"messages left behind: {depth}")
    return messages / elapsed


def run_baseline(path: Path, messages: int, synchronous: str) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=15000")
    for statement in _SCHEMA:
        conn.execute(statement)
    bodies = [body_of(n) for n in range(messages)]
    attributes = json.dumps(ATTRIBUTES)
    started = time.perf_counter()
    for body in bodies:
        now = time.time()
        conn.execute(
            "INSERT INTO queue_messages (queue, message_id, body, attributes, sent_at, visible_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ("bench", str(uuid.uuid4()), body, attributes, now, now),
        )
    handled = 0
    while handled < messages:
        rows = conn.execute(
            "SELECT seq, body, attributes FROM queue_messages WHERE queue = ? AND visible_at <= ?"
            " ORDER BY visible_at, seq LIMIT ?",
            ("bench", time.time(), BATCH),
        ).fetchall()
        if not rows:
            raise RuntimeError(f"the table ran dry after {handled} of {messages} rows")
        for seq, _body, _attributes in rows:
            conn.execute("DELETE FROM queue_messages WHERE seq = ?", (seq,))
        handled += len(rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (default 3)")
    parser.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    args = parser.parse_args()
    synchronous: Literal["NORMAL", "FULL"] = args.synchronous

    baselines: list[float] = []
    queues: list[float] = []
    with tempfile.TemporaryDirectory(prefix="senas-bench-") as folder:
        for round_number in range(args.rounds):
            # Alternate so that both sides see the same machine load, on fresh files each time.
            baselines.append(run_baseline(Path(folder) / f"baseline-{round_number}.db", args.messages, synchronous))
            queues.append(asyncio.run(run_queue(Path(folder) / f"queue-{round_number}.db", args.messages, synchronous)))

    ratios = sorted(q / b for q, b in zip(queues, baselines, strict=True))
    print(f"messages: {args.messages} x {args.rounds} rounds  (WAL, synchronous={synchronous}, a fresh file each run)")
    print(f"style: one transaction per send/insert and per delete; receive/select in batches of {BATCH}")
    for label, rates in (
        (f"embedded queue (send + receive x{BATCH} + delete)", queues),
        (f"plain sqlite3  (insert + select x{BATCH} + delete)", baselines),
    ):
        print(f"{label}: median {median(rates):7.0f}  best {max(rates):7.0f} messages/s")
    per_round = ", ".join(f"{ratio:.2f}" for ratio in ratios)
    print(f"ratio queue / baseline: median {median(ratios):.2f}  (per round, sorted: {per_round}; aim: >= 0.25)")


if __name__ == "__main__":
    main()
