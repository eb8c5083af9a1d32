"""Browser tests of the learner web app: Playwright for Python driving Debian's Chromium (never a downloaded
browser), against a real ``senas up`` started here on a free port with its own data directory.

Fake camera clips are built per session with PyAV from ``../shared/fixtures/hands`` photos (see
../shared/notes/browser.md: y4m, even frame size); each camera scenario launches its own browser because the
clip is a launch flag. Screenshots go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CLIP_FPS,
    CLIP_SECONDS,
    CLIP_SIZE,
    HANDS,
    SCREENSHOTS,
    letterbox,
    skip_or_fail,
    write_y4m,
)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright would look for a browser it downloaded itself; use the system's Chromium."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium; see .ci/web-checks.sh)")
    return {"executable_path": str(CHROMIUM), "args": list(CHROMIUM_ARGS), "headless": True}


@pytest.fixture(scope="module")
def launch_chromium(browser_type_launch_args: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    """``launch_chromium(**options)``: a Chromium launched with ``browser_type_launch_args`` (plus options).

    Playwright's sync API runs an event loop in this thread while it is started; pytest-playwright keeps it
    for the whole session, which would make every async test collected after these fail ("Runner.run() cannot
    be called from a running event loop"). Here it lives for this module only."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    launched: list[Any] = []

    def launch(**options: Any) -> Any:
        browser = playwright.chromium.launch(**{**browser_type_launch_args, **options})
        launched.append(browser)
        return browser

    try:
        yield launch
    finally:
        for browser in launched:
            if browser.is_connected():
                browser.close()
        playwright.stop()


@pytest.fixture
def chromium(launch_chromium: Callable[..., Any]) -> Iterator[Any]:
    """A Chromium with the default launch options, closed after the test."""
    browser = launch_chromium()
    yield browser
    browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment ``senas up`` runs with (and the operator's commands against it)."""
    port = _free_port()
    data = tmp_path_factory.mktemp("senas-web-data")
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENAS_")}
    env.update(
        SENAS_DATA_DIR=str(data),
        SENAS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        SENAS_PORT=str(port),
        SENAS_LOG_JSON="true",
        # Every browser test signs its learners up from 127.0.0.1, like a whole school behind one address: the
        # per-address sign-up budget (30 per 10 minutes by default; tested in tests/users) would refuse the later
        # modules' learners with 429 once the suite has grown past it.
        SENAS_USERS_RATE_LIMIT_SIGNUP="1000/600",
    )
    return env


@pytest.fixture(scope="session")
def grant_admin(server: str, server_env: dict[str, str]) -> Callable[[str], None]:
    """``grant_admin(email)``: the operator's ``senas users grant-admin`` against the server under test (with
    ``SENAS_WEB_TEST_SERVER`` the author must have been made admin by hand)."""

    def grant(email: str) -> None:
        if os.environ.get("SENAS_WEB_TEST_SERVER"):
            skip_or_fail(f"run `senas users grant-admin {email}` against {server} first (SENAS_WEB_TEST_SERVER)")
        result = subprocess.run(
            [sys.executable, "-m", "senas.cli", "users", "grant-admin", email],
            cwd=server_env["SENAS_DATA_DIR"],
            env=server_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    return grant


@pytest.fixture(scope="session")
def server(server_env: dict[str, str]) -> Iterator[str]:
    """``senas up`` as a learner would run it, on a free port; its URL. ``SENAS_WEB_TEST_SERVER=<url>`` runs
    the tests against a server already running instead (while developing the app)."""
    existing = os.environ.get("SENAS_WEB_TEST_SERVER")
    if existing:
        yield existing.rstrip("/")
        return
    env = server_env
    port = int(env["SENAS_PORT"])
    base = env["SENAS_PUBLIC_URL"]
    data = Path(env["SENAS_DATA_DIR"])
    log_path = data / "senas-up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "senas.cli", "up", "--port", str(port)],
            cwd=data,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"senas up exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"senas up not ready after 120 s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _require_module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        skip_or_fail(f"{name} is not installed (the ml extra: pip install -e '.[dev]')")


# -- fake camera clips ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def hand_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip of a real "four fingers up, thumb folded" hand — the demo course's B handshape."""
    photos = sorted((HANDS / "four").glob("*.jpg"))
    if not photos:
        skip_or_fail(f"hand photos not found under {HANDS / 'four'} (the shared fixtures)")
    _require_module("av")
    # One clear photo held still, as a learner holds a letter: the whole clip shows the handshape.
    still = letterbox(photos[0])
    path = tmp_path_factory.mktemp("clips") / "hand-four.y4m"
    return write_y4m(path, [still] * (CLIP_FPS * CLIP_SECONDS))


@pytest.fixture(scope="session")
def empty_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip with no hand at all: a grey gradient with a little noise (the shared "none" photos still
    show a hand, so they cannot serve here)."""
    np = _require_module("numpy")
    _require_module("av")
    width, height = CLIP_SIZE
    rng = np.random.default_rng(7)
    ramp = np.linspace(60, 190, width, dtype=np.float32)[None, :, None]
    base = np.broadcast_to(ramp, (height, width, 3))
    frames = [
        np.clip(base + rng.normal(0, 6, (height, width, 3)), 0, 255).astype(np.uint8)
        for _ in range(CLIP_FPS * CLIP_SECONDS)
    ]
    path = tmp_path_factory.mktemp("clips") / "no-hands.y4m"
    return write_y4m(path, frames)


@pytest.fixture
def camera_browser(launch_chromium: Callable[..., Any], browser_type_launch_args: dict[str, Any]) -> Iterator[Any]:
    """``camera_browser(clip)``: a browser whose camera shows ``clip`` (``webassembly=False``: one without
    WebAssembly); closed after the test."""
    browsers: list[Any] = []

    def launch(clip: Path, *, webassembly: bool = True) -> Any:
        args = [
            *browser_type_launch_args["args"],
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ]
        # --- live landmarks --- V8 without its compilers has no WebAssembly: a browser that cannot run the engine
        if not webassembly:
            args.append("--js-flags=--jitless")
        # --- end live landmarks ---
        browser = launch_chromium(args=args)
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
