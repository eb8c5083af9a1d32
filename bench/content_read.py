"""Read throughput of the content service: ``GET /content/lessons/{id}`` for a demo lesson with 10 signs, at
concurrency 32 (over 32 keep-alive connections), against a uvicorn server in a subprocess (embedded profile,
temporary data directory with the demo course).

The same server, in the same run, also answers a constant JSON body of the same size — endpoints of this bench,
not of the product: once as raw ASGI in front of the service (the floor of the server itself) and once as a
route of the content app (through the service's middleware and router). The ratios against them are the figures
to watch (aim ≥ 0.5 on SQLite). Then the same on PostgreSQL when one is reachable (``SENAS_TEST_POSTGRES_URL``
or the local default).

Run: ``.venv/bin/python bench/content_read.py [--seconds 10] [--concurrency 32]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CONSTANT_PATH = "/bench/constant"
STACK_CONSTANT_PATH = "/content/bench-constant"


# -- the server (run in the subprocess) ------------------------------------------------------------------------


def serve(port: int) -> None:
    import uvicorn
    from fastapi.responses import Response
    from starlette.types import Receive, Scope, Send

    from senas.content import bootstrap
    from senas.content.app import create_app
    from senas.core.logging import configure_logging
    from senas.core.settings import load_settings
    from senas.gateway.app import PathRouter
    from senas.wiring import build_platform

    settings = load_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    platform = build_platform(settings)
    content = create_app(bootstrap.build(platform), run_consumers=False, owns_platform=True)
    bodies: dict[int, bytes] = {}

    async def constant(scope: Scope, receive: Receive, send: Send) -> None:
        """A JSON body of the requested size, as cheap as the server can answer it."""
        query = dict(part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part)
        size = max(16, int(query.get("size", "1000")))
        body = bodies.get(size)
        if body is None:
            body = bodies[size] = b'{"x":"' + b"a" * (size - 8) + b'"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def constant_route(size: int = 1000) -> Response:
        body = bodies.get(size)
        if body is None:
            body = bodies[size] = b'{"x":"' + b"a" * (max(16, size) - 8) + b'"}'
        return Response(body, media_type="application/json")

    # The same constant, as a route of the content app itself: it goes through the service's middleware
    # (request ids, metrics, error handling) and router, so the ratio against it isolates the lesson's own cost.
    content.add_api_route(STACK_CONSTANT_PATH, constant_route, methods=["GET"], include_in_schema=False)
    blobs = platform.blob_server
    routes: dict[str, Any] = {CONSTANT_PATH: constant}
    if blobs is not None:
        routes["/_blobs"] = blobs
    uvicorn.run(PathRouter(routes, content), host="127.0.0.1", port=port, log_config=None, access_log=False)


# -- the driver ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(base: str, process: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if (await client.get("/content/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready in time")


async def find_lesson(client: httpx.AsyncClient, min_signs: int = 10) -> str:
    levels = (await client.get("/content/languages/ase/levels")).json()["levels"]
    for level in levels:
        for lesson in (await client.get(f"/content/levels/{level['id']}")).json()["lessons"]:
            if len(lesson["sign_ids"]) >= min_signs:
                return str(lesson["id"])
    raise RuntimeError(f"no demo lesson with {min_signs} signs")


class RawConnection:
    """A minimal keep-alive HTTP/1.1 client: httpx costs more CPU per request than the server under test, and
    on a small machine the driver would otherwise set the pace of both runs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive(base: str, path: str, *, seconds: float, concurrency: int) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    connections = [RawConnection(host, int(port)) for _ in range(concurrency)]
    warm_until = time.monotonic() + min(2.0, seconds / 4)
    while time.monotonic() < warm_until:
        await asyncio.gather(*(connection.get(path) for connection in connections))
    stop = time.monotonic() + seconds

    async def worker(connection: RawConnection) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = await connection.get(path)
            elapsed = time.perf_counter() - started
            if status != 200:
                errors += 1
            else:
                latencies.append(elapsed)

    began = time.monotonic()
    try:
        await asyncio.gather(*(worker(connection) for connection in connections))
    finally:
        for connection in connections:
            connection.close()
    wall = time.monotonic() - began
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "requests": len(latencies),
        "errors": errors,
    }


async def measure(env: dict[str, str], label: str, *, seconds: float, concurrency: int) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "SENAS_PUBLIC_URL": base}
    process = subprocess.Popen(  # noqa: ASYNC220 - a long-lived child, started once
        [sys.executable, __file__, "--serve", "--port", str(port)], env=env
    )
    try:
        await wait_ready(base, process)
        async with httpx.AsyncClient(base_url=base) as client:
            lesson_id = await find_lesson(client)
            body = (await client.get(f"/content/lessons/{lesson_id}")).content
            signs = len((await client.get(f"/content/lessons/{lesson_id}")).json()["signs"])
        lesson = await drive(base, f"/content/lessons/{lesson_id}", seconds=seconds, concurrency=concurrency)
        constant = await drive(base, f"{CONSTANT_PATH}?size={len(body)}", seconds=seconds, concurrency=concurrency)
        stacked = await drive(base, f"{STACK_CONSTANT_PATH}?size={len(body)}", seconds=seconds, concurrency=concurrency)
    finally:
        process.terminate()
        process.wait(timeout=20)
    ratio = lesson["rps"] / constant["rps"]
    stack_ratio = lesson["rps"] / stacked["rps"]
    print(f"\n== {label}: GET /content/lessons/{{id}} ({signs} signs, {len(body)} bytes), concurrency {concurrency}")
    rows = (("lesson", lesson), ("constant, raw ASGI", constant), ("constant, svc stack", stacked))
    for name, figures in rows:
        print(
            f"  {name:<20} {figures['rps']:8.0f} req/s   p50 {figures['p50_ms']:7.1f} ms   "
            f"p99 {figures['p99_ms']:7.1f} ms   ({figures['requests']} ok, {figures['errors']} errors)"
        )
    print(f"  ratio lesson / constant (raw ASGI, same server):      {ratio:.2f}")
    print(f"  ratio lesson / constant (through the service's stack): {stack_ratio:.2f}")
    return {"label": label, "lesson": lesson, "constant": constant, "ratio": ratio, "stack_ratio": stack_ratio}


async def postgres_database() -> tuple[str, str] | None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("SENAS_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    name = f"senas_bench_{secrets.token_hex(4)}"
    try:
        connection = await asyncpg.connect(
            host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
            database=admin.database or "postgres", timeout=3,
        )  # fmt: skip
    except Exception as exc:
        print(f"\nPostgreSQL not reachable ({type(exc).__name__}: {exc}); skipping the PostgreSQL figure")
        return None
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, admin.set(database=name).render_as_string(hide_password=False)


async def drop_database(name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("SENAS_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    connection = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
        database=admin.database or "postgres",
    )  # fmt: skip
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def main(seconds: float, concurrency: int) -> None:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SENAS_")}
    base_env |= {"SENAS_PROFILE": "embedded", "SENAS_LOG_LEVEL": "warning", "SENAS_LOG_JSON": "true"}
    with tempfile.TemporaryDirectory(prefix="senas-bench-") as tmp:
        await measure(
            base_env | {"SENAS_DATA_DIR": str(Path(tmp) / "sqlite")},
            "embedded default (SQLite)",
            seconds=seconds,
            concurrency=concurrency,
        )
        database = await postgres_database()
        if database is not None:
            name, url = database
            try:
                await measure(
                    base_env | {"SENAS_DATA_DIR": str(Path(tmp) / "pg"), "SENAS_DATABASE_URL": url},
                    "PostgreSQL",
                    seconds=seconds,
                    concurrency=concurrency,
                )
            finally:
                await drop_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per endpoint")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.port)
    else:
        asyncio.run(main(arguments.seconds, arguments.concurrency))
