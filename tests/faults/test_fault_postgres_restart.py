"""PostgreSQL restarted under the content service during a stream of author writes.

A private cluster (``fault_postgres``) backs the content service, running in-process over ASGI on the embedded
profile with ``SENAS_DATABASE_URL`` pointing at it. One task keeps creating signs; mid-load the cluster is
stopped (``pg_ctl stop -m fast``) and started again, and later restarted once more with no traffic at all. What
must hold (``assert_recovers``):

* while the database is down, ``/content/health/ready`` answers 503 naming the ``database`` check, and writes fail
  fast with a 503 ``{"error": "unavailable", "detail"}`` — never a 500, never a hang;
* once it is back, readiness recovers and writes succeed **without restarting the service**; after a quiet
  restart the very first write succeeds (stale pooled connections are noticed before use);
* every write that was answered 2xx is in the database afterwards.

The same assertions are shown to fail on two broken services, injected through the content runtime's database:
a readiness probe that does not query, and an engine without pre-ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fault_postgres import PrivateCluster
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from senas.content import bootstrap, migrate
from senas.content.app import create_app
from senas.content.db import Database, create_engine
from senas.content.settings import ContentSettings
from senas.core.settings import Settings, load_settings
from senas.wiring import build_platform

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REQUEST_TIMEOUT = 10.0  # seconds: a request slower than this while the database is down counts as a hang
RECOVERY_TIMEOUT = 30.0
WRITES_BEFORE_OUTAGE = 8
WRITES_DURING_OUTAGE = 3
WRITES_AFTER_RECOVERY = 5


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    private = PrivateCluster.create()
    try:
        private.start()

        async def upgrade() -> None:
            engine = create_engine(private.url)
            try:
                await migrate.upgrade(engine)
            finally:
                await engine.dispose()

        asyncio.run(upgrade())
        yield private
    finally:
        private.destroy()


@pytest.fixture
def pg_settings(settings: Settings, cluster: PrivateCluster, tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", log_json=False, database_url=cluster.url)


@dataclass
class Write:
    gloss: str
    status: int
    body: Any
    phase: str


@dataclass
class Observed:
    writes: list[Write] = field(default_factory=list)
    ready_before: httpx.Response | None = None
    ready_during_outage: list[httpx.Response] = field(default_factory=list)
    recovered: bool = False
    first_after_quiet_restart: Write | None = None
    stored: set[str] = field(default_factory=set)


class Load:
    """Author writes one after another, each recorded with the phase it was sent in."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], observed: Observed) -> None:
        self.client = client
        self.headers = headers
        self.observed = observed
        self.phase = "before"
        self.stopping = asyncio.Event()
        self.count = 0
        self.tag = uuid.uuid4().hex[:8].upper()  # the scenarios share the cluster: glosses unique to this one

    async def write(self) -> Write:
        self.count += 1
        gloss = f"SEÑA-{self.tag}-{self.count}"
        phase = self.phase
        body = {"gloss": gloss, "meaning_es": f"seña {self.count}", "meaning_en": f"sign {self.count}"}
        async with asyncio.timeout(REQUEST_TIMEOUT):
            response = await self.client.post("/content/author/languages/lsm/signs", json=body, headers=self.headers)
        try:
            parsed = response.json()
        except ValueError:
            parsed = response.text
        write = Write(gloss, response.status_code, parsed, phase)
        self.observed.writes.append(write)
        return write

    async def run(self) -> None:
        while not self.stopping.is_set():
            await self.write()
            await asyncio.sleep(0.01)

    def done(self, phase: str, *, ok: bool) -> int:
        return sum(1 for w in self.observed.writes if w.phase == phase and (w.status == 201) == ok)

    async def until(self, phase: str, count: int, *, ok: bool) -> None:
        async with asyncio.timeout(RECOVERY_TIMEOUT):
            while self.done(phase, ok=ok) < count:
                await asyncio.sleep(0.02)


async def wait_until_ready(client: httpx.AsyncClient) -> bool:
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while time.monotonic() < deadline:
        if (await client.get("/content/health/ready")).status_code == 200:
            return True
        await asyncio.sleep(0.1)
    return False


async def stored_glosses(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT gloss FROM sign"))
            return {str(row[0]) for row in rows}
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def content_client(settings: Settings, database: Database | None) -> AsyncIterator[httpx.AsyncClient]:
    """The content service on ``settings``; ``database`` (a broken variant) replaces the one it would open."""
    platform = build_platform(settings)
    root = bootstrap.build(platform, config=ContentSettings(seed_demo=False, migrate_on_start=False))
    if database is not None:
        root.context.database.use(database)  # the lifespan uses a database already there
    app = create_app(root, run_consumers=False)
    try:
        async with app.router.lifespan_context(app):
            # A 500 must reach the test as a response to assert on, not as an exception raised into it.
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://content.test") as client:
                yield client
    finally:
        if database is not None:
            await database.close()
        await platform.close()


def operator_headers(settings: Settings) -> dict[str, str]:
    """An admin's credentials, signed by the embedded identity provider's key."""
    from senas.platform.identity.claims import access_token_claims, local_issuer
    from senas.wiring.embedded import signing_keys

    claims = access_token_claims(
        user_id="operator", issuer=local_issuer(settings.public_url), roles=("admin",), ttl_seconds=600
    )
    return {"Authorization": f"Bearer {signing_keys(settings).sign(claims)}"}


async def run_outage(
    cluster: PrivateCluster, settings: Settings, headers: dict[str, str], database: Database | None = None
) -> Observed:
    observed = Observed()
    operator = operator_headers(settings)
    async with content_client(settings, database) as client:
        language = {"code": "lsm", "name_es": "Lengua de Señas Mexicana", "name_en": "Mexican Sign Language"}
        created = await client.post("/content/author/languages", json=language, headers=headers)
        assert created.status_code in (201, 409), created.text  # 409: an earlier scenario on this cluster made it
        observed.ready_before = await client.get("/content/health/ready")

        load = Load(client, headers, observed)
        writer = asyncio.create_task(load.run())
        try:
            await load.until("before", WRITES_BEFORE_OUTAGE, ok=True)
            load.phase = "stopping"
            await asyncio.to_thread(cluster.stop)
            load.phase = "outage"
            await load.until("outage", WRITES_DURING_OUTAGE, ok=False)
            for _ in range(2):  # as the operator: readiness names the failing check only to them
                observed.ready_during_outage.append(await client.get("/content/health/ready", headers=operator))
            load.phase = "starting"
            await asyncio.to_thread(cluster.start)
            load.phase = "after"
            observed.recovered = await wait_until_ready(client)
            if observed.recovered:
                await load.until("after", WRITES_AFTER_RECOVERY, ok=True)
        finally:
            load.stopping.set()
            await writer

        # A restart with no traffic at all: the pool still holds connections to the old server process.
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.start)
        load.phase = "quiet-restart"
        observed.first_after_quiet_restart = await load.write()

    observed.stored = await stored_glosses(cluster.url)
    return observed


def assert_recovers(observed: Observed) -> None:
    assert observed.ready_before is not None
    assert observed.ready_before.status_code == 200, observed.ready_before.text

    for response in observed.ready_during_outage:
        assert response.status_code == 503, f"readiness while the database is down: {response.text}"
        body = response.json()
        assert body["error"] == "not_ready"
        assert "database" in body["detail"]
        assert body["checks"]["database"] != "ok"

    unexpected = [w for w in observed.writes if w.status not in (201, 503)]
    assert not unexpected, f"writes answered neither 201 nor 503: {unexpected[:3]}"
    for write in observed.writes:
        if write.status == 503:
            assert write.body["error"] == "unavailable", write.body
            assert write.body["detail"], write.body
    during = [w for w in observed.writes if w.phase == "outage"]
    assert len(during) >= WRITES_DURING_OUTAGE
    assert all(w.status == 503 for w in during), [w.status for w in during]

    assert observed.recovered, "readiness did not recover without restarting the service"
    after = [w for w in observed.writes if w.phase == "after"]
    assert sum(w.status == 201 for w in after) >= WRITES_AFTER_RECOVERY
    assert observed.first_after_quiet_restart is not None
    first = observed.first_after_quiet_restart
    assert first.status == 201, f"the first write after a restart failed: {first.status} {first.body}"

    acknowledged = {w.gloss for w in observed.writes if w.status == 201}
    lost = acknowledged - observed.stored
    assert not lost, f"acknowledged writes missing from the database: {sorted(lost)[:5]}"


@pytest.fixture
def author_headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('teacher-1', roles=('teacher',))}"}


async def test_content_service_rides_out_a_postgres_restart(
    cluster: PrivateCluster, pg_settings: Settings, author_headers: dict[str, str]
) -> None:
    observed = await run_outage(cluster, pg_settings, author_headers)
    assert_recovers(observed)
    print(
        f"writes: {sum(w.status == 201 for w in observed.writes)} acknowledged, "
        f"{sum(w.status == 503 for w in observed.writes)} refused with 503"
    )


class ProbeWithoutQuery(Database):
    """Broken: readiness that only checks the engine object exists, without asking the database."""

    async def ping(self) -> None:
        return None


async def test_a_readiness_probe_that_does_not_query_is_caught(
    cluster: PrivateCluster, pg_settings: Settings, author_headers: dict[str, str]
) -> None:
    observed = await run_outage(cluster, pg_settings, author_headers, ProbeWithoutQuery(create_engine(cluster.url)))
    with pytest.raises(AssertionError, match="readiness while the database is down"):
        assert_recovers(observed)


async def test_an_engine_without_pre_ping_is_caught(
    cluster: PrivateCluster, pg_settings: Settings, author_headers: dict[str, str]
) -> None:
    # Broken: pooled connections are handed out without checking they still reach a live server.
    engine = create_async_engine(cluster.url, pool_size=4, pool_pre_ping=False)
    observed = await run_outage(cluster, pg_settings, author_headers, Database(engine))
    with pytest.raises(AssertionError, match="the first write after a restart failed"):
        assert_recovers(observed)


# -- a server that accepts the connection but never answers (a failover, a black-holed address) -----------------

HANG_BOUND = 5.0  # seconds: a request still unanswered after this is hanging (the connect timeout used is 0.5 s)


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A TCP port that takes connections into its backlog and never speaks: asyncpg's handshake gets no answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{listener.getsockname()[1]}/postgres"


async def write_against(settings: Settings, headers: dict[str, str], database: Database) -> httpx.Response | None:
    """One author write, or None when it is still unanswered after ``HANG_BOUND``."""
    async with content_client(settings, database) as client:
        try:
            async with asyncio.timeout(HANG_BOUND):
                body = {"code": "lsm", "name_es": "Lengua", "name_en": "Language"}
                return await client.post("/content/author/languages", json=body, headers=headers)
        except TimeoutError:
            return None


def assert_fails_fast(response: httpx.Response | None) -> None:
    assert response is not None, f"the write was still hanging after {HANG_BOUND:g} s"
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "unavailable", response.text
    assert response.json()["detail"], response.text


async def test_a_database_that_does_not_answer_fails_writes_fast(
    settings: Settings, tmp_path: Path, author_headers: dict[str, str]
) -> None:
    with silent_server() as url:
        silent = load_settings(data_dir=tmp_path / "data", log_json=False, database_url=url)
        assert_fails_fast(
            await write_against(silent, author_headers, Database(create_engine(url, connect_timeout=0.5)))
        )


async def test_an_engine_without_a_connect_timeout_is_caught(
    settings: Settings, tmp_path: Path, author_headers: dict[str, str]
) -> None:
    with silent_server() as url:
        silent = load_settings(data_dir=tmp_path / "data", log_json=False, database_url=url)
        # Broken: asyncpg's own default connect timeout (60 s) — each request waits that long.
        response = await write_against(silent, author_headers, Database(create_async_engine(url)))
    with pytest.raises(AssertionError, match="still hanging"):
        assert_fails_fast(response)
