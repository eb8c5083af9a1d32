"""Limiters of several tasks share one exact count in the table, and a new window starts afresh; with a pool of
hits, each task decides on its own hits at once and writes them in batches."""

from __future__ import annotations

import asyncio

from senas.core.ratelimit import Budget, HitPool, RateLimiter
from senas.platform.errors import Unavailable
from senas.platform.tables import Item, Table
from senas.wiring import Platform


async def test_processes_share_one_exact_count(platform: Platform) -> None:
    table = platform.tables.table(platform.settings.table_name("UserData"))
    now = [1_000_000.0]
    budget = Budget(50, 60)
    first, second = (RateLimiter(table, now=lambda: now[0]) for _ in range(2))  # two tasks of the service
    decisions = await asyncio.gather(
        *(first.hit("progress", "learner-1", budget) for _ in range(30)),
        *(second.hit("progress", "learner-1", budget) for _ in range(30)),
    )
    assert sorted(decision.hits for decision in decisions) == list(range(1, 61))
    assert sum(1 for decision in decisions if not decision.allowed) == 10
    now[0] += 60  # the next window counts from one again
    assert (await first.hit("progress", "learner-1", budget)).hits == 1


# -- a pool of hits: written in batches ------------------------------------------------------------------------------


class FlakyTable:
    """The table, except that ``add`` fails while ``down`` is set (the table is unreachable)."""

    def __init__(self, inner: Table) -> None:
        self.inner = inner
        self.down = False
        self.adds = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        self.adds += 1
        if self.down:
            raise Unavailable("the table is unreachable")
        return await self.inner.add(pk, sk, amounts)


def stored_hits(item: Item | None) -> int:
    assert item is not None
    return int(item["hits"])


async def test_a_pool_decides_on_every_hit_at_once_and_writes_them_in_one_batch(platform: Platform) -> None:
    table = FlakyTable(platform.tables.table(platform.settings.table_name("UserData")))
    now = [1_000_000.0]
    pool = HitPool(flush_seconds=60)  # flushed by hand here
    limiter = RateLimiter(table, now=lambda: now[0], pool=pool)  # type: ignore[arg-type]
    budget = Budget(5, 60)
    decisions = [await limiter.hit("progress", "learner-1", budget) for _ in range(8)]
    assert [decision.hits for decision in decisions] == list(range(1, 9))
    assert [decision.allowed for decision in decisions] == [True] * 5 + [False] * 3  # refused hits count too
    pk, sk = limiter.key("progress", "learner-1", budget, int(now[0] // 60))
    assert stored_hits(await table.get(pk, sk)) == 1  # only the window's first hit was written at once
    assert pool.pending() == 7
    await pool.flush()
    assert pool.pending() == 0
    assert stored_hits(await table.get(pk, sk)) == 8
    assert table.adds == 1  # the seven pooled hits in one add
    now[0] += 60  # a new window: its first hit is written at once and counts from one
    assert (await limiter.hit("progress", "learner-1", budget)).hits == 1
    await pool.close()


async def test_tasks_with_their_own_pools_share_the_count_as_of_their_last_batch(platform: Platform) -> None:
    table = platform.tables.table(platform.settings.table_name("UserData"))
    now = [2_000_000.0]
    budget = Budget(5, 60)
    first, second = HitPool(flush_seconds=60), HitPool(flush_seconds=60)  # two tasks of the service
    on_first = RateLimiter(table, now=lambda: now[0], pool=first)
    on_second = RateLimiter(table, now=lambda: now[0], pool=second)
    assert [(await on_first.hit("progress", "learner-2", budget)).hits for _ in range(4)] == [1, 2, 3, 4]
    await first.flush()
    # The second task's first hit of the window reads what the first task has written: the fifth hit, then refusals.
    assert (await on_second.hit("progress", "learner-2", budget)).hits == 5
    refused = await on_second.hit("progress", "learner-2", budget)
    assert (refused.hits, refused.allowed) == (6, False)
    await second.close()  # shutting down writes what is pending
    await first.close()
    pk, sk = on_first.key("progress", "learner-2", budget, int(now[0] // 60))
    assert stored_hits(await table.get(pk, sk)) == 6


async def test_hits_a_flush_could_not_write_wait_for_the_next_one(platform: Platform) -> None:
    table = FlakyTable(platform.tables.table(platform.settings.table_name("UserData")))
    now = [3_000_000.0]
    pool = HitPool(flush_seconds=0.01)
    limiter = RateLimiter(table, now=lambda: now[0], pool=pool)  # type: ignore[arg-type]
    budget = Budget(100, 60)
    await limiter.hit("progress", "learner-3", budget)
    table.down = True
    for _ in range(3):
        await limiter.hit("progress", "learner-3", budget)
    await pool.flush()  # fails: kept
    assert pool.pending() == 3
    table.down = False
    await limiter.hit("progress", "learner-3", budget)  # schedules the background flush
    for _ in range(200):
        if not pool.pending():
            break
        await asyncio.sleep(0.01)
    pk, sk = limiter.key("progress", "learner-3", budget, int(now[0] // 60))
    assert stored_hits(await table.get(pk, sk)) == 5
    await pool.close()


def test_a_pool_used_from_a_new_event_loop_still_flushes(platform: Platform) -> None:
    """A flush that was due on an event loop that has ended (a test's, a restarted server's) does not block the
    flushes of the next one."""
    table = platform.tables.table(platform.settings.table_name("UserData"))
    pool = HitPool(flush_seconds=0.01)
    budget = Budget(100, 60)
    now = [4_000_000.0]

    async def hits(count: int) -> None:
        limiter = RateLimiter(table, now=lambda: now[0], pool=pool)
        for _ in range(count):
            await limiter.hit("progress", "learner-4", budget)

    asyncio.run(hits(3))  # the first is written at once; the loop ends before the other two are flushed
    assert pool.pending() == 2

    async def later() -> int:
        await hits(1)
        for _ in range(200):
            if not pool.pending():
                break
            await asyncio.sleep(0.01)
        limiter = RateLimiter(table, now=lambda: now[0])
        stored = await table.get(*limiter.key("progress", "learner-4", budget, int(now[0] // 60)))
        return stored_hits(stored)

    assert asyncio.run(later()) == 4


class StuckTable(FlakyTable):
    """The table, except that ``add`` never answers while ``down`` is set (a flush left waiting on it)."""

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        if self.down:
            await asyncio.Event().wait()
        return await self.inner.add(pk, sk, amounts)


def test_a_flush_left_pending_when_its_event_loop_ends_closes_quietly(platform: Platform) -> None:
    """The garbage collector closes a task left pending on an event loop that has ended (a test's, a stopped
    server's); its flush must end there, not try to schedule another on a loop that is gone (an exception nobody can
    catch, reported as unraisable)."""
    table = StuckTable(platform.tables.table(platform.settings.table_name("UserData")))
    pool = HitPool(flush_seconds=0.01)
    budget = Budget(100, 60)
    now = [5_000_000.0]

    async def hits_then_a_stuck_flush() -> asyncio.Task[None]:
        limiter = RateLimiter(table, now=lambda: now[0], pool=pool)  # type: ignore[arg-type]
        await limiter.hit("progress", "learner-5", budget)  # the first is written at once
        table.down = True
        for _ in range(2):  # these are pooled, and their flush waits on the table
            await limiter.hit("progress", "learner-5", budget)
        for _ in range(200):
            if pool._flushing is not None:
                break
            await asyncio.sleep(0.01)
        assert pool._flushing is not None
        return pool._flushing

    loop = asyncio.new_event_loop()
    try:
        flushing = loop.run_until_complete(hits_then_a_stuck_flush())
    finally:
        loop.close()
    flushing.get_coro().close()  # as the garbage collector does: raises nothing
    assert pool.pending() == 2
