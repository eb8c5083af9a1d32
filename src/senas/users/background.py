"""Work a request starts but its answer does not wait for: the follow-ups of a progress event (review cards, level,
achievements, leaderboard), which the outbox holds durably and this runs soon after the response.

One run at a time per key (a learner): what is kicked while a run is going runs after it, in order, so a learner's
follow-ups are applied in order and never race each other. Losing a run (the process stops) loses nothing: the
outbox item stays until it is done, and the service's background sweep finds it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)

Work = Callable[[], Awaitable[object]]


class BackgroundWork:
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, list[Work]] = {}

    def kick(self, key: str, work: Work) -> None:
        if key in self._running:
            self._waiting.setdefault(key, []).append(work)
            return
        self._running[key] = asyncio.get_running_loop().create_task(self._run(key, work))

    async def _run(self, key: str, work: Work) -> None:
        try:
            while True:
                try:
                    await work()
                except Exception:
                    # The outbox keeps the work; the sweep (or the learner's next event) tries again.
                    log.exception("background_work_failed", key=key)
                waiting = self._waiting.get(key)
                if not waiting:
                    self._waiting.pop(key, None)
                    return
                work = waiting.pop(0)
        finally:
            self._running.pop(key, None)

    def busy(self) -> bool:
        return bool(self._running)

    async def idle(self) -> None:
        """Wait until nothing is running (tests, benchmarks, and shutting down)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def close(self, *, grace_seconds: float = 5.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), timeout=grace_seconds)
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*list(self._running.values()), return_exceptions=True)
