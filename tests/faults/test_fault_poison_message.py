"""Poison messages on the ML service's ``video-processing`` queue end in its dead-letter queue, visibly.

The consumer is the one the ML service runs for ``video-processing`` (its real handlers from the service spec),
given a short visibility timeout through the ``Consumer`` constructor so that redeliveries come quickly; the
queue allows ``MAX_RECEIVES`` receives. The deployment has no hand-landmark model installed (the ML bootstrap is
off and the models store is empty), so a learner's practice video can never be processed: every attempt fails.
Sent to the queue:

* that ``video.uploaded`` for a real practice session (its upload is in the bucket);
* an envelope that is not even JSON, and one of a type nobody handles;
* afterwards, a well-formed message the worker can finish (an upload for a session that does not exist, which
  it acknowledges and ignores) — proof the worker kept going.

What must hold (``assert_dead_lettered_visibly``): the three poison messages are in the dead-letter queue after
exactly ``MAX_RECEIVES`` receives, the work queue is empty, the consumer never crashed and handled the good
message, and the learner sees the session ``failed`` with a reason in both languages through
``GET /ml/sessions/{id}``. A worker that never recognises the last attempt (so the failure is never recorded
before the message is dead-lettered) is shown to fail these assertions.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from roots import handlers_for
from senas.contracts.media import VideoUploaded
from senas.core.consumer import Consumer, Delivery, Handler
from senas.core.messages import Envelope, send
from senas.core.settings import Settings, load_settings
from senas.ml import bootstrap as ml_bootstrap
from senas.ml.app import create_app as create_ml_app
from senas.ml.sessions.models import PracticeSession
from senas.ml.sessions.repository import SessionRepository
from senas.platform import catalog
from senas.platform.queues import ReceivedMessage
from senas.wiring import Platform, build_platform

pytestmark = pytest.mark.slow

MAX_RECEIVES = 3
VISIBILITY = 0.3  # seconds a failed message stays hidden before it is retried
WAIT_SECONDS = 30.0
USER = "learner-poison"


@pytest.fixture
def poison_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SENAS_ML_BOOTSTRAP", "false")  # no models installed: practice videos cannot be processed
    return load_settings(data_dir=tmp_path / "data", log_json=False, queue_max_receive_count=MAX_RECEIVES)


@pytest.fixture
async def ml_platform(poison_settings: Settings) -> Any:
    platform = build_platform(poison_settings)
    try:
        yield platform
    finally:
        await platform.close()


@dataclass
class Observed:
    dead: list[ReceivedMessage] = field(default_factory=list)
    left: tuple[int, int, int] = (0, 0, 0)
    consumer_alive: bool = False
    handled: int = 0
    failed: int = 0
    session: dict[str, Any] = field(default_factory=dict)
    session_status: int = 0


async def practice_session(platform: Platform) -> tuple[str, str]:
    """A video practice session waiting for its upload, and the upload in the bucket, as the content service
    leaves them; returns (session id, key)."""
    repo = SessionRepository(platform.tables.table(platform.settings.table_name(catalog.AI_SESSIONS)))
    session_id = uuid.uuid4().hex
    stamp = "2026-01-01T00:00:00+00:00"
    await repo.create(
        PracticeSession(
            session_id=session_id,
            user_id=USER,
            sign_id="sign-a",
            sign_key="lse/letra-a",
            gloss="A",
            language="lse",
            mode="video",
            dominant_hand="right",
            status="awaiting_upload",
            created_at=stamp,
            updated_at=stamp,
            timings={"created_at": stamp},
        )
    )
    key = f"practice/{USER}/{session_id}.mp4"
    uploads = platform.blobs.store(platform.settings.resource_name(catalog.USER_UPLOADS))
    await uploads.put(key, b"\x00\x00\x00\x18ftypmp42" + bytes(2048), content_type="video/mp4")
    return session_id, key


def uploaded(session_id: str, key: str) -> Envelope:
    return VideoUploaded(
        upload_id=f"up-{session_id}",
        purpose="practice",
        bucket=catalog.USER_UPLOADS,
        key=key,
        content_type="video/mp4",
        size=2060,
        sign_id="sign-a",
        session_id=session_id,
        user_id=USER,
    ).to_envelope("content")


async def run_poison(platform: Platform, token: str, wrap: Mapping[str, Handler] | None = None) -> tuple[Observed, str]:
    queue = platform.queues.queue(platform.settings.resource_name(catalog.VIDEO_PROCESSING))
    dlq = platform.queues.queue(platform.settings.resource_name(catalog.dead_letter_queue(catalog.VIDEO_PROCESSING)))
    if wrap is not None:
        handlers = dict(wrap)
    else:
        handlers = dict(handlers_for(ml_bootstrap.build(platform), catalog.VIDEO_PROCESSING))
    consumer = Consumer(
        queue,
        handlers,
        concurrency=2,
        wait_seconds=0.1,
        visibility_timeout=VISIBILITY,
        max_receive_count=platform.settings.queue_max_receive_count,
    )
    session_id, key = await practice_session(platform)
    await send(queue, uploaded(session_id, key))
    await queue.send("{not json at all", attributes={"type": "video.uploaded"})
    await send(queue, Envelope.new("video.transcoded", {"key": key}, producer="content"))

    observed = Observed()
    task = asyncio.create_task(consumer.run())
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while (await dlq.depth()).visible < 3 and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.05)
        await send(queue, uploaded("no-such-session", f"practice/{USER}/missing.mp4"))
        while consumer.handled < 1 and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.05)
        observed.consumer_alive = not task.done()
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=WAIT_SECONDS)
    observed.handled, observed.failed = consumer.handled, consumer.failed
    depth = await queue.depth()
    observed.left = (depth.visible, depth.in_flight, depth.delayed)
    while batch := await dlq.receive(max_messages=10, wait_seconds=0):
        observed.dead.extend(batch)

    # Its lifespan (model loading) is not needed to read a session.
    app = create_ml_app(ml_bootstrap.build(platform), run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml.test") as client:
        response = await client.get(f"/ml/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"})
    observed.session_status = response.status_code
    observed.session = response.json()
    return observed, session_id


def assert_dead_lettered_visibly(observed: Observed) -> None:
    assert observed.consumer_alive, "the worker stopped on a poison message"
    assert observed.handled == 1, f"the worker did not go on to handle the good message: {observed}"
    assert observed.left == (0, 0, 0), f"messages left on the work queue: {observed.left}"
    bodies = sorted(m.body for m in observed.dead)
    assert len(observed.dead) == 3, f"dead letters: {bodies}"
    assert "{not json at all" in bodies
    kinds = {Envelope.from_json(b).type for b in bodies if b.startswith('{"')}
    assert kinds == {"video.uploaded", "video.transcoded"}, kinds
    # Each was tried the configured number of times, no fewer, before it was given up.
    assert observed.failed == 3 * MAX_RECEIVES, observed.failed

    assert observed.session_status == 200, observed.session
    session = observed.session
    assert session["status"] == "failed", f"the session does not show the failure: {session}"
    assert session["reason_es"], session
    assert session["reason_en"], session


async def test_poison_messages_end_in_the_dlq_and_the_session_shows_failed(
    ml_platform: Platform, mint_token: Any
) -> None:
    observed, _ = await run_poison(ml_platform, mint_token(USER))
    assert_dead_lettered_visibly(observed)
    print("session:", observed.session["status"], "—", observed.session["reason_en"])


async def test_a_worker_that_misses_the_last_attempt_is_caught(ml_platform: Platform, mint_token: Any) -> None:
    real = handlers_for(ml_bootstrap.build(ml_platform), catalog.VIDEO_PROCESSING)

    def never_last(handler: Handler) -> Handler:
        # Broken: every delivery looks like one of many left, so the failure is never recorded for the learner.
        async def wrapped(envelope: Envelope, delivery: Delivery) -> None:
            await handler(envelope, Delivery(delivery.queue, delivery.message_id, delivery.receive_count, 10**6))

        return wrapped

    observed, _ = await run_poison(ml_platform, mint_token(USER), {kind: never_last(h) for kind, h in real.items()})
    with pytest.raises(AssertionError, match="the session does not show the failure"):
        assert_dead_lettered_visibly(observed)
