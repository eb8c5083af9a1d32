"""Acceptance: `senas up` prints where it listens and answers every health check within 15 s."""

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_up_serves_all_health_checks_quickly_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENAS_")},
        "SENAS_DATA_DIR": str(tmp_path / "data"),
        "SENAS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "senas.cli", "up", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answered: dict[str, int] = {}
        paths = ["/health", "/content/health", "/users/health", "/ml/health"]
        while time.monotonic() - started < 15 and len(answered) < len(paths):
            for path in paths:
                if path in answered:
                    continue
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if response.status_code == 200:
                    answered[path] = response.status_code
        assert sorted(answered) == sorted(paths), f"not answered within 15 s: {set(paths) - set(answered)}"
        assert (tmp_path / "data").is_dir()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert f"listening on http://localhost:{port}" in output, output
    assert "Application shutdown complete" in output, output
    # uvicorn re-raises the signal it handled once the graceful shutdown is over.
    assert process.returncode in (0, -signal.SIGTERM), output


def run_cli(*args: str, env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SENAS_")}, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "senas.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_configuration_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    result = run_cli("up", env_extra={"SENAS_PROFILE": "cloud"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown profile 'cloud'" in result.stderr


def test_aws_profile_without_settings_names_what_is_missing(tmp_path: Path) -> None:
    result = run_cli("serve", "users", env_extra={"SENAS_PROFILE": "aws"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SENAS_SIGNING_SECRET must be set" in result.stderr
    assert "SENAS_TABLE_USER_DATA" in result.stderr


@contextmanager
def serving(tmp_path: Path, service: str, *options: str) -> Iterator[str]:
    """``senas serve <service>`` on a free port, ready (its own readiness answered 200); its base URL. Stopped with
    SIGTERM afterwards, which it must survive cleanly."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENAS_")},
        "SENAS_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "senas.cli", "serve", service, "--port", str(port), *options],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = httpx.get(f"{base}/{service}/health/ready", timeout=1).status_code
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200  # the service's lifespan ran (its readiness checks its ports)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode in (0, -signal.SIGTERM), output


def test_serve_runs_one_service_on_its_own_port(tmp_path: Path) -> None:
    with serving(tmp_path, "ml") as base:
        assert httpx.get(f"{base}/health").json()["service"] == "ml"
        assert httpx.get(f"{base}/content/health").status_code == 404


def test_serve_with_the_web_app_answers_the_page_beside_the_service(tmp_path: Path) -> None:
    """The user service's container on AWS: the load balancer sends every path no service claims to it."""
    with serving(tmp_path, "users", "--web-app") as base:
        page = httpx.get(f"{base}/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert httpx.get(f"{base}/sw.js").status_code == 200
        assert httpx.get(f"{base}/static/js/hand.js").headers["content-type"].startswith("text/javascript")
        assert httpx.get(f"{base}/health").json()["service"] == "users"  # the load balancer's health check
        assert httpx.get(f"{base}/users/health").status_code == 200
        missing = httpx.get(f"{base}/nothing/here")
        assert missing.status_code == 404
        assert missing.json()["error"] == "not_found"
        assert httpx.get(f"{base}/static/../pyproject.toml").status_code == 404
        assert httpx.get(f"{base}/content/health").status_code == 404  # other services are not here


def test_worker_refuses_a_queue_no_service_consumes(tmp_path: Path) -> None:
    result = run_cli("worker", "nope", env_extra={"SENAS_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "no service consumes 'nope'" in result.stderr
