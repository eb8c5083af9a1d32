"""The stairway: every revision upgrades and downgrades, one step at a time, on real PostgreSQL (and SQLite);
and the head schema matches the models exactly."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from content_pg import _admin, postgres_admin_url, run_in_thread, skip_or_fail
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from senas.content import migrate
from senas.content.db import create_engine
from senas.content.models import metadata


async def stairway(url: str) -> None:
    engine = create_engine(url)
    try:
        revisions = migrate.revisions()
        assert len(revisions) >= 2
        previous = "base"
        for revision in revisions:
            await migrate.upgrade(engine, revision)
            assert await migrate.current(engine) == revision
            await migrate.downgrade(engine, previous)
            assert await migrate.current(engine) == (None if previous == "base" else previous)
            await migrate.upgrade(engine, revision)
            previous = revision
        async with engine.connect() as connection:
            drift = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
            assert drift == []
            revision_rows = (await connection.execute(text("SELECT value FROM catalog_revision"))).all()
            assert revision_rows == [(0,)]
        for revision in reversed([None, *revisions[:-1]]):
            await migrate.downgrade(engine, revision or "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            assert set(tables) <= {"alembic_version"}
    finally:
        await engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
async def test_stairway_on_postgresql() -> None:
    name = f"senas_test_{secrets.token_hex(4)}"
    try:
        run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL unreachable at {postgres_admin_url()}: {type(exc).__name__}: {exc}")
    try:
        await stairway(make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False))
    finally:
        run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_stairway_on_sqlite(tmp_path: Path) -> None:
    await stairway(f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}")


def test_one_head() -> None:
    assert migrate.head() == migrate.revisions()[-1]
