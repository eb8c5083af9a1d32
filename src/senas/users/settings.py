"""Settings of the user service only (``SENAS_USERS_*``), apart from the platform-wide ``Settings``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class UsersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_USERS_", extra="ignore", frozen=True)

    # The first admin: the account that signs up with this email gets the admin role (and must then enrol MFA
    # at its first login). Later admins are granted by an admin with PUT /users/{user_id}/roles.
    bootstrap_admin_email: str | None = None
    content_cache_seconds: float = Field(300.0, ge=0, description="how long lessons/levels fetched are reused")
    recent_login_seconds: int = Field(300, ge=30, description="token age that counts as a fresh sign-in")
    sse_keepalive_seconds: float = Field(15.0, gt=0)
    sse_poll_seconds: float = Field(5.0, gt=0, description="inbox re-read when another process wrote it")
    outbox_poll_seconds: float = Field(30.0, gt=0)
    default_sign_language: str = "lse"
