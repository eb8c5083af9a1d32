"""The contract of the queues port (SQS standard queues with a redrive policy), run against every
implementation.

Only the ``Queues``/``Queue`` protocols are used, so an implementation is added by writing one factory and
registering it in ``IMPLEMENTATIONS``. A factory is an async context manager taking a temp folder and the
queue configurations below, and yielding a ``Queues`` in which those queues exist and are empty (on AWS:
create them, each with its redrive policy, and delete them afterwards).

SQS cannot fake time, so the timing tests use real, short timeouts in whole seconds (SQS's visibility
timeouts, delays and waits are integers) and assert lower bounds with a little slack.

``SENAS_CONTRACT_QUEUES_IMPL=<name>`` runs the suite against that implementation only; the names of the
deliberately broken variants in ``broken_queues.py`` are accepted too (``test_queues_catches_broken.py`` uses
them to check that this suite notices each defect).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import ModuleType

import pytest

from module_loading import load_module
from senas.platform.errors import InvalidRequest, NotFound
from senas.platform.queues import Queue, QueueConfig, QueueDepth, Queues, ReceivedMessage
from senas.platform.queues.local import SqliteQueues

IMPL_ENV_VAR = "SENAS_CONTRACT_QUEUES_IMPL"

# "work" dead-letters after 2 receives; "plain" has no DLQ (so tests may receive a message any number of
# times); "slow" hides received messages for long, so only explicit changes make them visible again.
WORK, WORK_DLQ, PLAIN, SLOW = "work", "work-dlq", "plain", "slow"
MAX_RECEIVES = 2
CONFIGS = (
    QueueConfig(WORK, visibility_timeout=1, max_receive_count=MAX_RECEIVES, dead_letter_queue=WORK_DLQ),
    QueueConfig(WORK_DLQ, visibility_timeout=30),
    QueueConfig(PLAIN, visibility_timeout=1),
    QueueConfig(SLOW, visibility_timeout=30),
)
SLACK = 0.15  # timers may fire a little early relative to our clock readings

QueuesFactory = Callable[[Path, Sequence[QueueConfig]], AbstractAsyncContextManager[Queues]]


@contextlib.asynccontextmanager
async def make_sqlite(tmp_path: Path, configs: Sequence[QueueConfig]) -> AsyncIterator[Queues]:
    queues = SqliteQueues(tmp_path / "queues.db", configs)
    try:
        yield queues
    finally:
        await queues.close()


from aws.aws_harness import queues_implementations  # noqa: E402 - SQS on moto

IMPLEMENTATIONS: dict[str, QueuesFactory] = {"sqlite": make_sqlite, **queues_implementations()}


def _broken_queues() -> ModuleType:
    return load_module("senas_tests_broken_queues", Path(__file__).with_name("broken_queues.py"))


def _factory(name: str) -> QueuesFactory:
    if name in IMPLEMENTATIONS:
        return IMPLEMENTATIONS[name]
    variants: dict[str, QueuesFactory] = _broken_queues().BROKEN_VARIANTS
    if name in variants:
        return variants[name]
    raise LookupError(f"{IMPL_ENV_VAR}={name!r} names no queues implementation")


_SELECTED = [os.environ[IMPL_ENV_VAR]] if os.environ.get(IMPL_ENV_VAR) else list(IMPLEMENTATIONS)


@pytest.fixture(params=_SELECTED)
async def queues(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Queues]:
    async with _factory(request.param)(tmp_path, CONFIGS) as built:
        yield built


@pytest.fixture
def work(queues: Queues) -> Queue:
    return queues.queue(WORK)


@pytest.fixture
def plain(queues: Queues) -> Queue:
    return queues.queue(PLAIN)


@pytest.fixture
def slow(queues: Queues) -> Queue:
    return queues.queue(SLOW)


async def receive_one(
    queue: Queue, *, wait_seconds: float = 0, visibility_timeout: float | None = None
) -> ReceivedMessage:
    messages = await queue.receive(wait_seconds=wait_seconds, visibility_timeout=visibility_timeout)
    assert len(messages) == 1, messages
    return messages[0]


async def drain(queue: Queue, *, rounds: int = 50) -> list[ReceivedMessage]:
    """Receive until nothing is visible (the messages stay in flight); bounded, so that an implementation
    which keeps handing out the same messages fails instead of hanging."""
    received: list[ReceivedMessage] = []
    for _ in range(rounds):
        batch = await queue.receive(max_messages=10)
        if not batch:
            return received
        received.extend(batch)
    pytest.fail(f"the queue still had visible messages after {rounds} receives")


async def receive_without_ack(queue: Queue, times: int) -> None:
    """Receive everything visible ``times`` times over, handing each message straight back (as a failing
    consumer that gives up at once would)."""
    for _ in range(times):
        for message in await drain(queue):
            await queue.change_visibility(message.receipt, 0)


def depth_of(depth: QueueDepth) -> tuple[int, int, int]:
    return depth.visible, depth.in_flight, depth.delayed


# -- the basics ----------------------------------------------------------------------------------------------


async def test_implements_the_protocols(queues: Queues) -> None:
    assert isinstance(queues, Queues)
    queue = queues.queue(WORK)
    assert isinstance(queue, Queue)
    assert queue.name == WORK
    with pytest.raises(NotFound):
        queues.queue("no-such-queue")
    await queue.ping()


async def test_send_receive_delete(work: Queue) -> None:
    before = time.time()
    message_id = await work.send("hola")
    message = await receive_one(work)
    assert message.message_id == message_id
    assert message.body == "hola"
    assert message.receive_count == 1
    assert message.receipt
    assert before - 5 <= message.sent_at <= time.time() + 5  # epoch seconds

    await work.delete(message.receipt)
    assert await work.receive() == []
    assert depth_of(await work.depth()) == (0, 0, 0)


async def test_body_and_attributes_round_trip(work: Queue) -> None:
    body = '{"seña": "¡gracias!", "手话": "✋🏽👋", "tab": "\t", "lines": "a\nb"}'
    attributes = {"type": "práctica.calificada", "producer": "ml-service", "emoji": "🤟"}
    await work.send(body, attributes=attributes)
    message = await receive_one(work)
    assert message.body == body
    assert dict(message.attributes) == attributes


async def test_message_without_attributes_has_none(work: Queue) -> None:
    await work.send("plain")
    assert dict((await receive_one(work)).attributes) == {}


async def test_queues_are_independent(queues: Queues) -> None:
    await queues.queue(WORK).send("for work")
    assert await queues.queue(PLAIN).receive() == []
    assert (await receive_one(queues.queue(WORK))).body == "for work"


async def test_delayed_message_is_invisible_until_its_delay(work: Queue) -> None:
    sent = time.monotonic()
    await work.send("later", delay_seconds=1)
    assert await work.receive() == []
    assert depth_of(await work.depth()) == (0, 0, 1)
    message = await receive_one(work, wait_seconds=5)
    assert message.body == "later"
    assert time.monotonic() - sent >= 1 - SLACK


async def test_batch_receive_returns_at_most_max_messages(work: Queue) -> None:
    sent = {await work.send(f"m{n}") for n in range(5)}
    first = await work.receive(max_messages=3)
    assert 1 <= len(first) <= 3
    rest = await drain(work)
    ids = [m.message_id for m in first + rest]
    assert sorted(ids) == sorted(sent)  # every message once, none twice


@pytest.mark.parametrize("max_messages", [0, 11, -1])
async def test_invalid_max_messages(work: Queue, max_messages: int) -> None:
    with pytest.raises(InvalidRequest):
        await work.receive(max_messages=max_messages)


@pytest.mark.parametrize("receipt", ["", "not-a-receipt"])
async def test_malformed_receipt_is_invalid(work: Queue, receipt: str) -> None:
    with pytest.raises(InvalidRequest):
        await work.delete(receipt)
    with pytest.raises(InvalidRequest):
        await work.change_visibility(receipt, 0)


async def test_a_batch_holds_each_message_once_even_with_zero_visibility(plain: Queue) -> None:
    sent = {await plain.send(f"m{n}") for n in range(3)}
    batch = await plain.receive(max_messages=10, visibility_timeout=0)
    ids = [m.message_id for m in batch]
    assert ids
    assert len(ids) == len(set(ids)), "the same message twice in one batch"
    assert set(ids) <= sent


async def test_concurrent_receivers_never_share_a_message(slow: Queue) -> None:
    sent = {await slow.send(f"job {n}") for n in range(30)}
    got: list[str] = []

    async def consumer() -> None:
        for _ in range(30):
            batch = await slow.receive(max_messages=3)
            if not batch:
                return
            got.extend(m.message_id for m in batch)
            await asyncio.sleep(0)

    await asyncio.gather(*(consumer() for _ in range(5)))
    assert sorted(got) == sorted(sent)


# -- long polling --------------------------------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_a_message_arrives(work: Queue) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.3)
        await work.send("arrived")

    sender = asyncio.create_task(send_later())
    started = time.monotonic()
    messages = await work.receive(wait_seconds=10)
    elapsed = time.monotonic() - started
    await sender
    assert [m.body for m in messages] == ["arrived"]
    assert elapsed < 3, f"long poll took {elapsed:.2f}s to notice the message"


async def test_long_poll_returns_nothing_after_the_wait(work: Queue) -> None:
    started = time.monotonic()
    assert await work.receive(wait_seconds=1) == []
    elapsed = time.monotonic() - started
    assert 1 - SLACK <= elapsed < 4


# -- visibility ----------------------------------------------------------------------------------------------


async def test_unacked_message_is_hidden_then_redelivered_with_a_new_receipt(plain: Queue) -> None:
    message_id = await plain.send("retry me")
    first = await receive_one(plain)  # the queue's default visibility timeout: 1 s
    received_at = time.monotonic()
    assert await plain.receive() == [], "an in-flight message was handed out again"
    assert depth_of(await plain.depth()) == (0, 1, 0)

    second = await receive_one(plain, wait_seconds=5)
    assert time.monotonic() - received_at >= 1 - SLACK
    assert second.message_id == message_id
    assert second.receive_count == 2
    assert second.receipt != first.receipt


async def test_visibility_timeout_given_on_receive_overrides_the_queue_default(plain: Queue) -> None:
    await plain.send("keep hidden")
    await receive_one(plain, visibility_timeout=4)
    await asyncio.sleep(1.5)  # past the queue's default of 1 s
    assert await plain.receive() == []
    assert depth_of(await plain.depth()) == (0, 1, 0)


async def test_stale_receipt_does_not_delete_the_redelivered_message(plain: Queue) -> None:
    message_id = await plain.send("redelivered")
    first = await receive_one(plain)
    second = await receive_one(plain, wait_seconds=5)
    assert second.message_id == message_id

    await plain.delete(first.receipt)  # stale: ignored

    await plain.change_visibility(second.receipt, 0)
    third = await receive_one(plain)
    assert third.message_id == message_id
    assert third.receive_count == 3
    await plain.delete(third.receipt)
    assert await plain.receive() == []
    assert depth_of(await plain.depth()) == (0, 0, 0)


async def test_stale_receipt_does_not_change_visibility(plain: Queue) -> None:
    await plain.send("redelivered")
    first = await receive_one(plain)
    second = await receive_one(plain, wait_seconds=5, visibility_timeout=30)
    await plain.change_visibility(first.receipt, 0)  # stale: ignored
    assert await plain.receive() == []
    await plain.delete(second.receipt)
    assert depth_of(await plain.depth()) == (0, 0, 0)


async def test_change_visibility_to_zero_makes_the_message_visible_at_once(slow: Queue) -> None:
    message_id = await slow.send("give back")
    first = await receive_one(slow)  # hidden for 30 s
    await slow.change_visibility(first.receipt, 0)
    second = await receive_one(slow)
    assert second.message_id == message_id
    assert second.receive_count == 2


async def test_extending_visibility_keeps_the_message_hidden(plain: Queue) -> None:
    await plain.send("long job")
    message = await receive_one(plain, visibility_timeout=1)
    await plain.change_visibility(message.receipt, 4)
    await asyncio.sleep(1.5)
    assert await plain.receive() == []
    assert depth_of(await plain.depth()) == (0, 1, 0)
    await plain.delete(message.receipt)  # the receipt is still current
    assert depth_of(await plain.depth()) == (0, 0, 0)


# -- dead letters --------------------------------------------------------------------------------------------


async def test_message_moves_to_the_dead_letter_queue_after_max_receives(queues: Queues, work: Queue) -> None:
    message_id = await work.send("poison", attributes={"type": "practice.scored"})
    for attempt in range(1, MAX_RECEIVES + 1):
        message = await receive_one(work)
        assert message.receive_count == attempt
        await work.change_visibility(message.receipt, 0)  # failed: hand it back

    assert await work.receive() == [], "a message received max_receive_count times was handed out again"
    assert depth_of(await work.depth()) == (0, 0, 0)

    dlq = queues.queue(WORK_DLQ)
    dead = await receive_one(dlq)
    assert dead.message_id == message_id
    assert dead.body == "poison"
    assert dict(dead.attributes) == {"type": "practice.scored"}


async def test_redrive_moves_dead_letters_back_with_the_receive_count_reset(queues: Queues, work: Queue) -> None:
    sent = {await work.send(f"poison {n}") for n in range(3)}
    await receive_without_ack(work, MAX_RECEIVES + 1)
    dlq = queues.queue(WORK_DLQ)
    assert depth_of(await dlq.depth()) == (3, 0, 0)

    assert await work.redrive_dead_letters(max_messages=2) == 2
    assert await work.redrive_dead_letters() == 1
    assert await work.redrive_dead_letters() == 0
    assert depth_of(await dlq.depth()) == (0, 0, 0)

    back = await drain(work)
    assert {m.message_id for m in back} == sent
    assert {m.receive_count for m in back} == {1}


async def test_redrive_without_a_dead_letter_queue_moves_nothing(plain: Queue) -> None:
    await plain.send("fine")
    assert await plain.redrive_dead_letters() == 0


# -- depth and purge -----------------------------------------------------------------------------------------


async def test_depth_counts_visible_in_flight_and_delayed(slow: Queue) -> None:
    assert depth_of(await slow.depth()) == (0, 0, 0)
    for n in range(3):
        await slow.send(f"now {n}")
    await slow.send("later", delay_seconds=60)
    await receive_one(slow)
    assert depth_of(await slow.depth()) == (2, 1, 1)


async def test_purge_removes_every_message(slow: Queue) -> None:
    await slow.send("visible")
    await slow.send("in flight")
    await slow.send("delayed", delay_seconds=60)
    await receive_one(slow)
    await slow.purge()
    assert depth_of(await slow.depth()) == (0, 0, 0)
    assert await slow.receive() == []
    await slow.send("after purge")
    assert (await receive_one(slow)).body == "after purge"
