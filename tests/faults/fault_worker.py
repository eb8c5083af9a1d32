"""A queue worker process for the fault tests: the consumer ``senas worker <queue>`` runs, with a test-chosen
wrapper injected around each of its handlers (through the ``Consumer`` constructor; nothing is patched).

Run as ``python fault_worker.py <mode> <queue> <marker file>`` with the same ``SENAS_*`` environment as the
real worker. Modes:

* ``hold``: the real handler runs to the end (its effect is committed), then the worker writes the marker file
  and blocks before acknowledging — the deterministic point at which the test SIGKILLs it. The message is
  received with a short visibility timeout so that it is redelivered soon after the kill.
* ``forget`` (a broken worker): before the real handler runs, the idempotency record of the ``practice.scored``
  message is deleted, as a handler that skips its idempotency check would behave; handled messages are
  counted in the marker file.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from senas.core.app import build_consumers
from senas.core.consumer import Consumer, Delivery, Handler
from senas.core.logging import configure_logging
from senas.core.messages import Envelope
from senas.core.settings import load_settings
from senas.platform import catalog
from senas.services import build_root
from senas.wiring import Platform, build_platform

HOLD_VISIBILITY_SECONDS = 1.0


def hold_after_effect(handler: Handler, marker: Path) -> Handler:
    async def wrapped(envelope: Envelope, delivery: Delivery) -> None:
        await handler(envelope, delivery)
        note = json.dumps({"message_id": delivery.message_id, "receive_count": delivery.receive_count})
        await asyncio.to_thread(marker.write_text, note)
        await asyncio.Event().wait()  # never acknowledged: the test kills this process here

    return wrapped


def count_handled(marker: Path, receive_count: int) -> None:
    handled = json.loads(marker.read_text())["handled"] if marker.exists() else 0
    marker.write_text(json.dumps({"handled": handled + 1, "receive_count": receive_count}))


def forget_idempotency(handler: Handler, marker: Path, platform: Platform) -> Handler:
    from senas.platform import catalog
    from senas.users import keys

    progress = platform.tables.table(platform.settings.table_name(catalog.USER_PROGRESS))

    async def wrapped(envelope: Envelope, delivery: Delivery) -> None:
        data = envelope.data
        await progress.delete(keys.user(str(data["user_id"])), keys.idempotency(f"practice:{data['session_id']}"))
        await handler(envelope, delivery)
        await asyncio.to_thread(count_handled, marker, delivery.receive_count)

    return wrapped


async def main(mode: str, queue: str, marker: Path) -> None:
    settings = load_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    owner = next(name for name, queues in catalog.CONSUMERS.items() if queue in queues)
    platform = build_platform(settings)
    wanted = settings.resource_name(queue)
    [real] = [c for c in build_consumers(build_root(owner, platform), None) if c.queue.name == wanted]
    if mode == "hold":
        handlers = {kind: hold_after_effect(h, marker) for kind, h in real.handlers.items()}
        visibility = HOLD_VISIBILITY_SECONDS
    elif mode == "forget":
        handlers = {kind: forget_idempotency(h, marker, platform) for kind, h in real.handlers.items()}
        visibility = real.visibility_timeout
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    consumer = Consumer(
        real.queue,
        handlers,
        concurrency=1,
        wait_seconds=0.2,
        visibility_timeout=visibility,
        max_receive_count=real.max_receive_count,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, consumer.stop)
    try:
        await consumer.run()
    finally:
        await platform.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
