"""Fixtures of the content tests: every test that uses the app or the database runs twice, on SQLite and on a
real PostgreSQL (a throwaway ``senas_test_<random>`` database per test session, dropped afterwards)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from content_pg import _admin, postgres_admin_url, run_in_thread, skip_or_fail
from sqlalchemy import text
from sqlalchemy.engine import make_url

from senas.content import bootstrap, migrate
from senas.content.app import create_app
from senas.content.bootstrap import ContentRoot
from senas.content.context import ContentPorts
from senas.content.db import create_engine
from senas.content.settings import ContentSettings
from senas.core.settings import Settings, load_settings
from senas.wiring import Platform

TABLES = ("lesson_sign", "exercise", "lesson", "level", "sign", "media_asset", "practice_upload", "sign_language")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, migrated to head; dropped at the end."""
    name = f"senas_test_{secrets.token_hex(4)}"
    try:
        run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL unreachable at {postgres_admin_url()}: {type(exc).__name__}: {exc}")
    url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)

    async def upgrade() -> None:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    run_in_thread(upgrade)
    try:
        yield url
    finally:
        run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
            await connection.execute(text("UPDATE catalog_revision SET value = 0"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest) -> str | None:
    """None means the embedded default (SQLite under the test's data directory)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    await reset_postgres(url)
    return url


@pytest.fixture
def settings(settings: Settings, database_url: str | None, tmp_path: Path) -> Settings:
    if database_url is None:
        return settings
    return load_settings(data_dir=tmp_path / "data", log_json=False, database_url=database_url)


NO_DEMO = ContentSettings(seed_demo=False)


@pytest.fixture
def content_root(platform: Platform) -> ContentRoot:
    return bootstrap.build(platform, config=NO_DEMO)


@pytest.fixture
def ports(content_root: ContentRoot) -> ContentPorts:
    return content_root.context.ports


@pytest.fixture
async def content_app(content_root: ContentRoot) -> AsyncIterator[Any]:
    app = create_app(content_root, run_consumers=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(content_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=content_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://content.test") as c:
        yield c


@pytest.fixture
def author_headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('teacher-1', roles=('teacher',))}"}


@pytest.fixture
def admin_headers(mint_token: Any) -> dict[str, str]:
    """An admin may change any author's content (the demo course too)."""
    return {"Authorization": f"Bearer {mint_token('admin-1', roles=('admin',))}"}


@pytest.fixture
def learner_headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('learner-1', roles=('learner',))}"}
