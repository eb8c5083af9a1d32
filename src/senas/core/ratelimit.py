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

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass

from senas.platform.tables import Table
from senas.platform.tables.counters import increment_expiring

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


class KnownWindows:
    """Counters this process has seen in the table, until their window ends: a later hit in the same window is then
    one atomic ``add`` (the counter cannot have gone: it expires only after its window) instead of a conditional put
    that fails first. Shared by the limiters of one service (they are made per request)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._until: dict[tuple[str, str], tuple[float, float]] = {}

    def known(self, key: tuple[str, str], now: float, ttl_now: float) -> bool:
        """``now`` on the limiter's clock, ``ttl_now`` on the clock the table expires items by: the counter is
        known to be there while its window runs on the first and it has not expired on the second."""
        until = self._until.get(key)
        return until is not None and now < until[0] and ttl_now < until[1]

    def remember(self, key: tuple[str, str], until: float, expires_at: float) -> None:
        if len(self._until) >= self.size:
            self._until.clear()
        self._until[key] = (until, expires_at - EXPIRY_MARGIN_SECONDS)


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
    clock the table's expiry runs on — the wall clock for the embedded tables and for DynamoDB."""

    table: Table
    _: KW_ONLY
    key_prefix: str = "RATELIMIT"
    now: Callable[[], float] = time.time
    ttl_now: Callable[[], float] = time.time
    known: KnownWindows | None = None

    def key(self, scope: str, client: str, budget: Budget, window: int) -> tuple[str, str]:
        # The window length is part of the sort key: changing a budget's window starts fresh counters.
        return f"{self.key_prefix}#{scope}#{client}", f"WINDOW#{budget.window_seconds}#{window}"

    async def hit(self, scope: str, client: str, budget: Budget) -> Decision:
        now = self.now()
        window = math.floor(now / budget.window_seconds)
        remaining = (window + 1) * budget.window_seconds - now
        pk, sk = self.key(scope, client, budget, window)
        ttl_now = self.ttl_now()
        if self.known is not None and self.known.known((pk, sk), now, ttl_now):
            hits = int((await self.table.add(pk, sk, {"hits": 1}))["hits"])
        else:
            expires_at = math.ceil(ttl_now + remaining) + EXPIRY_MARGIN_SECONDS
            hits = await self._count(pk, sk, expires_at=expires_at)
            if self.known is not None:
                self.known.remember((pk, sk), (window + 1) * budget.window_seconds, expires_at)
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
