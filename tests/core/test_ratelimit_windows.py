"""A limiter that remembers the counters it has seen counts exactly as one that does not: each process (its own
memory) and the table's shared counter agree, a later hit in a window is one atomic add, and a new window starts
afresh."""

from __future__ import annotations

import asyncio

from senas.core.ratelimit import Budget, KnownWindows, RateLimiter
from senas.wiring import Platform


async def test_processes_with_their_own_memory_share_one_exact_count(platform: Platform) -> None:
    table = platform.tables.table(platform.settings.table_name("UserData"))
    now = [1_000_000.0]
    budget = Budget(50, 60)

    def limiter(known: KnownWindows) -> RateLimiter:
        return RateLimiter(table, now=lambda: now[0], known=known)

    first, second = KnownWindows(), KnownWindows()  # two tasks of the service
    decisions = await asyncio.gather(
        *(limiter(first).hit("progress", "learner-1", budget) for _ in range(30)),
        *(limiter(second).hit("progress", "learner-1", budget) for _ in range(30)),
    )
    assert sorted(decision.hits for decision in decisions) == list(range(1, 61))
    assert sum(1 for decision in decisions if not decision.allowed) == 10
    now[0] += 60  # the next window counts from one again
    assert (await limiter(first).hit("progress", "learner-1", budget)).hits == 1
