"""Settings of the content service only (``SENAS_CONTENT_*``), beside the shared ``Settings``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ContentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_CONTENT_", extra="ignore", frozen=True)

    migrate_on_start: bool | None = Field(
        None, description="run migrations to head at start-up (default: only in the embedded profile)"
    )
    seed_demo: bool = Field(True, description="load the demo course when the database has no language (embedded)")
    pool_size: int = Field(10, ge=1, le=100, description="PostgreSQL connections per process")
