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
    # What one learner may upload for practice in any 24 hours (each upload is also a video the ML service
    # decodes): generous for practice, a wall for a script filling the bucket and the queue.
    practice_uploads_per_day: int = Field(120, ge=1, description="practice uploads per learner per 24 h")
    practice_bytes_per_day: int = Field(
        1024 * 1024 * 1024, ge=1, description="practice video bytes per learner per 24 h"
    )
