"""Every model ships (issue 13): a copy of the project far from any ``../shared`` — no dataset, no fixture photos —
starts with `senas up` and is ready: the packaged fingerspelling classifier and handshape metric and the demo
templates are registered from the package alone.

The copy is the working tree's files that git knows of (tracked, and new files not ignored), so uncommitted changes
are what is tested; its own code runs (``PYTHONPATH=<copy>/src``) with this environment's packages (MediaPipe, the
hand and pose model files ``make`` installed)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from prerequisites import REPO_ROOT

pytestmark = pytest.mark.slow

READY_WITHIN = 240.0  # seconds: a first start registers the models and builds 30 demo templates on 2 cores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def project_files() -> list[str]:
    """The working tree's files git knows of (tracked, and new ones not ignored) — or, outside a git checkout (a
    copy of the files), every file of the source tree and the project's metadata."""
    listed = None
    if shutil.which("git") is not None:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=False,
        )
    if listed is not None and listed.returncode == 0:
        return [name for name in listed.stdout.decode().split("\0") if name]
    sources = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "src").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return [*sources, "pyproject.toml", "README.md"]


def copy_project(target: Path) -> None:
    for name in project_files():
        source = REPO_ROOT / name
        if not source.is_file():  # deleted in the working tree
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


@pytest.mark.timeout(READY_WITHIN + 120)
def test_a_copy_with_no_shared_data_starts_ready() -> None:
    base = Path(tempfile.mkdtemp(prefix="senas-no-shared-"))
    copy = base / "x" / "y"
    try:
        copy_project(copy)
        for folder in (copy, *copy.parents):
            assert not (folder / "shared").exists(), f"{folder / 'shared'} exists: the copy is not far from it"
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SENAS_") and k != "PYTHONPATH"},
            "SENAS_DATA_DIR": str(copy / ".senas-data"),
            "SENAS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PYTHONPATH": str(copy / "src"),
            "NO_COLOR": "1",
        }
        log = (base / "up.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "senas.cli", "up", "--port", str(port)],
            cwd=copy,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            models, ready = _wait_until_ready(f"http://127.0.0.1:{port}", process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        output = (base / "up.log").read_text(errors="replace")
        assert models is not None, f"/ml/health/models never answered ok:\n{output[-4000:]}"
        assert models["status"] == "ok", models
        assert models["missing"] == {}
        assert models["models"]["fingerspelling"] is not None
        assert models["models"]["handshape-metric"] is not None  # the copy's code ran: the old one has no metric
        assert ready == 200, output[-4000:]
        assert "asl_alphabet_landmarks" not in output  # nothing looked for the dataset
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes]) -> tuple[dict[str, object] | None, int]:
    deadline = time.monotonic() + READY_WITHIN
    models: dict[str, object] | None = None
    ready = 0
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answer = httpx.get(f"{base_url}/ml/health/models", timeout=5)
            if answer.status_code == 200 and answer.json().get("status") in ("ok", "degraded", "missing"):
                models = answer.json()
                ready = httpx.get(f"{base_url}/health/ready", timeout=5).status_code
                if models.get("status") == "ok" and ready == 200:
                    return models, ready
        except httpx.TransportError:
            pass
        time.sleep(1.0)
    return models, ready
