"""Fixtures of the user-service tests: the service app on the embedded platform, fake content and ML services
(small real FastAPI apps registered in-process, answering those services' JSON shapes), a manual clock.

A module of its own (``conftest.py`` imports it) so that tests/aws can run the same tests on DynamoDB: it imports
these fixtures and overrides ``platform``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from users_support import FakeContent, FakeMl

from senas.core.grants import ServiceGrants
from senas.platform import catalog
from senas.platform.identity.claims import local_issuer
from senas.platform.identity.local import LocalIdentity
from senas.users import bootstrap
from senas.users.app import create_app
from senas.users.bootstrap import UsersRoot
from senas.users.clock import ManualClock
from senas.users.context import UsersContext
from senas.users.settings import UsersSettings
from senas.wiring import Platform
from senas.wiring.embedded import signing_keys


class MovableTime:
    """Epoch seconds for the identity provider, real time plus an offset the test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def content() -> FakeContent:
    fake = FakeContent()
    fake.add_level("lvl-1", {"les-1": ["hola", "gracias"], "les-2": ["adios"]})
    return fake


@pytest.fixture
def ml() -> FakeMl:
    return FakeMl()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 10, 20, 10, 0, tzinfo=UTC))


@pytest.fixture
def identity_time() -> MovableTime:
    return MovableTime()


@pytest.fixture
def users_platform(platform: Platform, content: FakeContent, ml: FakeMl, identity_time: MovableTime) -> Platform:
    """The embedded platform with a cheaper argon2 cost (the real algorithm, test-sized parameters) and a clock
    the throttling tests can move."""
    settings = platform.settings
    # The data dir's TOTP key as the wiring gave it (a platform whose identity is not the embedded one: a new key).
    secret_box = platform.identity.secret_box if isinstance(platform.identity, LocalIdentity) else None
    platform.identity = LocalIdentity(
        platform.tables.table(settings.table_name(catalog.USER_DATA)),
        signing_keys(settings),
        platform.token_verifier,
        issuer=local_issuer(settings.public_url),
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        mfa_required_for_all=settings.mfa_required_for_all,
        clock=identity_time,
        password_hash=PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)),
        secret_box=secret_box,
    )
    platform.services.register_in_process(
        "content", content.app(ServiceGrants(settings.signing_secret.get_secret_value()))
    )
    platform.services.register_in_process("ml", ml.app())
    return platform


@pytest.fixture
def users_root(users_platform: Platform, clock: ManualClock) -> UsersRoot:
    # The consumers read the context's clock; routes get it through get_clock. A failed follow-up is tried again
    # at once (the tests move no wall clock), and what the content service says is never reused (a test that
    # takes it down sees it down).
    config = UsersSettings(followup_retry_seconds=0, answer_key_cache_seconds=0, content_cache_seconds=0)
    return bootstrap.build(users_platform, clock=clock, config=config)


@pytest.fixture
def runtime(users_root: UsersRoot) -> UsersContext:
    return users_root.context


@pytest.fixture
async def client(users_root: UsersRoot, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(users_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c
