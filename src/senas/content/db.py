"""The content database: SQLAlchemy 2 async engine and sessions, SQLite (embedded) or PostgreSQL.

SQLite gets WAL (readers never wait for the writer), a busy timeout (writers queue instead of failing at once)
and foreign keys (off by default in SQLite). In deployments with a ``database_secret_id`` the credentials come
from the secrets port (Aurora's managed master secret: JSON ``{"username", "password"}``), never from the URL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from senas.core.settings import Settings
from senas.platform.secrets import Secrets

# Explicit constraint names so that migrations can drop them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000
# A PostgreSQL server that does not answer at all (a failover in progress, a black-holed address) would hold each
# request for asyncpg's default of a minute; after this long the attempt fails and the request gets a 503.
# Refused connections (a stopped server) fail at once anyway; pooled connections are pinged before use.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5.0


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops the offset; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class DatabaseConfigError(Exception):
    pass


async def resolve_database_url(settings: Settings, secrets: Secrets) -> str:
    """The URL to connect with: ``settings.content_database_url``, with the credentials of the
    ``database_secret_id`` secret put in when one is configured."""
    url = settings.content_database_url
    if not settings.database_secret_id:
        return url
    username, password = secret_credentials(await secrets.get(settings.database_secret_id), settings.database_secret_id)
    parsed: URL = make_url(url).set(username=username, password=password)
    return parsed.render_as_string(hide_password=False)


def secret_credentials(secret: str, secret_id: str) -> tuple[str, str]:
    """(username, password) of a database secret, JSON ``{"username", "password"}`` as Secrets Manager keeps it."""
    try:
        data = json.loads(secret)
        return str(data["username"]), str(data["password"])
    except (ValueError, KeyError, TypeError):
        raise DatabaseConfigError(
            f"the database secret {secret_id!r} must be JSON with 'username' and 'password'"
        ) from None


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, pool_size: int = 10, connect_timeout: float = POSTGRES_CONNECT_TIMEOUT_SECONDS
) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    connect_args: dict[str, Any] = {}
    if make_url(url).get_driver_name() == "asyncpg":
        connect_args["timeout"] = connect_timeout
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=connect_args
    )


class Database:
    """The engine and session factory of one process. ``on_catalog_change`` callbacks run after a commit that
    changed the catalogue (the repository flags it), so this process's read cache refreshes at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.on_catalog_change: list[Callable[[], None]] = []
        # A Session subclass of our own, so these listeners apply to this database's sessions only.
        session_class = type("ContentSession", (Session,), {})

        def after_commit(session: Session) -> None:
            if session.info.pop("catalog_changed", False):
                for callback in self.on_catalog_change:
                    callback()

        def after_rollback(session: Session) -> None:
            session.info.pop("catalog_changed", None)

        event.listen(session_class, "after_commit", after_commit)
        event.listen(session_class, "after_rollback", after_rollback)
        self.sessions = async_sessionmaker(
            engine, sync_session_class=session_class, expire_on_commit=False, autoflush=False
        )

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
