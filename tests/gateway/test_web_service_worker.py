"""The installable app without a browser: ``/sw.js`` (root scope, always revalidated, the page's security headers,
a CSP that lets it and the manifest load and nothing more), its precache list (the shell's small files, never big or
unknown ones, and new small modules without anyone listing them), a cache version that follows the content, and the
manifest (valid JSON, the fields an install needs, icons that exist with their stated sizes)."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from senas.web.pwa import SHELL_MAX_BYTES, WORKER_SOURCE, shell, worker_script
from senas.web.serving import STATIC_ROOT, WEB_ROOT, web_routes

PUBLIC_URL = "http://127.0.0.1:8080"


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=web_routes(PUBLIC_URL))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client:
        yield client


def _shell_config(script: str) -> dict[str, object]:
    match = re.search(r"const SHELL = (\{.*?\});", script)
    assert match, "the worker's SHELL was not filled in"
    config: dict[str, object] = json.loads(match.group(1))
    return config


async def test_the_worker_is_served_at_the_root_and_always_revalidated(web: httpx.AsyncClient) -> None:
    response = await web.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "service-worker-allowed" not in response.headers  # root scope needs none
    config = _shell_config(response.text)
    assert "/" in config["files"]  # type: ignore[operator]
    assert "/static/js/app.js" in config["files"]  # type: ignore[operator]
    assert "__SENAS_SHELL__" not in response.text
    etag = response.headers["etag"]
    again = await web.get("/sw.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    head = await web.head("/sw.js")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(response.content)


async def test_csp_lets_the_worker_and_manifest_load_and_nothing_more(web: httpx.AsyncClient) -> None:
    csp = (await web.get("/")).headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";")}
    assert directives["worker-src"] == ["'self'"]
    assert directives["manifest-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # WebAssembly only (live landmarks)
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "*" not in csp.split()


def test_the_precache_holds_every_file_index_html_loads() -> None:
    """Everything the page names (its stylesheet, scripts, icons, manifest) and every module: the app opens offline."""
    files = set(shell().files)
    index = (WEB_ROOT / "index.html").read_text(encoding="utf-8")
    for named in re.findall(r'(?:href|src)="(/static/[^"]+)"', index):
        assert named in files, named
    for module in (STATIC_ROOT / "js").rglob("*.js"):
        assert f"/static/{module.relative_to(STATIC_ROOT).as_posix()}" in files, module


def _web_root(tmp_path: Path) -> Path:
    """A web root like the package's: the page, the worker and an (empty) static folder."""
    (tmp_path / "static").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    (tmp_path / "sw.js").write_bytes(WORKER_SOURCE.read_bytes())
    return tmp_path


def test_the_precache_leaves_out_big_and_unknown_files(tmp_path: Path) -> None:
    web = _web_root(tmp_path)
    static = web / "static"
    (static / "js" / "live").mkdir(parents=True)
    (static / "js" / "app.js").write_text("export {};")
    (static / "js" / "live" / "new-small.js").write_text("export const x = 1;")  # appears later: picked up
    (static / "js" / "live" / "big-bundle.js").write_bytes(b"/*" + b"x" * (SHELL_MAX_BYTES + 1) + b"*/")
    (static / "models").mkdir()
    (static / "models" / "hands.wasm").write_bytes(b"\0asm" + b"\0" * 100)
    (static / "models" / "weights.bin").write_bytes(b"\0" * 10)
    (static / ".hidden.js").write_text("secret")
    (static / "styles.css").write_text("body {}")
    files = set(shell(web).files)
    assert files == {"/", "/static/js/app.js", "/static/js/live/new-small.js", "/static/styles.css"}


def test_the_cache_version_follows_the_content(tmp_path: Path) -> None:
    web = _web_root(tmp_path)
    module = web / "static" / "app.js"
    module.write_text("export const version = 1;")
    first = shell(web).version
    assert shell(web).version == first  # stable while nothing changes
    module.write_text("export const version = 2;")
    second = shell(web).version
    assert second != first
    (web / "static" / "extra.css").write_text("p {}")
    third = shell(web).version
    assert third not in (first, second)
    (web / "index.html").write_text("<!doctype html><title>y</title>")
    assert shell(web).version not in (first, second, third)
    script = worker_script(web).decode()
    assert _shell_config(script)["version"] == shell(web).version


def test_the_worker_never_handles_writes_and_keeps_no_private_reads() -> None:
    source = WORKER_SOURCE.read_text(encoding="utf-8")
    assert 'request.method !== "GET"' in source
    # it only puts the shell in a cache; lessons are put there by the page itself
    assert source.count(".put(") == 0
    assert 'OFFLINE_READABLE = ["/content/", "/_blobs/"]' in source


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_the_manifest_is_installable(web: httpx.AsyncClient) -> None:
    response = await web.get("/static/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.text)
    assert manifest["name"]
    assert manifest["short_name"] == "Señas"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "es"
    assert manifest["start_url"].startswith("/")
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    purposes: dict[str, set[str]] = {}
    for icon in manifest["icons"]:
        path = STATIC_ROOT / icon["src"].removeprefix("/static/")
        assert path.is_file(), icon["src"]
        width, height = _png_size(path)
        assert icon["sizes"] == f"{width}x{height}", icon
        assert icon["type"] == "image/png"
        purposes.setdefault(icon["purpose"], set()).add(icon["sizes"])
        assert (await web.get(icon["src"])).status_code == 200
    assert {"192x192", "512x512"} <= purposes["any"]
    assert "512x512" in purposes["maskable"]
    index = (await web.get("/")).text
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in index
    assert "viewport-fit=cover" in index
    assert '<meta name="color-scheme" content="light dark">' in index
