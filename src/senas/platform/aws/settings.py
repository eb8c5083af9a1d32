"""Tuning of the AWS clients (``SENAS_AWS_*``); names and endpoints stay in :mod:`senas.core.settings`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENAS_AWS_", extra="ignore", frozen=True)

    retry_mode: Literal["standard", "adaptive"] = Field(
        "standard", description="botocore retry mode (adaptive also rate-limits the client on throttling)"
    )
    max_attempts: int = Field(4, ge=1, le=20, description="attempts per call, the first included")
    connect_timeout: float = Field(3.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(10.0, gt=0, description="seconds to wait for an answer (SQS adds its long poll)")
    max_workers: int = Field(16, ge=1, le=256, description="threads that run blocking boto3 calls")
    jwks_cache_seconds: float = Field(3600.0, ge=0, description="how long the Cognito JWKS is kept")
    cognito_jwks_url: str | None = Field(
        None, description="where the user pool's JWKS is fetched (default: derived from the endpoint or region)"
    )
    cognito_issuer: str | None = Field(
        None, description="the `iss` the tokens must carry (default: https://cognito-idp.<region>.amazonaws.com/<pool>)"
    )
