"""PostgreSQL helpers of the content tests (a module of its own so tests can import it by a unique name)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import make_url

from prerequisites import skip_or_fail  # noqa: F401 - used by the content tests through this module

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


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
