"""Per-address budgets of the sign-in routes (sign-up, login, MFA, refresh, logout), as a dependency each route
declares. They sit in front of the identity provider's own per-account login throttle: that one stops guessing one
account's password, these stop one address from trying many accounts, creating accounts in bulk or hammering the
token routes.

Counters live in the UserData table under ``RATELIMIT#auth-<route>#<address>`` / ``WINDOW#<seconds>#<n>`` (no user
item starts with ``RATELIMIT#``), with ``expires_at``, so every task of the service shares them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from senas.core.errors import TooManyRequestsError
from senas.core.ratelimit import Budget, RateLimiter, client_address
from senas.users.clock import Clock
from senas.users.deps import ClockDep, ContextDep
from senas.users.settings import UsersSettings

AuthRoute = Literal["signup", "login", "mfa_challenge", "mfa_confirm", "refresh", "logout"]
KEY_PREFIX = "RATELIMIT"


def budgets_of(settings: UsersSettings) -> dict[str, Budget]:
    return {
        "signup": settings.rate_limit_signup,
        "login": settings.rate_limit_login,
        "mfa_challenge": settings.rate_limit_mfa_challenge,
        "mfa_confirm": settings.rate_limit_mfa_confirm,
        "refresh": settings.rate_limit_refresh,
        "logout": settings.rate_limit_logout,
    }


class AuthRateLimits:
    def __init__(self, limiter: RateLimiter, budgets: Mapping[str, Budget], *, trusted_hops: int) -> None:
        self.limiter = limiter
        self.budgets = dict(budgets)
        self.trusted_hops = trusted_hops

    async def check(self, route: AuthRoute, forwarded_for: list[str], peer: str | None) -> None:
        """Count this request against its address (before its body is validated, so invalid requests count
        too); over the budget, refuse it until the window ends."""
        address = client_address(forwarded_for, peer, self.trusted_hops)
        decision = await self.limiter.hit(f"auth-{route}", address, self.budgets[route])
        if not decision.allowed:
            wait = decision.retry_after
            raise TooManyRequestsError(
                f"demasiados intentos desde esta dirección; espera {wait} s / "
                f"too many attempts from this address; wait {wait} s",
                code="rate_limited",
                headers={"Retry-After": str(wait)},
            )


def epoch_of(clock: Clock) -> Callable[[], float]:
    return lambda: clock.now().timestamp()


async def get_auth_rate_limits(context: ContextDep, clock: ClockDep) -> AuthRateLimits:
    limiter = RateLimiter(context.ports.user_data, key_prefix=KEY_PREFIX, now=epoch_of(clock))
    settings = context.config
    return AuthRateLimits(limiter, budgets_of(settings), trusted_hops=settings.trusted_proxy_hops)


AuthRateLimitsDep = Annotated[AuthRateLimits, Depends(get_auth_rate_limits)]


def rate_limited(route: AuthRoute) -> Callable[..., Awaitable[None]]:
    """The dependency a route declares to spend one unit of its per-address budget."""

    async def spend(request: Request, limits: AuthRateLimitsDep) -> None:
        peer = request.client.host if request.client is not None else None
        await limits.check(route, request.headers.getlist("x-forwarded-for"), peer)

    spend.__name__ = f"rate_limit_{route}"
    return spend


RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many attempts (from this address, or at login for this account); wait Retry-After s",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
}


async def get_client_address(request: Request, context: ContextDep) -> str:
    """The client's address as the auth limits count it (the entry our own trusted proxy appended)."""
    peer = request.client.host if request.client is not None else None
    return client_address(request.headers.getlist("x-forwarded-for"), peer, context.config.trusted_proxy_hops)


ClientAddress = Annotated[str, Depends(get_client_address)]
