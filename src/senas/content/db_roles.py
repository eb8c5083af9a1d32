"""The services' own PostgreSQL role: what the content service needs to read and write the catalogue, no more.

The migration task logs in as the master user (the only holder of that secret), upgrades the schema, then makes
sure the app role exists with the password of the app secret and has exactly DML on the schema's tables and their
sequences — now and for tables later migrations create — and no right to change the schema or the migration
history. Running it again is harmless, and is how the app password is rotated.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from senas.content.db import DatabaseConfigError, secret_credentials

SCHEMA = "public"
# PostgreSQL folds unquoted names to lower case; a plain lower-case name needs no quoting anywhere it is shown.
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_credentials(secret: str, *, secret_id: str) -> tuple[str, str]:
    """(username, password) of the app secret (JSON ``{"username", "password"}``, as Secrets Manager keeps it)."""
    username, password = secret_credentials(secret, secret_id)
    if not ROLE_NAME.match(username):
        raise DatabaseConfigError(f"the app database role name {username!r} must match {ROLE_NAME.pattern}")
    if len(password) < 16:
        raise DatabaseConfigError("the app database password must have at least 16 characters")
    return username, password


async def _statement(connection: AsyncConnection, template: str, *values: str) -> str:
    """A statement built by the server's own ``format()`` (%I identifiers, %L literals): DDL takes no bind
    parameters, and the server quotes exactly as it parses."""
    placeholders = ", ".join(f"CAST(:v{i} AS text)" for i in range(len(values)))
    built = await connection.scalar(
        text(f"SELECT format(CAST(:template AS text), {placeholders})"),
        {"template": template, **{f"v{i}": value for i, value in enumerate(values)}},
    )
    return str(built)


async def grant_app_role(engine: AsyncEngine, username: str, password: str) -> None:
    """Create (or re-password) the app role and give it DML on the schema; idempotent."""
    if engine.dialect.name != "postgresql":
        raise DatabaseConfigError("an app database role exists only on PostgreSQL")
    if not ROLE_NAME.match(username):
        raise DatabaseConfigError(f"the app database role name {username!r} must match {ROLE_NAME.pattern}")
    async with engine.begin() as connection:
        owner = str(await connection.scalar(text("SELECT current_user")))
        database = str(await connection.scalar(text("SELECT current_database()")))
        if username == owner:
            raise DatabaseConfigError("the app role must not be the user that runs the migrations")
        exists = await connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": username})
        verb = "ALTER" if exists else "CREATE"
        steps = [
            (f"{verb} ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L", username, password),
            ("GRANT CONNECT ON DATABASE %I TO %I", database, username),
            ("GRANT USAGE ON SCHEMA %I TO %I", SCHEMA, username),
            ("REVOKE CREATE ON SCHEMA %I FROM %I", SCHEMA, username),
            ("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I", SCHEMA, username),
            ("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I", SCHEMA, username),
            (
                "ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I",
                owner,
                SCHEMA,
                username,
            ),
            (
                "ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I",
                owner,
                SCHEMA,
                username,
            ),
            # The migration history is the migration task's alone: the services may read it, never move it.
            ("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE %I.alembic_version FROM %I", SCHEMA, username),
        ]
        for template, *values in steps:
            # Run as the driver gets it: the statement may hold a password with ':' or '%' in its literal, which
            # SQLAlchemy's text() would read as parameters.
            await connection.exec_driver_sql(await _statement(connection, template, *values))
