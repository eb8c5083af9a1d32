"""The per-learner budget of progress writes (starting, answering and completing lesson attempts; answering
reviews), as a dependency each of those routes declares.

Counted like the sign-in budgets (``core.ratelimit``): in the UserData table under
``RATELIMIT#progress-writes#<user id>`` / ``WINDOW#<seconds>#<n>``, with ``expires_at``, so every task of the service
shares one count — but, unlike them, through the service's ``HitPool``: a learner's hits after the first of a window
are added to that count in batches (within 0.2 s) instead of one write each, so a write does not first wait for the
limiter's own table write. A task sees the other tasks' hits as of its last batch: an abuse bound, not a guessing
limit, can afford that. Counted per learner, not per address (a classroom shares an address; a learner's writes are
theirs wherever they come from), and before the request's body is validated, so refused requests count too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from senas.core.auth import CurrentUser
from senas.core.errors import TooManyRequestsError
from senas.core.ratelimit import RateLimiter
from senas.platform.identity import Principal
from senas.users.clock import Clock
from senas.users.context import UsersContext
from senas.users.deps import ClockDep, ContextDep

KEY_PREFIX = "RATELIMIT"  # as the sign-in budgets: no user item starts with it
SCOPE = "progress-writes"


async def spend_progress_write(user: CurrentUser, context: ContextDep, clock: ClockDep) -> None:
    await spend(user, context, clock)


async def spend(user: Principal, context: UsersContext, clock: Clock) -> None:
    """One unit of the learner's budget; 429 past it."""
    limiter = RateLimiter(
        context.ports.user_data,
        key_prefix=KEY_PREFIX,
        now=lambda: clock.now().timestamp(),
        pool=context.progress_hits,
    )
    decision = await limiter.hit(SCOPE, user.user_id, context.config.rate_limit_progress_writes)
    if not decision.allowed:
        wait = decision.retry_after
        raise TooManyRequestsError(
            f"demasiadas escrituras de progreso; espera {wait} s / too many progress writes; wait {wait} s",
            code="rate_limited",
            headers={"Retry-After": str(wait)},
        )


ProgressWriteBudget = Annotated[None, Depends(spend_progress_write)]

RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many progress writes by this learner; wait Retry-After seconds",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
}
