"""Per-address budgets of the sign-in routes: each route answers 429 with Retry-After once its budget is spent,
other addresses keep theirs, the window resets on the injected clock, a forged X-Forwarded-For does not escape
(through the local gateway, which appends the real peer as the load balancer does), and concurrent requests are
counted exactly — with the broken variants (a counter that reads then writes, a limiter keyed by the left-most
X-Forwarded-For entry) shown to fail the same checks."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from users_support import PASSWORD

from senas.core.ratelimit import Budget, RateLimiter, client_address, forwarded_entries, normalise_address
from senas.gateway.app import PathRouter, with_forwarded_for
from senas.platform.tables import Condition, Item, Table
from senas.users.app import create_app
from senas.users.auth.rate_limits import AuthRateLimits, AuthRoute, epoch_of, get_auth_rate_limits
from senas.users.bootstrap import UsersRoot
from senas.users.clock import ManualClock
from senas.users.context import UsersContext
from senas.users.settings import UsersSettings

BUDGET = 3
WINDOW = 60
PEER = "198.51.100.7"  # the client as the gateway sees it
OTHER = "203.0.113.9"
SMALL = UsersSettings(
    rate_limit_signup=Budget(BUDGET, WINDOW),
    rate_limit_login=Budget(BUDGET, WINDOW),
    rate_limit_mfa_challenge=Budget(BUDGET, WINDOW),
    rate_limit_mfa_confirm=Budget(BUDGET, WINDOW),
    rate_limit_refresh=Budget(BUDGET, WINDOW),
    rate_limit_logout=Budget(BUDGET, WINDOW),
)
_emails = itertools.count()


def body_of(route: AuthRoute) -> dict[str, Any]:
    """A well-formed body for each route (a fresh email each time, so no per-account throttle is involved)."""
    email = f"rl-{next(_emails)}-{uuid.uuid4().hex[:6]}@example.org"
    return {
        "signup": {"email": email, "password": PASSWORD},
        "login": {"email": email, "password": PASSWORD},
        "mfa_challenge": {"session": "s" * 32, "code": "123456"},
        "mfa_confirm": {"session": "s" * 32, "code": "123456"},
        "refresh": {"refresh_token": "r" * 43},
        "logout": {"refresh_token": "r" * 43},
    }[route]


PATHS: dict[AuthRoute, str] = {
    "signup": "/users/auth/signup",
    "login": "/users/auth/login",
    "mfa_challenge": "/users/auth/mfa/challenge",
    "mfa_confirm": "/users/auth/mfa/confirm",
    "refresh": "/users/auth/refresh",
    "logout": "/users/auth/logout",
}


@pytest.fixture
def app(users_root: UsersRoot, runtime: UsersContext, clock: ManualClock) -> FastAPI:
    runtime.config = SMALL  # budgets of 3 per minute on every route, one trusted proxy (the gateway)
    built = create_app(users_root, run_consumers=False)
    return built


def through_gateway(app: FastAPI, peer: str) -> httpx.AsyncClient:
    """A client at ``peer`` reaching the users service through the local gateway (which appends the peer to
    X-Forwarded-For, as the load balancer does)."""
    router = PathRouter({"/users": app}, fallback=app)
    transport = httpx.ASGITransport(app=router, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


@pytest.fixture
async def attacker(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with through_gateway(app, PEER) as client:
        yield client


@pytest.fixture
async def bystander(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with through_gateway(app, OTHER) as client:
        yield client


async def spend(client: httpx.AsyncClient, route: AuthRoute, times: int, **kwargs: Any) -> list[httpx.Response]:
    return [await client.post(PATHS[route], json=body_of(route), **kwargs) for _ in range(times)]


# --- every limited route --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", list(PATHS))
async def test_each_route_refuses_after_its_budget_and_only_for_that_address(
    route: AuthRoute, attacker: httpx.AsyncClient, bystander: httpx.AsyncClient
) -> None:
    within = await spend(attacker, route, BUDGET)
    assert all(r.status_code != 429 for r in within), [r.text for r in within]
    over = await attacker.post(PATHS[route], json=body_of(route))
    assert over.status_code == 429, over.text
    assert over.json()["error"] == "rate_limited"
    assert over.json()["detail"] == (
        f"demasiados intentos desde esta dirección; espera {WINDOW} s / "
        f"too many attempts from this address; wait {WINDOW} s"
    )
    assert over.headers["retry-after"] == str(WINDOW)  # the clock stands at the start of a window
    # Another address keeps its whole budget.
    assert [r.status_code != 429 for r in await spend(bystander, route, BUDGET)] == [True] * BUDGET


async def test_routes_have_separate_budgets(attacker: httpx.AsyncClient) -> None:
    await spend(attacker, "refresh", BUDGET + 1)
    signed_up = await spend(attacker, "signup", 1)
    assert signed_up[0].status_code == 201, signed_up[0].text


async def test_a_real_sign_up_and_login_work_within_the_budget(attacker: httpx.AsyncClient) -> None:
    email = "within@example.org"
    assert (await attacker.post(PATHS["signup"], json={"email": email, "password": PASSWORD})).status_code == 201
    login = await attacker.post(PATHS["login"], json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["status"] == "authenticated"


async def test_the_window_resets_on_the_clock(attacker: httpx.AsyncClient, clock: ManualClock) -> None:
    await spend(attacker, "login", BUDGET)
    clock.advance(timedelta(seconds=15))
    refused = await attacker.post(PATHS["login"], json=body_of("login"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(WINDOW - 15)
    clock.advance(timedelta(seconds=WINDOW - 15))  # the next window starts
    again = await spend(attacker, "login", BUDGET)
    assert [r.status_code for r in again] == [401] * BUDGET  # unknown emails: refused by the identity, not limited
    assert (await attacker.post(PATHS["login"], json=body_of("login"))).status_code == 429


# --- the client address ------------------------------------------------------------------------------------------


def forged_values() -> list[str]:
    return [f"10.0.{n}.1, 192.0.2.{n}" for n in range(BUDGET + 2)]


async def test_a_forged_x_forwarded_for_does_not_escape_the_limit(attacker: httpx.AsyncClient) -> None:
    statuses = [
        (await attacker.post(PATHS["signup"], json=body_of("signup"), headers={"X-Forwarded-For": forged})).status_code
        for forged in forged_values()
    ]
    assert statuses == [201] * BUDGET + [429, 429]


class LeftmostKeyedLimits(AuthRateLimits):
    """Deliberately broken: trusts the left-most X-Forwarded-For entry, which the client writes."""

    async def check(self, route: AuthRoute, forwarded_for: list[str], peer: str | None) -> None:
        entries = forwarded_entries(forwarded_for)
        await super().check(route, [entries[0]] if entries else [], peer)


async def test_the_forgery_check_catches_a_limiter_keyed_by_the_left_most_entry(
    app: FastAPI, attacker: httpx.AsyncClient, runtime: UsersContext, clock: ManualClock
) -> None:
    limiter = RateLimiter(runtime.ports.user_data, now=epoch_of(clock))
    broken = LeftmostKeyedLimits(limiter, {"signup": Budget(BUDGET, WINDOW)}, trusted_hops=1)
    app.dependency_overrides[get_auth_rate_limits] = lambda: broken
    statuses = [
        (await attacker.post(PATHS["signup"], json=body_of("signup"), headers={"X-Forwarded-For": forged})).status_code
        for forged in forged_values()
    ]
    assert 429 not in statuses  # every forged value got a fresh budget: the check above would fail


async def test_without_the_gateway_the_socket_peer_counts(app: FastAPI) -> None:
    """Straight to the service (fewer X-Forwarded-For entries than trusted hops): the header cannot be believed."""
    transport = httpx.ASGITransport(app=app, client=(PEER, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://direct") as direct:
        first = await spend(direct, "refresh", BUDGET)
        assert all(r.status_code == 401 for r in first)
        assert (await direct.post(PATHS["refresh"], json=body_of("refresh"))).status_code == 429


def test_client_address_counts_trusted_hops_from_the_right() -> None:
    assert client_address([], "192.0.2.1", 1) == "192.0.2.1"  # no proxy wrote anything
    assert client_address(["6.6.6.6, 192.0.2.5"], "10.0.0.2", 1) == "192.0.2.5"
    assert client_address(["6.6.6.6", "192.0.2.5, 10.0.0.3"], "10.0.0.2", 2) == "192.0.2.5"  # two header lines
    assert client_address(["192.0.2.5"], "10.0.0.2", 2) == "10.0.0.2"  # fewer entries than proxies
    assert client_address(["6.6.6.6"], "192.0.2.1", 0) == "192.0.2.1"  # no proxy: the header is ignored
    # An empty entry the client smuggled in keeps its place instead of shifting the trusted one.
    assert client_address(["6.6.6.6,, 192.0.2.5, 10.0.0.3"], "10.0.0.2", 2) == "192.0.2.5"
    with pytest.raises(ValueError, match="negative"):
        client_address([], "192.0.2.1", -1)


def test_the_gateway_appends_the_peer_to_what_the_client_sent() -> None:
    sent = [(b"host", b"gateway"), (b"x-forwarded-for", b"6.6.6.6"), (b"X-Forwarded-For", b"7.7.7.7")]
    scope = {"type": "http", "client": ("192.0.2.1", 5000), "headers": sent}
    forwarded = [value for name, value in with_forwarded_for(scope)["headers"] if name == b"x-forwarded-for"]
    assert forwarded == [b"6.6.6.6, 7.7.7.7, 192.0.2.1"]
    assert scope["headers"] is sent  # the incoming scope is left as it was
    # Without a peer (a Unix socket) a placeholder still takes the trusted position.
    anonymous = with_forwarded_for({"type": "http", "client": None, "headers": [(b"x-forwarded-for", b"6.6.6.6")]})
    assert anonymous["headers"] == [(b"x-forwarded-for", b"6.6.6.6, unknown")]


def test_addresses_are_normalised() -> None:
    assert normalise_address("2001:db8:1:2:aaaa::1") == normalise_address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert normalise_address("2001:db8:1:3::1") != normalise_address("2001:db8:1:2::1")
    assert normalise_address("::ffff:192.0.2.4") == "192.0.2.4"
    assert normalise_address("192.0.2.4:5678") == "192.0.2.4"
    assert normalise_address("[2001:db8::1]:443") == "2001:db8::/64"
    garbage = normalise_address("x" * 5000)
    assert garbage.startswith("other:")
    assert len(garbage) < 50


def test_budgets_are_settings() -> None:
    settings = UsersSettings(rate_limit_login="7/30", trusted_proxy_hops=0)
    assert settings.rate_limit_login == Budget(7, 30)
    for bad in ("7", "0/30", "5/0", "5/100000", "lots/60"):
        with pytest.raises(ValidationError, match="rate_limit_signup"):
            UsersSettings(rate_limit_signup=bad)


def test_the_limited_routes_declare_429_with_retry_after(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in PATHS.values():
        declared = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in declared["headers"]
        assert declared["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


# --- concurrency: the count is atomic -------------------------------------------------------------------------


class RaceTable:
    """The limiter's table, with every ``put`` held until ``parties`` of them are waiting: the worst interleaving
    of that many requests arriving together on different tasks, made deterministic."""

    def __init__(self, table: Table, parties: int) -> None:
        self.table = table
        self.name = table.name
        self.barrier = asyncio.Barrier(parties)

    async def put(self, item: Item, *, condition: Condition | None = None) -> None:
        await self.barrier.wait()
        await self.table.put(item, condition=condition)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


class ReadThenWriteLimiter(RateLimiter):
    """Deliberately broken: reads the counter, then writes it back plus one — not atomic."""

    async def _count(self, pk: str, sk: str, *, expires_at: int) -> int:
        current = await self.table.get(pk, sk)
        hits = (int(current["hits"]) if current else 0) + 1
        await self.table.put({"pk": pk, "sk": sk, "hits": hits, "expires_at": expires_at})
        return hits


CONCURRENT = 20


async def let_through_of_concurrent_logins(
    app: FastAPI, runtime: UsersContext, clock: ManualClock, limiter_class: Callable[..., RateLimiter]
) -> int:
    table = RaceTable(runtime.ports.user_data, CONCURRENT)
    limiter = limiter_class(table, now=epoch_of(clock))
    limits = AuthRateLimits(limiter, {"login": Budget(5, WINDOW)}, trusted_hops=1)
    app.dependency_overrides[get_auth_rate_limits] = lambda: limits
    async with through_gateway(app, PEER) as client, asyncio.timeout(60):
        responses = await asyncio.gather(
            *(client.post(PATHS["login"], json=body_of("login")) for _ in range(CONCURRENT))
        )
    return sum(1 for r in responses if r.status_code != 429)


async def test_concurrent_requests_get_exactly_the_budget(
    app: FastAPI, runtime: UsersContext, clock: ManualClock
) -> None:
    assert await let_through_of_concurrent_logins(app, runtime, clock, RateLimiter) == 5


async def test_the_concurrency_check_catches_a_counter_that_is_not_atomic(
    app: FastAPI, runtime: UsersContext, clock: ManualClock
) -> None:
    assert await let_through_of_concurrent_logins(app, runtime, clock, ReadThenWriteLimiter) > 5
