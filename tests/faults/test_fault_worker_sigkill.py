"""A worker SIGKILLed in the middle of a message: the message is redelivered and its effect applied once.

The queue is the user service's ``practice-results``; its handler turns a ``practice.scored`` message into XP (a
durable write to the progress table, with the session's idempotency record in the same transaction). Sequence:

1. a worker process (``fault_worker.py hold``: the consumer of ``senas worker practice-results`` with a wrapper
   injected around the handler) handles the message — the XP is written — and blocks before acknowledging;
2. the test SIGKILLs it there, so the message is still in flight and, after its visibility timeout, visible
   again;
3. a real ``senas worker practice-results`` is started: it receives the message again and handles it, and the
   queue and its dead-letter queue end up empty.

What must hold (``assert_applied_once``): the message was handled by the second worker, and the learner's XP and
practice attempts count it exactly once. A second worker that skips the idempotency record
(``fault_worker.py forget``) is shown to fail this assertion (the XP is counted twice).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from senas.contracts.progress import PracticeScored
from senas.core.messages import send
from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.tables import KeyRange, Table
from senas.users import keys
from senas.users.progress.xp import PRACTICE_PASSED_XP
from senas.wiring import Platform

pytestmark = pytest.mark.slow

FAULT_WORKER = Path(__file__).with_name("fault_worker.py")
WAIT_SECONDS = 40.0  # bound on each wait for another process; each normally takes a second or two
USER = "learner-kill"
SESSION = "session-kill-1"


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENAS_") or k == "SENAS_STRICT_TESTS"}
    env.update(SENAS_DATA_DIR=str(settings.data_dir), SENAS_LOG_JSON="true", SENAS_LOG_LEVEL="info")
    return env


def start(command: list[str], settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=worker_env(settings), cwd=settings.data_dir.parent, stdout=output, stderr=subprocess.STDOUT
        )


def fault_worker(mode: str, marker: Path, settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return start([sys.executable, str(FAULT_WORKER), mode, catalog.PRACTICE_RESULTS, str(marker)], settings, log)


def senas_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return start([sys.executable, "-m", "senas.cli", "worker", catalog.PRACTICE_RESULTS], settings, log)


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def wait_for(condition: object, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = condition() if callable(condition) else condition
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert process.poll() is None, f"worker exited ({process.returncode}) before {what}:\n{tail(log)}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{tail(log)}"
        await asyncio.sleep(0.05)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        os.kill(process.pid, sig)
    return process.wait(timeout=WAIT_SECONDS)


@dataclass
class Observed:
    xp_after_first: int
    xp_total: int
    attempts: int
    second_handled: int
    queue_left: tuple[int, int]
    dead_letters: int


def progress_table(platform: Platform) -> Table:
    return platform.tables.table(platform.settings.table_name(catalog.USER_PROGRESS))


async def xp_of(platform: Platform) -> int:
    stats = await progress_table(platform).get(keys.user(USER), keys.STATS)
    return 0 if stats is None else int(stats.get("xp", 0))


async def attempts_of(platform: Platform) -> int:
    page = await progress_table(platform).query(keys.user(USER), sk=KeyRange(begins_with="ATTEMPT#"))
    return len(page.items)


def handled_by_senas_worker(log: Path) -> int:
    """The ``handled`` count the real worker logs when it stops (JSON lines)."""
    for line in log.read_text().splitlines():
        if '"consumer_stopped"' in line:
            return int(json.loads(line)["handled"])
    raise AssertionError(f"the worker did not log consumer_stopped:\n{log.read_text()[-3000:]}")


async def kill_mid_message(platform: Platform, tmp_path: Path, *, second: str) -> Observed:
    settings = platform.settings
    queue = platform.queues.queue(settings.resource_name(catalog.PRACTICE_RESULTS))
    dlq = platform.queues.queue(settings.resource_name(catalog.dead_letter_queue(catalog.PRACTICE_RESULTS)))
    scored = PracticeScored(
        session_id=SESSION,
        user_id=USER,
        sign_id="sign-a",
        language="lse",
        score=91.0,
        passed=True,
        mode="video",
        scored_at=datetime.now(UTC),
    )
    await send(queue, scored.to_envelope("ml"))

    held = tmp_path / "held.json"
    first_log = tmp_path / "first.log"
    first = fault_worker("hold", held, settings, first_log)
    try:
        await wait_for(held.exists, first, first_log, "the first worker to apply the message")
        xp_after_first = await xp_of(platform)
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            stop(first, signal.SIGKILL)
    depth = await queue.depth()
    assert depth.in_flight + depth.visible == 1, depth  # killed before acknowledging: the message is not lost

    second_log = tmp_path / "second.log"
    counted = tmp_path / "second.json"
    worker = (
        senas_worker(settings, second_log) if second == "senas" else fault_worker(second, counted, settings, second_log)
    )
    try:

        async def drained() -> bool:
            depth = await queue.depth()
            return (depth.visible, depth.in_flight, depth.delayed) == (0, 0, 0)

        await wait_for(drained, worker, second_log, "the second worker to handle the redelivered message")
        assert stop(worker) == 0, second_log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            stop(worker, signal.SIGKILL)
    if second == "senas":
        second_handled = handled_by_senas_worker(second_log)
    else:
        second_handled = int(json.loads(counted.read_text())["handled"])
    depth = await queue.depth()
    return Observed(
        xp_after_first=xp_after_first,
        xp_total=await xp_of(platform),
        attempts=await attempts_of(platform),
        second_handled=second_handled,
        queue_left=(depth.visible, depth.in_flight),
        dead_letters=(await dlq.depth()).visible,
    )


def assert_applied_once(observed: Observed) -> None:
    # The kill came after the effect: only idempotency can keep the redelivery from applying it again.
    assert observed.xp_after_first == PRACTICE_PASSED_XP, observed
    assert observed.second_handled == 1, f"the message was not redelivered to the second worker: {observed}"
    assert observed.queue_left == (0, 0), observed
    assert observed.dead_letters == 0, observed
    assert observed.xp_total == PRACTICE_PASSED_XP, f"effect applied more than once: {observed}"
    assert observed.attempts == 1, f"effect applied more than once: {observed}"


async def test_a_worker_killed_mid_message_leaves_it_to_be_redelivered_and_applied_once(
    platform: Platform, tmp_path: Path
) -> None:
    assert_applied_once(await kill_mid_message(platform, tmp_path, second="senas"))


async def test_a_worker_without_idempotency_is_caught(platform: Platform, tmp_path: Path) -> None:
    observed = await kill_mid_message(platform, tmp_path, second="forget")
    with pytest.raises(AssertionError, match="effect applied more than once"):
        assert_applied_once(observed)
