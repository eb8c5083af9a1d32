"""Database URL resolution: credentials from the secrets port (Aurora's managed secret shape)."""

from __future__ import annotations

import pytest

from senas.content.db import DatabaseConfigError, is_sqlite, resolve_database_url
from senas.core.settings import Settings


class FakeSecrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    async def get(self, name: str) -> str:
        return self.values[name]


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_default_is_sqlite_under_the_data_dir(tmp_path: object) -> None:
    settings = make_settings(data_dir=tmp_path)
    url = await resolve_database_url(settings, FakeSecrets({}))
    assert is_sqlite(url)
    assert url.endswith("content.db")


async def test_credentials_come_from_the_secret() -> None:
    settings = make_settings(
        database_url="postgresql+asyncpg://placeholder@db.internal:5432/senas", database_secret_id="senas/db"
    )
    secret = '{"username": "senas_app", "password": "p@ss:w/rd%", "engine": "postgres"}'
    url = await resolve_database_url(settings, FakeSecrets({"senas/db": secret}))
    assert url.startswith("postgresql+asyncpg://senas_app:")
    assert url.endswith("@db.internal:5432/senas")
    from sqlalchemy.engine import make_url

    assert make_url(url).password == "p@ss:w/rd%"


async def test_a_malformed_secret_is_named() -> None:
    settings = make_settings(database_url="postgresql+asyncpg://x@h/db", database_secret_id="senas/db")
    with pytest.raises(DatabaseConfigError, match="senas/db"):
        await resolve_database_url(settings, FakeSecrets({"senas/db": "not json"}))
