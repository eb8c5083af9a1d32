"""One progress event of a learner at a time in this process.

Every event that moves a learner's day, streak or counters (a lesson's completion, a practice scored, a review
answered) reads them, plans, and writes them back under version conditions: two events of one learner at once meet
at those conditions, the later one's whole transaction is refused, and it reads, plans and writes again after a
random pause. That keeps XP exact across the service's tasks, but within one task it is waste — under a burst of one
learner's completions (a client retrying, a learner on two devices) a third of them were done twice or more. So
events of one learner in this process take turns (in arrival order); the conditions still settle what tasks do at
the same time, and nothing else waits: other learners' events, and this learner's answers, go on meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class LearnerTurns:
    def __init__(self) -> None:
        # A learner's lock and how many hold or wait for it; gone when nobody does (no lock outlives its use, nor is
        # one shared by two event loops).
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._turns)

    @asynccontextmanager
    async def turn(self, user_id: str) -> AsyncIterator[None]:
        lock, users = self._turns.get(user_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._turns[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[user_id]
            if users == 1:
                del self._turns[user_id]
            else:
                self._turns[user_id] = (lock, users - 1)
