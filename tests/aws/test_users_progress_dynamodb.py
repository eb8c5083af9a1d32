"""The user service's progress tests (tests/users/test_progress.py: lesson attempts, replays, bounds, streaks,
follow-ups, perform exercises, the forged-results scenario) run again with its two tables on DynamoDB — moto in
process, as the aws profile's tables — instead of the embedded SQLite tables. The same tests, the same fixtures;
only the ``platform`` fixture differs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import _users_path  # noqa: F401 - first: tests/users on the import path
import pytest
from test_progress import *  # noqa: F403 - the tests themselves
from users_fixtures import *  # noqa: F403 - and their fixtures

from aws.aws_harness import aws_clients, create_tables, moto_in_process, unique_prefix
from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.tables.aws import DynamoTable, DynamoTables
from senas.wiring import Platform, build_platform

TABLES = (catalog.USER_DATA, catalog.USER_PROGRESS)


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:  # type: ignore[no-redef]
    """The embedded platform with UserData and UserProgress on DynamoDB (moto)."""
    built = build_platform(settings)
    with moto_in_process():
        # moto handles requests without locking: one worker gives them to it one at a time, as DynamoDB sees them
        # per item (see aws_harness.make_dynamodb_moto).
        clients = aws_clients(workers=1)
        prefix = unique_prefix()
        physical = {settings.table_name(name): f"{prefix}{name}" for name in TABLES}
        await asyncio.to_thread(create_tables, clients, list(physical.values()))
        embedded = built.tables
        built.tables = DynamoTables(clients, physical)
        try:
            yield built
        finally:
            await built.close()
            await embedded.close()
            for name in physical.values():
                await clients.call("dynamodb", "delete_table", TableName=name)
            await clients.close()


def test_these_tests_run_on_dynamodb(runtime: Any) -> None:
    assert isinstance(runtime.ports.progress, DynamoTable)
    assert isinstance(runtime.ports.user_data, DynamoTable)
