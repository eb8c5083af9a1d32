"""The embedded queue under several OS processes sharing one SQLite file, and across restarts.

Consumers are separate Python processes running ``WORKER`` (below) with ``python -c``; each one writes what it
handled to its own JSON-lines file, and the test checks the log afterwards:

* every message is handled, and one whose visibility timeout is long enough is handled exactly once;
* no message is handed out again while it is hidden: every handling starts after the previous handling of the
  same message gave it back plus the time it asked to stay hidden;
* messages whose handler always fails reach the dead-letter queue after ``max_receive_count`` receives;
* a consumer killed with SIGKILL while holding a message loses it only for the visibility timeout.

The last tests cover what only the embedded implementation has to show: subscriptions and messages shared through
the file (another process, a restart), ``ping`` on an unusable database, and a cancelled receive handing back
the claim it made.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from senas.platform.errors import Unavailable
from senas.platform.queues import QueueConfig, QueueDepth
from senas.platform.queues.local import SqliteQueues
from senas.platform.topics.local import LocalTopics

pytestmark = pytest.mark.slow

EPSILON = 0.02  # seconds: clock readings of different processes around the same instant

WORKER = r"""
import asyncio, json, sys, time
from pathlib import Path
from senas.platform.queues import QueueConfig
from senas.platform.queues.local import SqliteQueues
from senas.platform.topics.local import LocalTopics


class HandlerFailed(Exception):
    pass


def handle(body):
    if body.startswith("fail"):
        raise HandlerFailed(body)


async def consume(queue, args):
    stop = Path(args["stop"])
    with open(args["results"], "a", encoding="utf-8") as results:
        while not stop.exists():
            before = time.time()
            messages = await queue.receive(max_messages=10, wait_seconds=0.2)
            after = time.time()
            for message in messages:
                record = {"id": message.message_id, "body": message.body, "receipt": message.receipt,
                          "count": message.receive_count, "before": before, "after": after}
                try:
                    handle(message.body)
                except HandlerFailed:
                    # Not deleted: give it back to be retried after a short back-off.
                    record["hidden_from"] = time.time()
                    record["hidden_for"] = args["retry_after"]
                    await queue.change_visibility(message.receipt, args["retry_after"])
                else:
                    record["hidden_from"] = None
                    await queue.delete(message.receipt)
                results.write(json.dumps(record) + "\n")
            results.flush()


async def hold(queue, args):
    before = time.time()
    [message] = await queue.receive(wait_seconds=10)
    print(json.dumps({"id": message.message_id, "receipt": message.receipt, "count": message.receive_count,
                      "before": before, "after": time.time()}), flush=True)
    await asyncio.sleep(120)  # killed long before this ends


async def take(queue, args):
    before = time.time()
    messages = await queue.receive(wait_seconds=10)
    after = time.time()
    for message in messages:
        await queue.delete(message.receipt)
    print(json.dumps([{"id": m.message_id, "receipt": m.receipt, "count": m.receive_count, "before": before,
                       "after": after} for m in messages]), flush=True)


async def publish(queues, args):
    await LocalTopics(queues).publish(args["topic"], args["body"], attributes={"type": args["type"]})


async def main(args):
    queues = SqliteQueues(Path(args["db"]), [QueueConfig(**c) for c in args["configs"]], poll_interval=0.02)
    try:
        if args["mode"] == "publish":
            await publish(queues, args)
        else:
            await {"consume": consume, "hold": hold, "take": take}[args["mode"]](queues.queue(args["queue"]), args)
    finally:
        await queues.close()


asyncio.run(main(json.loads(sys.argv[1])))
"""


def worker_args(db: Path, configs: list[QueueConfig], mode: str, **extra: Any) -> str:
    return json.dumps({"db": str(db), "configs": [dataclasses.asdict(c) for c in configs], "mode": mode, **extra})


def start_worker(args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def depth_of(depth: QueueDepth) -> tuple[int, int, int]:
    return depth.visible, depth.in_flight, depth.delayed


# -- several consumer processes ------------------------------------------------------------------------------

CONSUMERS = 4
GOOD_MESSAGES = 1000
FAILING_MESSAGES = 20
MAX_RECEIVES = 3
RETRY_AFTER = 0.5


async def test_consumer_processes_share_the_work_without_double_handling(tmp_path: Path) -> None:
    db = tmp_path / "queues.db"
    # Long default visibility: a message that is not given back explicitly is never legitimately redelivered.
    configs = [
        QueueConfig("jobs", visibility_timeout=60, max_receive_count=MAX_RECEIVES, dead_letter_queue="jobs-dlq"),
        QueueConfig("jobs-dlq"),
    ]
    queues = SqliteQueues(db, configs)
    jobs, dead = queues.queue("jobs"), queues.queue("jobs-dlq")
    stop = tmp_path / "stop"
    result_files = [tmp_path / f"results-{n}.jsonl" for n in range(CONSUMERS)]
    workers = [
        start_worker(
            worker_args(
                db, configs, "consume", queue="jobs", stop=str(stop), results=str(path), retry_after=RETRY_AFTER
            )
        )
        for path in result_files
    ]
    try:
        async with asyncio.timeout(20):  # each consumer opens its results file once it is polling
            while not all(path.exists() for path in result_files):
                assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
                await asyncio.sleep(0.05)
        bodies = [f"ok {n}" for n in range(GOOD_MESSAGES)]
        bodies[::50] = [f"fail {n}" for n in range(FAILING_MESSAGES)]  # spread among the others
        bodies += [f"ok {n}" for n in range(GOOD_MESSAGES, GOOD_MESSAGES + FAILING_MESSAGES)]
        sent = {await jobs.send(body): body for body in bodies}

        async with asyncio.timeout(45):
            while not (depth_of(await jobs.depth()) == (0, 0, 0) and (await dead.depth()).visible == FAILING_MESSAGES):
                assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
                await asyncio.sleep(0.1)
        stop.touch()
        for worker in workers:
            _, errors = worker.communicate(timeout=20)
            assert worker.returncode == 0, errors
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()

    handlings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    handled_per_consumer = []
    for path in result_files:
        lines = path.read_text(encoding="utf-8").splitlines()
        handled_per_consumer.append(len(lines))
        for line in lines:
            record = json.loads(line)
            handlings[record["id"]].append(record)
    assert set(handlings) == set(sent)  # every message handled
    assert all(handled_per_consumer), handled_per_consumer  # they shared the work

    for message_id, records in handlings.items():
        records.sort(key=lambda r: r["after"])
        assert {r["body"] for r in records} == {sent[message_id]}
        assert len({r["receipt"] for r in records}) == len(records), "a receipt was handed out twice"
        for earlier, later in itertools.pairwise(records):
            # Hidden from the moment it was given back for ``hidden_for``; nothing may claim it sooner.
            assert earlier["hidden_from"] is not None, f"{message_id} was handled again after it was deleted"
            assert later["after"] >= earlier["hidden_from"] + earlier["hidden_for"] - EPSILON, (earlier, later)
        if sent[message_id].startswith("fail"):
            assert [r["count"] for r in records] == list(range(1, MAX_RECEIVES + 1))
        else:
            assert [r["count"] for r in records] == [1], f"{sent[message_id]} handled {len(records)} times"

    dead_letters = []
    while batch := await dead.receive(max_messages=10):
        dead_letters.extend(batch)
    assert sorted(m.body for m in dead_letters) == sorted(b for b in bodies if b.startswith("fail"))
    # The move keeps the receive count (as SQS does); this receive from the DLQ adds one.
    assert {m.receive_count for m in dead_letters} == {MAX_RECEIVES + 1}
    await queues.close()


# -- a consumer killed while holding a message ---------------------------------------------------------------

VISIBILITY = 1.0


async def test_message_held_by_a_killed_consumer_is_redelivered_after_its_visibility_timeout(
    tmp_path: Path,
) -> None:
    db = tmp_path / "queues.db"
    configs = [QueueConfig("jobs", visibility_timeout=VISIBILITY)]
    queues = SqliteQueues(db, configs)
    jobs = queues.queue("jobs")
    message_id = await jobs.send("survive me")

    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, worker_args(db, configs, "hold", queue="jobs"), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(holder.stdout.readline(), timeout=15)
        held = json.loads(line)
        assert (held["id"], held["count"]) == (message_id, 1)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        await holder.wait()
    assert holder.returncode == -signal.SIGKILL

    assert await jobs.receive() == []  # still hidden: its holder is gone, but the timeout has not passed

    taker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, worker_args(db, configs, "take", queue="jobs"), stdout=asyncio.subprocess.PIPE
    )
    output, _ = await asyncio.wait_for(taker.communicate(), timeout=20)
    assert taker.returncode == 0
    [taken] = json.loads(output)
    assert taken["id"] == message_id
    assert taken["count"] == 2
    assert taken["receipt"] != held["receipt"]
    assert taken["after"] >= held["before"] + VISIBILITY - EPSILON
    assert depth_of(await jobs.depth()) == (0, 0, 0)
    await queues.close()


# -- the same file seen by another process or after a restart ------------------------------------------------


async def test_a_publish_from_another_process_follows_the_subscriptions_made_here(tmp_path: Path) -> None:
    db = tmp_path / "queues.db"
    configs = [QueueConfig("inbox-a"), QueueConfig("inbox-b")]
    queues = SqliteQueues(db, configs)
    topics = LocalTopics(queues)
    await topics.subscribe("achievements", "inbox-a", filter_types={"achievement.earned"})
    await topics.subscribe("achievements", "inbox-b")

    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        worker_args(db, configs, "publish", topic="achievements", body="¡logro!", type="streak.extended"),
    )
    assert await asyncio.wait_for(publisher.wait(), timeout=20) == 0

    [copy] = await queues.queue("inbox-b").receive(wait_seconds=5)
    assert (copy.body, dict(copy.attributes)) == ("¡logro!", {"type": "streak.extended"})
    assert await queues.queue("inbox-a").receive() == []  # filtered out
    await queues.close()


async def test_messages_and_subscriptions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "folder" / "queues.db"  # the folder is created
    configs = [QueueConfig("jobs", visibility_timeout=60), QueueConfig("inbox")]
    first = SqliteQueues(db, configs)
    for n in range(3):
        await first.queue("jobs").send(f"job {n}", attributes={"type": "t"})
    await first.queue("jobs").send("delayed", delay_seconds=60)
    [in_flight] = await first.queue("jobs").receive()
    await LocalTopics(first).subscribe("news", "inbox")
    await first.close()

    second = SqliteQueues(db, configs)
    jobs = second.queue("jobs")
    assert depth_of(await jobs.depth()) == (2, 1, 1)
    remaining = await jobs.receive(max_messages=10)
    assert sorted(m.body for m in remaining) == ["job 1", "job 2"]
    assert all(dict(m.attributes) == {"type": "t"} for m in remaining)
    await jobs.delete(in_flight.receipt)  # a receipt from before the restart still works
    assert depth_of(await jobs.depth()) == (0, 2, 1)

    await LocalTopics(second).publish("news", "extra")
    assert [m.body for m in await second.queue("inbox").receive()] == ["extra"]
    await second.close()


async def test_ping_reports_an_unusable_database(tmp_path: Path) -> None:
    queues = SqliteQueues(tmp_path / "queues.db", [QueueConfig("jobs")])
    await queues.queue("jobs").ping()
    await queues.close()
    with pytest.raises(Unavailable):
        await queues.queue("jobs").ping()
    with pytest.raises(Unavailable):
        await queues.queue("jobs").send("after close")

    not_a_database = tmp_path / "garbage.db"
    not_a_database.write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(Unavailable):
        SqliteQueues(not_a_database, [QueueConfig("jobs")])
    with pytest.raises(Unavailable):
        SqliteQueues(tmp_path, [QueueConfig("jobs")])  # a folder


async def test_a_claim_whose_receiver_was_cancelled_is_handed_back_at_once(tmp_path: Path) -> None:
    queues = SqliteQueues(tmp_path / "queues.db", [QueueConfig("jobs", visibility_timeout=60)])
    jobs = queues.queue("jobs")
    message_id = await jobs.send("do not lose me")
    # Keep the database thread busy so the claim below is still queued when its receiver gives up.
    busy = asyncio.create_task(queues.run(lambda _conn: time.sleep(0.3)))
    await asyncio.sleep(0.05)
    receiver = asyncio.create_task(jobs.receive())
    await asyncio.sleep(0.05)
    receiver.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiver
    await busy
    # The claim committed after the cancellation; without the hand-back it would stay hidden for 60 s.
    [again] = await jobs.receive(wait_seconds=2)
    assert (again.message_id, again.receive_count) == (message_id, 2)
    await queues.close()
