"""A new release of the app shell replaces the installed one (issue 20), in real Chromium: the service worker's cache
is named after a hash of the shell's content, so changing one file changes ``/sw.js``; the browser installs the new
worker, which precaches the new files and deletes the old version's cache.

The page is served here by the web routes alone (no services: the landing page needs none) from a copy of the web
folder, so that the test can change a file without touching the package."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mobile_helpers import WORKER_READY, phone_page, wait_js
from starlette.applications import Starlette

from senas.web import serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def web_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    web = tmp_path / "web"
    shutil.copytree(serving.WEB_ROOT, web, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setattr(serving, "WEB_ROOT", web)
    monkeypatch.setattr(serving, "STATIC_ROOT", web / "static")
    return web


@pytest.fixture
def web_only_server(web_copy: Path) -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    app = Starlette(routes=serving.web_routes(url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web-only server did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


SHELL_CACHES = "async () => (await caches.keys()).filter((name) => name.startsWith('senas-shell-'))"


def test_a_new_release_replaces_the_cached_shell(chromium: Any, web_only_server: str, web_copy: Path) -> None:
    context, page, console = phone_page(chromium)
    page.goto(web_only_server)
    page.wait_for_selector("main[data-page='home'] h1")
    ready = page.evaluate(WORKER_READY)
    assert ready["controlled"], ready
    first = page.evaluate(SHELL_CACHES)
    assert len(first) == 1, first

    # the release: one stylesheet changed
    styles = web_copy / "static" / "styles.css"
    styles.write_text(styles.read_text(encoding="utf-8") + "\n/* release 2 */\n", encoding="utf-8")
    page.evaluate("async () => { const r = await navigator.serviceWorker.getRegistration(); await r.update(); }")
    second = wait_js(
        page,
        "async (old) => { const names = await (" + SHELL_CACHES + ")(); "
        "return names.length === 1 && names[0] !== old ? names : null; }",
        first[0],
    )
    assert second[0] != first[0]
    cached = page.evaluate(
        "async (name) => (await (await caches.open(name)).match('/static/styles.css')).text()", second[0]
    )
    assert "release 2" in cached
    page.reload()
    page.wait_for_selector("main[data-page='home'] h1")
    assert "release 2" in page.evaluate("() => fetch('/static/styles.css').then((r) => r.text())")
    context.close()
    assert console.errors == []
