"""Settings of every service, read from ``SENAS_*`` environment variables (and an optional ``.env`` file).

Two profiles: ``embedded`` (the default: everything on one machine under one data directory, zero setup) and
``aws`` (managed services; every resource name must be given). Validation happens at start-up so a
misconfigured deployment fails before it serves a request, with a message that names what is wrong.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from senas.platform.files import private_dir

Profile = Literal["embedded", "aws"]
PROFILES: tuple[str, ...] = ("embedded", "aws")

# The unset value of SENAS_SIGNING_SECRET. It is never used to sign anything: the embedded profile then generates a
# random secret on first start and keeps it in the data directory; every other profile refuses to start.
DEFAULT_SIGNING_SECRET = "senas-embedded-development-signing-secret"  # noqa: S105

SERVICE_PORTS: dict[str, int] = {"content": 8000, "users": 8001, "ml": 8002}


def _comma_list(value: object) -> object:
    """``SENAS_TRUSTED_PROXIES=10.0.0.0/16,10.1.0.0/16`` (a comma list in the environment) or a list."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class SettingsError(Exception):
    """The configuration cannot start a service; the message lists every problem."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SENAS_", env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    profile: str = Field("embedded", description="embedded | aws")
    data_dir: Path = Field(Path(".senas-data"), description="where the embedded profile keeps its state")
    public_url: str = Field("http://localhost:8080", description="the address clients use (signed URLs)")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The reverse proxies allowed to tell the server who the client is (X-Forwarded-For / X-Forwarded-Proto):
    # addresses or networks. Empty (the default): nobody — the socket peer is the client, whatever a request's
    # headers claim. On AWS: the load balancer's subnets (its addresses change, its subnets do not).
    trusted_proxies: CommaList = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True
    signing_secret: SecretStr = SecretStr(DEFAULT_SIGNING_SECRET)
    # A static bearer token that may read /metrics and the readiness details (a Prometheus scraper); an admin's
    # access token may too. Unset: only admins.
    operator_token: SecretStr | None = None

    # embedded: the key that seals TOTP secrets at rest (a Fernet key: 32 url-safe base64 bytes); unset, a key file
    # in the data directory, apart from the table that holds the sealed secrets.
    totp_encryption_key: SecretStr | None = None

    # Relational database of the content service. Embedded default: SQLite under data_dir.
    database_url: str | None = None
    database_secret_id: str | None = None
    # The services' own database role (JSON {"username", "password"}), created or re-passworded by
    # `senas content migrate --grant-app-role`, which alone logs in as the master user (database_secret_id).
    database_app_secret_id: str | None = None

    # Physical names of the key-value tables (required in `aws`).
    table_user_data: str | None = None
    table_user_progress: str | None = None
    table_ai_sessions: str | None = None

    # Buckets, queues and topics are named "<resource_prefix>-<logical name>" on AWS.
    resource_prefix: str | None = None
    aws_region: str | None = Field(None, validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    sagemaker_endpoint: str | None = Field(
        None,
        description="aws profile: the SageMaker endpoint that scores practice attempts; unset, the ML service "
        "scores with its in-process model (as in the embedded profile)",
    )

    # Where the other services answer for service-to-service calls (default: the public URL, i.e. through the
    # load balancer; in-process when `senas up` runs them together).
    content_url: str | None = None
    users_url: str | None = None
    ml_url: str | None = None

    # Queue behaviour in the embedded profile (on AWS it lives on the SQS queues).
    queue_max_receive_count: int = Field(5, ge=1, le=1000)
    consumer_concurrency: int = Field(4, ge=1, le=64)
    run_workers: bool = Field(True, description="run the queue consumers inside `senas up`")

    mfa_required_for_all: bool = False
    # How long a service trusts what it read of a user's token revocation (a role change voids the user's access
    # tokens everywhere; in other processes it shows within this time).
    token_revocation_cache_seconds: float = Field(10.0, ge=0, le=300)
    access_token_ttl_seconds: int = Field(900, ge=60, le=86400)
    refresh_token_ttl_seconds: int = Field(30 * 86400, ge=3600)

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in PROFILES:
            raise ValueError(f"unknown profile {value!r}; choose one of: {', '.join(PROFILES)}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"SENAS_TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.0/16)"
                ) from None
        return value

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _profile_requirements(self) -> Settings:
        problems: list[str] = []
        if self.profile != "embedded":
            if self.signing_secret.get_secret_value() == DEFAULT_SIGNING_SECRET:
                problems.append("SENAS_SIGNING_SECRET must be set to a real secret outside the embedded profile")
            if len(self.signing_secret.get_secret_value()) < 32:
                problems.append("SENAS_SIGNING_SECRET must be at least 32 characters")
        if self.operator_token is not None and len(self.operator_token.get_secret_value()) < 32:
            problems.append("SENAS_OPERATOR_TOKEN must be at least 32 characters")
        if self.profile == "aws":
            required = {
                "SENAS_DATABASE_URL": self.database_url,
                "SENAS_TABLE_USER_DATA": self.table_user_data,
                "SENAS_TABLE_USER_PROGRESS": self.table_user_progress,
                "SENAS_TABLE_AI_SESSIONS": self.table_ai_sessions,
                "SENAS_RESOURCE_PREFIX": self.resource_prefix,
                "AWS_REGION": self.aws_region,
            }
            missing = [name for name, value in required.items() if not value]
            if missing:
                problems.append("the aws profile needs " + ", ".join(missing))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def state_dir(self) -> Path:
        """The embedded profile's state directory, created on first use, readable by this user only (0700)."""
        return private_dir(self.data_dir.expanduser().resolve())

    @property
    def content_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.state_dir / 'content.db'}"

    def server_options(self) -> dict[str, Any]:
        """What every HTTP server the CLI starts passes to uvicorn about proxies, set deliberately: uvicorn would
        otherwise believe X-Forwarded-For from 127.0.0.1 (or from ``FORWARDED_ALLOW_IPS``) and put the address a
        client *wrote* in the request's client, which the gateway then appends as if it had seen it. Only the
        configured trusted proxies may set the client address."""
        if not self.trusted_proxies:
            return {"proxy_headers": False, "forwarded_allow_ips": ""}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted_proxies)}

    def service_urls(self) -> dict[str, str]:
        return {
            "content": self.content_url or self.public_url,
            "users": self.users_url or self.public_url,
            "ml": self.ml_url or self.public_url,
        }

    def table_name(self, logical: str) -> str:
        """Physical table name for a logical one (UserData, UserProgress, AiSessions)."""
        names = {
            "UserData": self.table_user_data,
            "UserProgress": self.table_user_progress,
            "AiSessions": self.table_ai_sessions,
        }
        return names.get(logical) or logical

    def resource_name(self, logical: str) -> str:
        """Physical name of a bucket, queue or topic."""
        return f"{self.resource_prefix}-{logical}" if self.resource_prefix else logical


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise SettingsError with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: {message}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
