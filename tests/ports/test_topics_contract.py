"""The contract of the topics port (SNS with raw-delivery SQS subscriptions and ``type`` filter policies), run
against every implementation.

Only the ``Topics`` and ``Queues`` protocols are used, so an implementation is added by writing one factory
and registering it in ``IMPLEMENTATIONS``. A factory is an async context manager taking a temp folder, the
queue configurations and the topic names below, and yielding a ``TopicsHarness``: topics that exist with no
subscriptions, and the queues (existing, empty) that the tests subscribe to them.

Delivery into the queues is awaited with a short long-poll, so an implementation whose fan-out is asynchronous
(SNS) passes as long as it delivers within a few seconds.

``SENAS_CONTRACT_TOPICS_IMPL=<name>`` runs the suite against that implementation only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from senas.platform.errors import InvalidRequest, NotFound
from senas.platform.queues import Queue, QueueConfig, Queues, ReceivedMessage
from senas.platform.queues.local import SqliteQueues
from senas.platform.topics import Topics
from senas.platform.topics.local import LocalTopics

IMPL_ENV_VAR = "SENAS_CONTRACT_TOPICS_IMPL"

ALPHA, BETA = "alpha", "beta"
TOPIC_NAMES = (ALPHA, BETA)
INBOX_A, INBOX_B = "inbox-a", "inbox-b"
QUEUE_CONFIGS = (QueueConfig(INBOX_A, visibility_timeout=30), QueueConfig(INBOX_B, visibility_timeout=30))
DELIVERY_WAIT = 2  # seconds a long poll waits for an expected copy


@dataclass
class TopicsHarness:
    topics: Topics
    queues: Queues


TopicsFactory = Callable[[Path, Sequence[QueueConfig], Sequence[str]], AbstractAsyncContextManager[TopicsHarness]]


@contextlib.asynccontextmanager
async def make_local(
    tmp_path: Path, configs: Sequence[QueueConfig], topic_names: Sequence[str]
) -> AsyncIterator[TopicsHarness]:
    queues = SqliteQueues(tmp_path / "queues.db", configs)
    try:
        yield TopicsHarness(topics=LocalTopics(queues), queues=queues)
    finally:
        await queues.close()


from aws.aws_harness import topics_implementations  # noqa: E402 - SNS → SQS on moto

IMPLEMENTATIONS: dict[str, TopicsFactory] = {"local": make_local, **topics_implementations()}

_SELECTED = [os.environ[IMPL_ENV_VAR]] if os.environ.get(IMPL_ENV_VAR) else list(IMPLEMENTATIONS)


@pytest.fixture(params=_SELECTED)
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TopicsHarness]:
    factory = IMPLEMENTATIONS.get(request.param)
    if factory is None:
        raise LookupError(f"{IMPL_ENV_VAR}={request.param!r} names no topics implementation")
    async with factory(tmp_path, QUEUE_CONFIGS, TOPIC_NAMES) as built:
        yield built


@pytest.fixture
def topics(harness: TopicsHarness) -> Topics:
    return harness.topics


@pytest.fixture
def inbox_a(harness: TopicsHarness) -> Queue:
    return harness.queues.queue(INBOX_A)


@pytest.fixture
def inbox_b(harness: TopicsHarness) -> Queue:
    return harness.queues.queue(INBOX_B)


async def collect(queue: Queue, expected: int) -> list[ReceivedMessage]:
    """Receive the ``expected`` copies (waiting a little for each), then check that nothing else came."""
    received: list[ReceivedMessage] = []
    for _ in range(expected + 5):
        if len(received) >= expected:
            break
        received.extend(await queue.receive(max_messages=10, wait_seconds=DELIVERY_WAIT))
    received.extend(await queue.receive(max_messages=10))
    return received


def bodies(messages: list[ReceivedMessage]) -> list[str]:
    return sorted(m.body for m in messages)


async def test_implements_the_protocol(topics: Topics) -> None:
    assert isinstance(topics, Topics)
    await topics.ping()


async def test_fan_out_to_every_subscribed_queue(topics: Topics, inbox_a: Queue, inbox_b: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A)
    await topics.subscribe(ALPHA, INBOX_B)
    message_id = await topics.publish(ALPHA, '{"logro": "racha de 7 días 🔥"}', attributes={"type": "a"})
    assert isinstance(message_id, str)
    assert message_id
    assert bodies(await collect(inbox_a, 1)) == ['{"logro": "racha de 7 días 🔥"}']
    assert bodies(await collect(inbox_b, 1)) == ['{"logro": "racha de 7 días 🔥"}']


async def test_filter_by_type(topics: Topics, inbox_a: Queue, inbox_b: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A, filter_types={"a"})
    await topics.subscribe(ALPHA, INBOX_B)
    await topics.publish(ALPHA, "first a", attributes={"type": "a"})
    await topics.publish(ALPHA, "a b", attributes={"type": "b"})
    await topics.publish(ALPHA, "second a", attributes={"type": "a"})
    assert bodies(await collect(inbox_a, 2)) == ["first a", "second a"]
    assert bodies(await collect(inbox_b, 3)) == ["a b", "first a", "second a"]


async def test_filter_with_several_types(topics: Topics, inbox_a: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A, filter_types=["a", "c"])
    for message_type in ("a", "b", "c"):
        await topics.publish(ALPHA, f"type {message_type}", attributes={"type": message_type})
    assert bodies(await collect(inbox_a, 2)) == ["type a", "type c"]


async def test_a_message_without_type_matches_no_filter(topics: Topics, inbox_a: Queue, inbox_b: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A, filter_types={"a"})
    await topics.subscribe(ALPHA, INBOX_B)
    await topics.publish(ALPHA, "untyped")
    assert bodies(await collect(inbox_b, 1)) == ["untyped"]
    assert await inbox_a.receive() == []


async def test_attributes_are_delivered(topics: Topics, inbox_a: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A)
    attributes = {"type": "logro.obtenido", "producer": "user-service", "nota": "¡enhorabuena! 🎉"}
    await topics.publish(ALPHA, "body", attributes=attributes)
    [message] = await collect(inbox_a, 1)
    assert dict(message.attributes) == attributes
    assert message.receive_count == 1


async def test_subscribing_again_replaces_the_filter(topics: Topics, inbox_a: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A, filter_types={"a"})
    await topics.subscribe(ALPHA, INBOX_A, filter_types={"b"})
    await topics.publish(ALPHA, "type a", attributes={"type": "a"})
    await topics.publish(ALPHA, "type b", attributes={"type": "b"})
    assert bodies(await collect(inbox_a, 1)) == ["type b"]  # once: the subscription was replaced, not added


async def test_subscribing_again_without_filter_takes_everything(topics: Topics, inbox_a: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A, filter_types={"a"})
    await topics.subscribe(ALPHA, INBOX_A)
    await topics.publish(ALPHA, "type b", attributes={"type": "b"})
    assert bodies(await collect(inbox_a, 1)) == ["type b"]


async def test_topics_are_independent(topics: Topics, inbox_a: Queue, inbox_b: Queue) -> None:
    await topics.subscribe(ALPHA, INBOX_A)
    await topics.subscribe(BETA, INBOX_B)
    await topics.publish(BETA, "for beta", attributes={"type": "a"})
    assert bodies(await collect(inbox_b, 1)) == ["for beta"]
    assert await inbox_a.receive() == []


async def test_publish_without_subscribers_is_fine(topics: Topics, inbox_a: Queue) -> None:
    message_id = await topics.publish(BETA, "nobody listens", attributes={"type": "a"})
    assert isinstance(message_id, str)
    assert message_id
    assert await inbox_a.receive() == []


async def test_subscribing_an_unknown_queue_is_not_found(topics: Topics) -> None:
    with pytest.raises(NotFound):
        await topics.subscribe(ALPHA, "no-such-queue")


async def test_an_empty_filter_is_invalid(topics: Topics) -> None:
    with pytest.raises(InvalidRequest):
        await topics.subscribe(ALPHA, INBOX_A, filter_types=[])
