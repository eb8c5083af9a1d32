"""Counters that the table forgets on their own: the rate limits' windows, and the back-off after failed sign-ins
and second-factor codes."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass

from senas.platform.errors import ConditionFailed
from senas.platform.tables import Condition, Table


async def increment_expiring(table: Table, pk: str, sk: str, field: str, *, expires_at: int) -> int:
    """Adds 1 to ``field`` of the item and returns the new count. The first increment creates the item with a
    conditional put carrying ``expires_at`` (``add`` alone would leave it without one, and the table would keep it
    for ever); every later one is the table's atomic ``add``. Each is a single atomic write on DynamoDB and on the
    embedded tables, so concurrent increments from many processes are all counted."""
    with contextlib.suppress(ConditionFailed):
        await table.put({"pk": pk, "sk": sk, field: 1, "expires_at": expires_at}, condition=Condition.item_absent())
        return 1
    counter = await table.add(pk, sk, {field: 1})
    return int(counter[field])


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off after failures: ``free`` failures cost nothing, then each failure makes the next
    attempt wait ``base_seconds`` × 2^(failures − free), at most ``cap_seconds``. Failures are forgotten
    ``window_seconds`` after the first one of a series (or when the caller clears them after a success)."""

    free: int
    base_seconds: float
    cap_seconds: float
    window_seconds: int

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.cap_seconds, self.base_seconds * 2 ** min(failures - self.free, 40)))


@dataclass(frozen=True)
class BackoffState:
    failures: int
    retry_after: int  # whole seconds until the next attempt is allowed; 0: now

    @property
    def blocked(self) -> bool:
        return self.retry_after > 0


@dataclass(eq=False)  # compared and hashed by identity, as a service object
class BackoffCounter:
    """Failures per key in a table shared by every process, and the moment the next attempt is allowed.

    Items: ``<prefix>#<key>`` / ``FAILS`` (an expiring counter, see ``increment_expiring``) and ``… / UNTIL`` (the
    moment, in ``now``'s terms, before which attempts are refused). Two writes per failure, none per success of a
    clean key; concurrent failures are all counted (the count is atomic), and the later ``UNTIL`` write may win
    over a slightly longer one — a back-off a step shorter, never a count lost. ``now`` decides the waits (tests
    inject a clock); ``ttl_now`` stamps ``expires_at`` and must be the clock the table's expiry runs on."""

    table: Table
    prefix: str
    policy: Backoff
    _: KW_ONLY
    now: Callable[[], float] = time.time
    ttl_now: Callable[[], float] = time.time

    def _pk(self, key: str) -> str:
        return f"{self.prefix}#{key}"

    async def state(self, key: str) -> BackoffState:
        pk = self._pk(key)
        counter = await self.table.get(pk, "FAILS")
        until = await self.table.get(pk, "UNTIL")
        failures = int(counter["failures"]) if counter is not None else 0
        wait = float(until["until"]) - self.now() if until is not None else 0.0
        return BackoffState(failures=failures, retry_after=max(0, math.ceil(wait)))

    async def fail(self, key: str) -> BackoffState:
        """Count one failure; returns the count and the wait it now imposes."""
        pk = self._pk(key)
        failures = await increment_expiring(
            self.table, pk, "FAILS", "failures", expires_at=math.ceil(self.ttl_now()) + self.policy.window_seconds
        )
        delay = self.policy.delay(failures)
        if delay > 0:
            await self.table.put(
                {
                    "pk": pk,
                    "sk": "UNTIL",
                    "until": self.now() + delay,
                    "expires_at": math.ceil(self.ttl_now() + delay) + 60,
                }
            )
        return BackoffState(failures=failures, retry_after=math.ceil(delay))

    async def clear(self, key: str) -> None:
        pk = self._pk(key)
        await self.table.delete(pk, "FAILS")
        await self.table.delete(pk, "UNTIL")
