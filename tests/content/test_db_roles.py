"""The services' own database role on a real PostgreSQL (`senas content migrate --grant-app-role`): DML on the
schema's tables, now and for tables later migrations add, and nothing that changes the schema or the migration
history. Checked by connecting as that role."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from content_pg import _admin, postgres_admin_url
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from senas.content.db import DatabaseConfigError, create_engine
from senas.content.db_roles import app_credentials, grant_app_role

pytestmark = pytest.mark.postgres

# A password with the characters that break naive quoting: the server's format() quotes it.
TRICKY_PASSWORD = "p'a:s%s$1;--\\ word-0123456789"


@pytest.fixture
async def app_role(postgres_url: str) -> AsyncIterator[str]:
    name = f"senas_app_{secrets.token_hex(4)}"
    try:
        yield name
    finally:
        database = make_url(postgres_url).database
        await _admin(
            f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
            f'REASSIGN OWNED BY "{name}" TO postgres; END IF; END $$;'
        )
        for statement in (f'DROP OWNED BY "{name}"', f'DROP ROLE IF EXISTS "{name}"'):
            with contextlib.suppress(DBAPIError):  # the role may own nothing in that database
                await _run_in(database, statement)
        await _admin(f'DROP ROLE IF EXISTS "{name}"')


async def _run_in(database: str | None, statement: str) -> None:
    engine = create_engine(make_url(postgres_admin_url()).set(database=database).render_as_string(hide_password=False))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def as_role(postgres_url: str, role: str) -> str:
    return (
        make_url(postgres_url)
        .set(username=role, password="unused-under-trust-auth")
        .render_as_string(hide_password=False)
    )


async def can(url: str, statement: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    except DBAPIError as exc:
        if "permission denied" in str(exc) or "must be owner" in str(exc):
            return False
        raise
    finally:
        await engine.dispose()
    return True


async def test_the_app_role_has_dml_and_nothing_more(postgres_url: str, app_role: str) -> None:
    owner = create_engine(postgres_url)
    try:
        await grant_app_role(owner, app_role, TRICKY_PASSWORD)
        await grant_app_role(owner, app_role, TRICKY_PASSWORD + "-rotated")  # again: idempotent, new password
        # A table a later migration creates (as the owner) is the app's to use too.
        async with owner.begin() as connection:
            await connection.execute(text("CREATE TABLE later_table (id integer PRIMARY KEY)"))
        async with owner.connect() as connection:
            hashed = await connection.scalar(
                text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": app_role}
            )
            login = await connection.scalar(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": app_role}
            )
        assert login is True
        assert str(hashed).startswith("SCRAM-SHA-256$")

        app = as_role(postgres_url, app_role)
        code = f"t{secrets.token_hex(3)}"
        columns = "id, code, name_es, name_en, description_es, description_en, status, version, created_at, updated_at"
        row = f"'{code}', '{code}', 'x', 'x', '', '', 'draft', 1, now(), now()"
        assert await can(app, f"INSERT INTO sign_language ({columns}) VALUES ({row})")

        assert await can(app, f"UPDATE sign_language SET name_es = 'y' WHERE id = '{code}'")
        assert await can(app, "SELECT count(*) FROM lesson")
        assert await can(app, f"DELETE FROM sign_language WHERE id = '{code}'")
        assert await can(app, "INSERT INTO later_table VALUES (1)")
        assert await can(app, "SELECT version_num FROM alembic_version")
        assert not await can(app, "UPDATE alembic_version SET version_num = version_num")
        assert not await can(app, "CREATE TABLE sneaky (id integer)")
        assert not await can(app, "DROP TABLE lesson")
        assert not await can(app, "ALTER TABLE sign ADD COLUMN sneaky integer")
        assert not await can(app, "TRUNCATE lesson")
    finally:
        async with owner.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS later_table"))
        await owner.dispose()


async def test_the_migrations_own_user_is_refused_as_the_app_role(postgres_url: str) -> None:
    owner = create_engine(postgres_url)
    try:
        with pytest.raises(DatabaseConfigError, match="must not be the user"):
            await grant_app_role(owner, "postgres", TRICKY_PASSWORD)
        with pytest.raises(DatabaseConfigError, match="must match"):
            await grant_app_role(owner, 'x"; DROP TABLE lesson; --', TRICKY_PASSWORD)
    finally:
        await owner.dispose()


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("not json", "must be JSON"),
        (json.dumps({"username": "senas_app"}), "must be JSON"),
        (json.dumps({"username": "Senas App", "password": "x" * 20}), "must match"),
        (json.dumps({"username": "senas_app", "password": "short"}), "at least 16"),
    ],
)
def test_a_malformed_app_secret_is_refused_with_its_reason(secret: str, problem: str) -> None:
    with pytest.raises(DatabaseConfigError, match=problem):
        app_credentials(secret, secret_id="app")


def test_the_migrate_command_grants_the_role(
    postgres_url: str, app_role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    for name in [n for n in os.environ if n.startswith("SENAS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    monkeypatch.setenv("SENAS_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SENAS_DATABASE_APP_SECRET_ID", "app-db")
    monkeypatch.setenv("SENAS_SECRET_APP_DB", json.dumps({"username": app_role, "password": TRICKY_PASSWORD}))
    result = CliRunner().invoke(app, ["content", "migrate", "--grant-app-role"])
    assert result.exit_code == 0, result.output
    assert app_role in result.output
    monkeypatch.setenv("SENAS_SECRET_APP_DB", "{}")
    refused = CliRunner().invoke(app, ["content", "migrate", "--grant-app-role"])
    assert refused.exit_code == 1
    assert "must be JSON" in refused.output
