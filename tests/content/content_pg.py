"""PostgreSQL helpers of the content tests (a module of its own so tests can import it by a unique name)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def skip_or_fail(reason: str) -> None:
    # The root conftest's helper, copied: `from conftest import …` finds tests/content/conftest.py first.
    if os.environ.get("SENAS_STRICT_TESTS") == "1":
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def postgres_admin_url() -> str:
    return os.environ.get("SENAS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


async def _admin(sql: str) -> None:
    import asyncpg

    url = make_url(postgres_admin_url())
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database or "postgres", timeout=3,
    )  # fmt: skip
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_in_thread(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from sync code that may itself be inside a running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(make())).result()
