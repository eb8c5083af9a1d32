"""The web app's static serving (no browser): the page and its files, their types, caching and security
headers, path safety, and the consistency of the ES modules (imports resolve, every text key is translated)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from senas.gateway.app import create_gateway
from senas.services import SERVICE_NAMES, build_app
from senas.web.serving import STATIC_ROOT, WEB_ROOT, content_security_policy, resolve_static, web_routes
from senas.wiring import Platform

PUBLIC_URL = "http://127.0.0.1:8080"


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=web_routes(PUBLIC_URL))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client:
        yield client


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


async def test_index_is_the_app_with_security_headers(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/static/js/app.js">' in response.text
    csp = _csp_directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # WebAssembly only, no JS eval (live landmarks)
    assert csp["media-src"][:2] == ["'self'", "blob:"]
    assert csp["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert "microphone=()" in response.headers["permissions-policy"]
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('"')


def test_the_page_has_no_inline_script_or_style() -> None:
    """The CSP forbids them, so any that crept in would silently not run."""
    for path in [WEB_ROOT / "index.html", *STATIC_ROOT.rglob("*.js")]:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            for script in re.findall(r"<script\b[^>]*>", text):
                assert "src=" in script, f"inline script in {path.name}"
            assert not re.search(r"\son\w+=", text), f"inline handler in {path.name}"
            assert " style=" not in text, f"inline style in {path.name}"
        assert ".innerHTML" not in text, f"{path.name}: build DOM with text, never markup"
        assert "eval(" not in text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/js/app.js", "text/javascript; charset=utf-8"),
        ("/static/js/pages/lesson.js", "text/javascript; charset=utf-8"),
        ("/static/styles.css", "text/css; charset=utf-8"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
async def test_static_files_have_their_types_and_revalidate(
    web: httpx.AsyncClient, path: str, content_type: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (STATIC_ROOT / path.removeprefix("/static/")).read_bytes()
    again = await web.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]
    stale = await web.get(path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


async def test_head_answers_headers_without_a_body(web: httpx.AsyncClient) -> None:
    response = await web.head("/static/js/app.js")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == (STATIC_ROOT / "js" / "app.js").stat().st_size


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static/missing.js",
        "/static/%2e%2e/serving.py",
        "/static/js/%2e%2e/%2e%2e/serving.py",
        "/static/js/..%2f..%2fserving.py",
        "/static/.hidden.js",
        "/static/js//app.js",
        "/static/js/app.js%00.css",
    ],
)
async def test_nothing_outside_the_static_folder_is_served(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_resolve_static_refuses_escapes_and_unknown_types(tmp_path: Path) -> None:
    assert resolve_static("js/app.js") == STATIC_ROOT / "js" / "app.js"
    for bad in ["", "../serving.py", "js/../../serving.py", "/etc/passwd", "js\\app.js", ".x/app.js", "js/."]:
        assert resolve_static(bad) is None, bad
    assert resolve_static("../__init__.py") is None


def test_csp_allows_the_public_address_of_signed_urls() -> None:
    """Media and upload URLs are absolute, built from the public URL; when a learner opens the app under
    another name (localhost vs 127.0.0.1) they must still load."""
    csp = _csp_directives(content_security_policy("http://localhost:9000/"))
    for directive in ("img-src", "media-src", "connect-src"):
        assert "http://localhost:9000" in csp[directive]
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert "javascript:" not in content_security_policy("javascript:alert(1)")


def _module_imports(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    static = re.findall(r"^import [^;]*? from \"(\.[^\"]+)\";", text, flags=re.MULTILINE | re.DOTALL)
    dynamic = re.findall(r"module: \"(\./[^\"]+)\"", text)
    return static + dynamic


def test_every_module_import_resolves() -> None:
    modules = list((STATIC_ROOT / "js").rglob("*.js"))
    assert len(modules) >= 10
    for module in modules:
        for specifier in _module_imports(module):
            target = (module.parent / specifier).resolve()
            assert target.is_file(), f"{module.relative_to(STATIC_ROOT)} imports missing {specifier}"


def test_every_interface_text_exists_in_spanish_and_english() -> None:
    dictionary = (STATIC_ROOT / "js" / "i18n.js").read_text(encoding="utf-8")
    spanish_block, english_block = dictionary.split("\n  en: {", 1)
    key = re.compile(r"^\s{4}(\w+):", re.MULTILINE)
    spanish, english = set(key.findall(spanish_block)), set(key.findall(english_block))
    assert spanish == english, f"only in one language: {sorted(spanish ^ english)}"
    # --- addTexts --- features register their own texts ({es: {...}, en: {...}}) from their own modules
    for module in (STATIC_ROOT / "js").rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        if module.name == "i18n.js" or "addTexts(" not in text or "\n  en: {" not in text:
            continue
        own_es, own_en = (set(key.findall(block)) for block in text.split("\n  en: {", 1))
        assert own_es == own_en, f"{module.name}: only in one language: {sorted(own_es ^ own_en)}"
        assert not own_es & spanish, f"{module.name} redefines {sorted(own_es & spanish)}"
        spanish |= own_es
    # --- end addTexts ---
    used: set[str] = set()
    for module in (STATIC_ROOT / "js").rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\"(\w+)\"", text))
        used |= set(re.findall(r"data-i18n(?:-aria)?=\"(\w+)\"", text))
    used |= set(re.findall(r"data-i18n(?:-aria)?=\"(\w+)\"", (WEB_ROOT / "index.html").read_text(encoding="utf-8")))
    # keys built at run time: status_<session status>, param_<parameter>, fb_<status>, rate_<rating>
    missing = {name for name in used if name not in spanish}
    assert not missing, f"texts used but not translated: {sorted(missing)}"
    for prefix, names in {
        "status": ["awaiting_upload", "queued", "processing", "scored", "failed"],
        "param": ["handshape", "location", "movement", "hand"],
        "fb": ["ok", "almost", "fix"],
        "rate": ["again", "hard", "good", "easy"],
    }.items():
        for name in names:
            assert f"{prefix}_{name}" in spanish, f"{prefix}_{name}"


async def test_the_gateway_serves_the_app_beside_the_services(platform: Platform) -> None:
    services = {name: build_app(name, platform) for name in SERVICE_NAMES}
    gateway = create_gateway(platform, services)
    fallback = gateway.fallback
    assert isinstance(fallback, Starlette)
    async with fallback.router.lifespan_context(fallback):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url=platform.settings.public_url) as client:
            page = await client.get("/")
            assert page.status_code == 200
            assert "content-security-policy" in page.headers
            script = await client.get("/static/js/app.js")
            assert script.status_code == 200
            assert script.headers["content-type"].startswith("text/javascript")
            health = await client.get("/users/health")
            assert health.status_code == 200
            assert "content-security-policy" not in health.headers  # the APIs keep their own headers
