"""Settings of the user service only (``SENAS_USERS_*``), apart from the platform-wide ``Settings``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from senas.core.ratelimit import Budget

# Written "<hits>/<seconds>" in the environment, e.g. SENAS_USERS_RATE_LIMIT_LOGIN=20/60.
BudgetSetting = Annotated[Budget, NoDecode, BeforeValidator(Budget.coerce)]


class UsersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_USERS_", extra="ignore", frozen=True)

    # Admins are made by an operator with `senas users grant-admin EMAIL` (the first one too), or by another admin
    # with PUT /users/{user_id}/roles; signing up never makes one (issue 14 #7).
    content_cache_seconds: float = Field(300.0, ge=0, description="how long lessons/levels fetched are reused")
    answer_key_cache_seconds: float = Field(
        5.0, ge=0, description="how long a lesson's answer key is reused for new attempts (0: fetched every time)"
    )
    sse_keepalive_seconds: float = Field(15.0, gt=0)
    sse_max_streams_per_user: int = Field(
        5, ge=1, le=100, description="live notification streams one user may hold open in one process (tabs)"
    )
    sse_poll_seconds: float = Field(5.0, gt=0, description="inbox re-read when another process wrote it")
    outbox_poll_seconds: float = Field(30.0, gt=0)
    followup_retry_seconds: float = Field(
        5.0, ge=0, description="first wait before a failed progress follow-up is tried again (doubles each time)"
    )
    default_sign_language: str = "lse"

    # Per client address, on the sign-in routes (on top of the identity provider's per-account login throttle).
    # Addresses are shared (a classroom or an office behind one NAT), so the budgets stop scripted abuse, not a
    # group of people; the per-account throttle is what stops password guessing.
    trusted_proxy_hops: int = Field(
        1,
        ge=0,
        le=10,
        description="proxies in front of the service that append to X-Forwarded-For (the load balancer, or the "
        "local gateway of `senas up`); 0: the service is reached directly and the socket peer is the client",
    )
    rate_limit_signup: BudgetSetting = Budget(30, 600)
    rate_limit_login: BudgetSetting = Budget(60, 60)
    rate_limit_mfa_challenge: BudgetSetting = Budget(30, 60)
    rate_limit_mfa_confirm: BudgetSetting = Budget(30, 60)
    rate_limit_refresh: BudgetSetting = Budget(120, 60)
    rate_limit_logout: BudgetSetting = Budget(120, 60)

    # Per learner, on every progress write (starting, answering and completing lesson attempts, answering reviews),
    # counted in UserData so every task shares it: far above what a person does (a lesson is a dozen writes over
    # minutes), a wall for a script.
    rate_limit_progress_writes: BudgetSetting = Budget(120, 60)
    attempt_window_seconds: int = Field(
        3 * 3600,
        ge=60,
        le=7 * 86400,
        description="how long a lesson attempt stays open to answers (a practice session counts for its perform "
        "exercises only when made within it)",
    )
