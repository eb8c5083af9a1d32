"""Request budgets per client address, counted in a key-value table so that every process and every ECS task of a
service shares one count (a counter in memory would give each task its own budget).

Fixed windows: a hit adds 1 to the counter of ``(scope, client, window)``. The first hit of a window creates the
item with a conditional put (it carries its ``expires_at``, so the table forgets it); every other hit uses the
table's atomic ``add``. Both are single atomic writes on DynamoDB and on the embedded tables, so concurrent hits
from many tasks are all counted. A fixed window lets a client spend up to two budgets around a window boundary;
that is accepted for abuse limits in exchange for one write per hit.

The client address comes from ``X-Forwarded-For`` only as far as trusted proxies wrote it: each proxy (the local
gateway, the AWS load balancer) appends the address it received the connection from, so with ``trusted_hops``
proxies in front of the service the client is the ``trusted_hops``-th entry from the right. Whatever the client
wrote itself sits further left and is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass

import structlog

from senas.platform.errors import PortError
from senas.platform.tables import Table
from senas.platform.tables.counters import increment_expiring

log = structlog.get_logger(__name__)

# A counter outlives its window by this much, so a hit that arrives just as the window ends still finds it.
EXPIRY_MARGIN_SECONDS = 60
_BUDGET = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*s?\s*$")
_IPV4_WITH_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")
_BRACKETED_IPV6 = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$")
IPV6_GROUPING_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64: counting single addresses is no limit


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` hits per ``window_seconds``."""

    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds < 1:
            raise ValueError("a budget needs at least 1 hit in a window of at least 1 second")
        if self.window_seconds > 86400:
            raise ValueError("a budget window is at most one day (86400 s)")

    @staticmethod
    def parse(text: str) -> Budget:
        """``"20/60"``: 20 hits per 60 seconds."""
        match = _BUDGET.fullmatch(text)
        if match is None:
            raise ValueError(f"a budget is written <hits>/<seconds>, e.g. 20/60; got {text!r}")
        return Budget(int(match.group(1)), int(match.group(2)))

    @staticmethod
    def coerce(value: object) -> object:
        """Settings accept ``"20/60"`` (environment) as well as a Budget."""
        return Budget.parse(value) if isinstance(value, str) else value

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_seconds}"


@dataclass(eq=False)
class _PooledCounter:
    table: Table
    until: float  # the window's end, on the limiter's clock
    ttl_until: float  # when the table may forget the counter (less the margin), on the table's clock
    shared: int  # the table's count when this process last wrote to it (every task's hits up to then)
    pending: int = 0  # this process's hits since, not yet added to the table


class HitPool:
    """Hits of one process added to the shared counters in batches, for budgets where a short lag between the
    service's tasks is acceptable (a learner's progress writes) — never for guessing limits (sign-in, codes), which
    stay one atomic write per hit.

    The first hit of a window in this process is written at once, exactly as without a pool (it creates the counter
    with its expiry, and reads what every task has counted so far). Each later hit in that window is counted here
    and decided on at once — this process's hits are always all counted — and the pool adds them to the table's
    counter within ``flush_seconds``, one ``add`` per counter with everything taken meanwhile, all counters of a
    flush at once. So the shared count is exact, every hit reaches it, and a task sees the other tasks' hits as of
    its own last write to the counter: with N tasks a client can go past its budget by at most what the other tasks
    let through in one flush interval. In exchange a hit costs no table write: on DynamoDB a request no longer
    waits for an ``UpdateItem`` before its own work; on the embedded tables it no longer takes a turn at the write
    lock. ``close`` writes what is still pending (the service's shutdown calls it)."""

    def __init__(self, *, flush_seconds: float = 0.2, size: int = 100_000, ttl_now: Callable[[], float] = time.time):
        self.flush_seconds = flush_seconds
        self.size = size
        self.ttl_now = ttl_now
        self._counters: dict[tuple[str, str], _PooledCounter] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None

    def counted(self, key: tuple[str, str], now: float, ttl_now: float) -> int | None:
        """The count with one more hit taken here, if this process knows the counter for the current window; None
        when the hit must be written at once (``remember`` then)."""
        counter = self._counters.get(key)
        if counter is None or now >= counter.until or ttl_now >= counter.ttl_until:
            return None
        counter.pending += 1
        self._schedule()
        return counter.shared + counter.pending

    def remember(self, key: tuple[str, str], table: Table, *, until: float, expires_at: float, count: int) -> None:
        """A hit written at once left the counter at ``count``."""
        counter = self._counters.get(key)
        if counter is not None and counter.until == until:
            # Two first hits written at the same time: keep the later count, and the hits pooled meanwhile.
            counter.shared = max(counter.shared, count)
            return
        if len(self._counters) >= self.size:
            self._forget_finished(self.ttl_now())
        self._counters[key] = _PooledCounter(table, until, expires_at - EXPIRY_MARGIN_SECONDS, count)

    def pending(self) -> int:
        """Hits taken here and not yet in the table."""
        return sum(counter.pending for counter in self._counters.values())

    async def flush(self) -> None:
        """Add every pending hit to its counter now. A counter the table could not be written to keeps its hits
        for the next flush (logged); one whose window is over has nothing left to decide and is dropped."""
        self._forget_finished(self.ttl_now())
        batch = [(key, counter, counter.pending) for key, counter in self._counters.items() if counter.pending]
        if not batch:
            return
        results = await asyncio.gather(
            *(counter.table.add(pk, sk, {"hits": hits}) for (pk, sk), counter, hits in batch), return_exceptions=True
        )
        for ((pk, _sk), counter, hits), result in zip(batch, results, strict=True):
            if isinstance(result, PortError):
                log.warning("rate_limit_flush_failed", counter=pk, hits=hits, error=str(result))
                continue
            if isinstance(result, BaseException):
                raise result
            counter.pending -= hits
            counter.shared = int(result["hits"])

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        try:
            await self.flush()
        except Exception:
            log.exception("rate_limit_flush_failed")

    def _forget_finished(self, ttl_now: float) -> None:
        finished = [key for key, counter in self._counters.items() if ttl_now >= counter.ttl_until]
        for key in finished:
            del self._counters[key]

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a flush due on an event loop that has gone never comes: forget it
            self._loop, self._timer, self._flushing = loop, None, None
        if self._timer is not None or self._flushing is not None:
            return  # a flush is due: it takes this hit too (or the one running schedules the next)
        self._timer = loop.call_later(self.flush_seconds, self._start_flush)

    def _start_flush(self) -> None:
        self._timer = None
        self._flushing = asyncio.get_running_loop().create_task(self._flush_in_background())

    async def _flush_in_background(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.exception("rate_limit_flush_failed")
        except BaseException:
            # Cancelled, or closed because its event loop is gone (the garbage collector closes a task left pending
            # there): nothing to schedule from here, and no loop to schedule it on.
            self._flushing = None
            raise
        self._flushing = None
        if self.pending():
            self._schedule()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hits: int  # in this window, this one included
    limit: int
    retry_after: int  # seconds until the window ends


@dataclass(eq=False)  # compared and hashed by identity, as a service object
class RateLimiter:
    """Counts hits per scope (e.g. a route) and client in a table shared by every process.

    ``now`` decides the windows (inject a clock to test them); ``ttl_now`` stamps ``expires_at`` and must be the
    clock the table's expiry runs on — the wall clock for the embedded tables and for DynamoDB. With a ``pool``, the
    hits after a window's first one in this process are written in batches (see ``HitPool``)."""

    table: Table
    _: KW_ONLY
    key_prefix: str = "RATELIMIT"
    now: Callable[[], float] = time.time
    ttl_now: Callable[[], float] = time.time
    pool: HitPool | None = None

    def key(self, scope: str, client: str, budget: Budget, window: int) -> tuple[str, str]:
        # The window length is part of the sort key: changing a budget's window starts fresh counters.
        return f"{self.key_prefix}#{scope}#{client}", f"WINDOW#{budget.window_seconds}#{window}"

    async def hit(self, scope: str, client: str, budget: Budget) -> Decision:
        now = self.now()
        window = math.floor(now / budget.window_seconds)
        remaining = (window + 1) * budget.window_seconds - now
        pk, sk = self.key(scope, client, budget, window)
        ttl_now = self.ttl_now()
        until = (window + 1) * budget.window_seconds
        pooled = self.pool.counted((pk, sk), now, ttl_now) if self.pool is not None else None
        if pooled is not None:
            hits = pooled
        else:
            expires_at = math.ceil(ttl_now + remaining) + EXPIRY_MARGIN_SECONDS
            hits = await self._count(pk, sk, expires_at=expires_at)
            if self.pool is not None:
                self.pool.remember((pk, sk), self.table, until=until, expires_at=expires_at, count=hits)
        return Decision(
            allowed=hits <= budget.limit, hits=hits, limit=budget.limit, retry_after=max(1, math.ceil(remaining))
        )

    async def _count(self, pk: str, sk: str, *, expires_at: int) -> int:
        return await increment_expiring(self.table, pk, sk, "hits", expires_at=expires_at)


def forwarded_entries(header_values: Iterable[str]) -> list[str]:
    """Every ``X-Forwarded-For`` entry in order, over all header lines (a repeated header is one comma list).
    Empty entries are kept: they hold their place, so counting from the right stays exact."""
    return [entry.strip() for value in header_values for entry in value.split(",")]


def client_address(forwarded_for: Iterable[str], peer: str | None, trusted_hops: int) -> str:
    """The address to count a request against.

    With ``trusted_hops`` = 0 the service is reached directly: the socket peer. Otherwise the entry the outermost
    trusted proxy appended. A request that carries fewer entries than there are trusted proxies did not come
    through them, so nothing in its header can be believed: the socket peer again."""
    if trusted_hops < 0:
        raise ValueError("trusted_hops cannot be negative")
    entries = forwarded_entries(forwarded_for)
    if trusted_hops == 0 or len(entries) < trusted_hops:
        return normalise_address(peer or "unknown")
    return normalise_address(entries[-trusted_hops])


def normalise_address(text: str) -> str:
    """One spelling per client: canonical IPv4, IPv4-mapped IPv6 as IPv4, IPv6 as its /64 network. Anything that
    is not an address (a misconfigured hop count pointing into what the client wrote) becomes a bounded digest,
    so it still counts but cannot stretch the table key."""
    candidate = text.strip()
    for pattern in (_IPV4_WITH_PORT, _BRACKETED_IPV6):
        match = pattern.fullmatch(candidate)
        if match is not None:
            candidate = match.group(1)
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return "other:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_GROUPING_PREFIX), strict=False)
        return str(network)
    return str(address)
