"""Issue 14 #4, over a real socket: `senas up` started as a person starts it, and logins sent with forged
``X-Forwarded-For`` headers. uvicorn used to believe the header from 127.0.0.1 and hand the forged address to the
gateway, which appended it as the client, so every forged value got a fresh per-address budget (64 × 401, no 429).
Now only the proxies named in ``SENAS_TRUSTED_PROXIES`` may say who the client is."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

BUDGET = 5
FORGED = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def senas_up(tmp_path: Path, **env_extra: str) -> Iterator[str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENAS_")},
        "SENAS_DATA_DIR": str(tmp_path / "data"),
        "SENAS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SENAS_USERS_RATE_LIMIT_LOGIN": f"{BUDGET}/600",
        "SENAS_RUN_WORKERS": "false",
        **env_extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "senas.cli", "up", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"{base}/users/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "senas up did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)


def forged_logins(base: str) -> list[int]:
    statuses = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for n in range(FORGED):
            response = client.post(
                "/users/auth/login",
                json={"email": f"nadie-{n}@example.org", "password": "no-es-la-clave-42"},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) > 0
                assert set(response.json()) >= {"error", "detail"}
            statuses.append(response.status_code)
    return statuses


def test_a_forged_x_forwarded_for_does_not_reset_the_login_budget(tmp_path: Path) -> None:
    with senas_up(tmp_path) as base:
        statuses = forged_logins(base)
    assert statuses == [401] * BUDGET + [429] * (FORGED - BUDGET)


def test_a_configured_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    """The setting is what decides: with 127.0.0.1 named as a trusted proxy (as if a reverse proxy on this
    machine stood in front), the address it reports is the client, so each reported address has its own budget."""
    with senas_up(tmp_path, SENAS_TRUSTED_PROXIES="127.0.0.1") as base:
        statuses = forged_logins(base)
    assert statuses == [401] * FORGED
