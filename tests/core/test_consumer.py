from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from senas.core.consumer import Consumer, Delivery
from senas.core.messages import Envelope, send
from senas.platform.queues import QueueConfig
from senas.platform.queues.local import SqliteQueues


@pytest.fixture
async def queues(tmp_path: Path):  # type: ignore[no-untyped-def]
    built = SqliteQueues(
        tmp_path / "q.db",
        [
            QueueConfig("work", visibility_timeout=0.4, max_receive_count=3, dead_letter_queue="work-dlq"),
            QueueConfig("work-dlq"),
        ],
    )
    yield built
    await built.close()


async def run_until(consumer: Consumer, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    finally:
        consumer.stop()
        await task


async def test_handles_and_acks_each_message(queues: SqliteQueues) -> None:
    seen: list[str] = []

    async def handler(envelope: Envelope, delivery: Delivery) -> None:
        seen.append(envelope.data["n"])

    queue = queues.queue("work")
    for n in range(20):
        await send(queue, Envelope.new("test.item", {"n": n}, producer="test"))
    consumer = Consumer(queue, {"test.item": handler}, concurrency=4, wait_seconds=0.2, visibility_timeout=5)
    await run_until(consumer, lambda: len(seen) == 20)
    assert sorted(seen) == list(range(20))
    depth = await queue.depth()
    assert (depth.visible, depth.in_flight) == (0, 0)


async def test_failing_message_is_retried_then_dead_lettered_and_told_last_attempt(
    queues: SqliteQueues,
) -> None:
    attempts: list[Delivery] = []

    async def handler(envelope: Envelope, delivery: Delivery) -> None:
        attempts.append(delivery)
        raise RuntimeError("cannot process")

    queue = queues.queue("work")
    await send(queue, Envelope.new("test.item", {}, producer="test"))
    consumer = Consumer(queue, {"test.item": handler}, wait_seconds=0.2, visibility_timeout=0.3, max_receive_count=3)

    async def dead_lettered() -> bool:
        return (await queues.queue("work-dlq").depth()).visible == 1

    task = asyncio.create_task(consumer.run())
    async with asyncio.timeout(10):
        while not await dead_lettered():
            await asyncio.sleep(0.05)
    consumer.stop()
    await task
    assert [a.receive_count for a in attempts] == [1, 2, 3]
    assert [a.is_last_attempt for a in attempts] == [False, False, True]
    assert consumer.failed == 3


@pytest.mark.parametrize("body", ["{not json", '{"id": "x"}'])
async def test_invalid_or_unknown_messages_end_in_the_dead_letter_queue(queues: SqliteQueues, body: str) -> None:
    queue = queues.queue("work")
    await queue.send(body)
    await send(queue, Envelope.new("nobody.handles", {}, producer="test"))
    consumer = Consumer(queue, {}, wait_seconds=0.1, visibility_timeout=0.2, max_receive_count=3)
    dlq = queues.queue("work-dlq")
    task = asyncio.create_task(consumer.run())
    async with asyncio.timeout(10):
        while (await dlq.depth()).visible < 2:
            await asyncio.sleep(0.05)
    consumer.stop()
    await task
    assert consumer.handled == 0


async def test_concurrency_is_bounded(queues: SqliteQueues) -> None:
    running = 0
    peak = 0
    done = 0

    async def handler(envelope: Envelope, delivery: Delivery) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        done += 1

    queue = queues.queue("work")
    for _ in range(30):
        await send(queue, Envelope.new("test.item", {}, producer="test"))
    consumer = Consumer(queue, {"test.item": handler}, concurrency=3, wait_seconds=0.1, visibility_timeout=5)
    await run_until(consumer, lambda: done == 30)
    assert peak == 3


async def test_stop_finishes_what_it_holds(queues: SqliteQueues) -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(envelope: Envelope, delivery: Delivery) -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(envelope.id)

    queue = queues.queue("work")
    await send(queue, Envelope.new("test.item", {}, producer="test"))
    consumer = Consumer(queue, {"test.item": slow}, wait_seconds=0.1, visibility_timeout=5)
    task = asyncio.create_task(consumer.run())
    await asyncio.wait_for(started.wait(), 5)
    consumer.stop()
    await asyncio.wait_for(task, 5)
    assert len(finished) == 1
    assert (await queue.depth()).in_flight == 0  # acked before run() returned


async def test_slow_handler_keeps_its_message_invisible(queues: SqliteQueues) -> None:
    """Work longer than the visibility timeout is not handed to a second consumer meanwhile."""
    deliveries: list[int] = []

    async def slow(envelope: Envelope, delivery: Delivery) -> None:
        deliveries.append(delivery.receive_count)
        await asyncio.sleep(1.2)  # three times the visibility timeout

    queue = queues.queue("work")
    await send(queue, Envelope.new("test.item", {}, producer="test"))
    first = Consumer(queue, {"test.item": slow}, wait_seconds=0.1, visibility_timeout=0.4)
    second = Consumer(queue, {"test.item": slow}, wait_seconds=0.1, visibility_timeout=0.4)
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    async with asyncio.timeout(10):
        while first.handled + second.handled < 1:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    first.stop()
    second.stop()
    await asyncio.gather(*tasks)
    assert deliveries == [1]
