"""The per-user token revocation stamps (issue 14 #9) and the back-off counter (#5, #6), on the embedded table."""

from __future__ import annotations

from typing import Any

import pytest

from senas.platform import catalog
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.tables import Table
from senas.platform.tables.counters import Backoff, BackoffCounter
from senas.wiring import Platform


@pytest.fixture
def table(platform: Platform) -> Table:
    return platform.tables.table(platform.settings.table_name(catalog.USER_DATA))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_tokens_of_the_revocations_second_and_before_are_void(table: Table) -> None:
    clock = Clock(1_000_000.25)
    revocations = TokenRevocations(table, clock=clock)
    assert await revocations.not_before("u1") is None
    assert not await revocations.is_revoked("u1", 999_000)
    stamp = await revocations.revoke("u1")
    assert stamp == 1_000_001
    assert await revocations.is_revoked("u1", 1_000_000)  # issued in the same second, before or after
    assert not await revocations.is_revoked("u1", 1_000_001)  # what the embedded provider issues next
    # A second change in that second voids the tokens issued at the first stamp too.
    assert await revocations.revoke("u1") == 1_000_002
    assert await revocations.is_revoked("u1", 1_000_001)
    assert not await revocations.is_revoked("u2", 1_000_000)  # per user


async def test_another_process_sees_a_revocation_within_the_cache_time(table: Table) -> None:
    ticks = Clock(0.0)
    writer = TokenRevocations(table, clock=Clock(2_000_000.0))
    reader = TokenRevocations(table, cache_seconds=10, monotonic=ticks)
    assert not await reader.is_revoked("u1", 1_999_999)  # remembered: nothing revoked
    await writer.revoke("u1")
    ticks.now = 5.0
    assert not await reader.is_revoked("u1", 1_999_999)  # still the cached answer
    ticks.now = 10.5
    assert await reader.is_revoked("u1", 1_999_999)


async def test_backoff_doubles_after_the_free_failures_and_clears(table: Table) -> None:
    clock = Clock(100.0)
    counter = BackoffCounter(
        table, "TEST", Backoff(free=2, base_seconds=1, cap_seconds=8, window_seconds=3600), now=clock
    )
    seen: list[Any] = []
    for _ in range(6):
        state = await counter.fail("k")
        seen.append((state.failures, state.retry_after))
    assert seen == [(1, 0), (2, 1), (3, 2), (4, 4), (5, 8), (6, 8)]
    assert (await counter.state("k")).retry_after == 8
    clock.now += 8
    assert not (await counter.state("k")).blocked
    await counter.clear("k")
    assert (await counter.state("k")).failures == 0
