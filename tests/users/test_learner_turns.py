"""A learner's progress events take turns within a process (senas.users.progress.turns); other learners' do not
wait, and nothing is kept once nobody holds or waits for a turn."""

from __future__ import annotations

import asyncio

import pytest

from senas.users.progress.turns import LearnerTurns


async def test_one_learners_events_take_turns_in_arrival_order_and_others_do_not_wait() -> None:
    turns = LearnerTurns()
    log: list[str] = []
    release = asyncio.Event()

    async def event(user: str, name: str, *, hold: bool = False) -> None:
        async with turns.turn(user):
            log.append(f"{name} in")
            if hold:
                await release.wait()
            log.append(f"{name} out")

    first = asyncio.create_task(event("ana", "ana-1", hold=True))
    await asyncio.sleep(0)
    second = asyncio.create_task(event("ana", "ana-2"))
    third = asyncio.create_task(event("ana", "ana-3"))
    other = asyncio.create_task(event("bea", "bea-1"))
    await asyncio.wait_for(other, timeout=5)  # another learner goes on while ana's first event holds its turn
    assert log == ["ana-1 in", "bea-1 in", "bea-1 out"]
    assert len(turns) == 1  # ana's, held and waited for
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second, third), timeout=5)
    assert log[3:] == ["ana-1 out", "ana-2 in", "ana-2 out", "ana-3 in", "ana-3 out"]
    assert len(turns) == 0


async def test_a_failed_or_cancelled_event_gives_its_turn_back() -> None:
    turns = LearnerTurns()
    with pytest.raises(RuntimeError, match="refused"):
        async with turns.turn("ana"):
            raise RuntimeError("refused")
    blocker = asyncio.Event()

    async def held() -> None:
        async with turns.turn("ana"):
            await blocker.wait()

    holder = asyncio.create_task(held())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(held())
    await asyncio.sleep(0)
    waiter.cancel()
    holder.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)
    assert len(turns) == 0
    async with turns.turn("ana"):  # free again
        pass
