"""Serving the learner web app: ``/`` answers the single page (``index.html``; the app routes on the URL's
hash, so the server needs no fallback for client-side routes) and ``/static/…`` its files, with the security
headers every page response carries.

The files are plain ES modules without a build step and their names carry no content hash, so browsers must
revalidate them on every use (``no-cache`` + a strong ETag → a cheap 304) instead of caching them blindly: a
new release is picked up on the next load, never half old and half new."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from senas.web.landmark_assets import landmark_routes
from senas.web.pwa import worker_script
from senas.web.revalidation import body_response

WEB_ROOT = Path(__file__).resolve().parent
STATIC_ROOT = WEB_ROOT / "static"

# Explicit types: the system's mimetypes table differs between machines (some map .js to
# application/x-javascript, which browsers refuse for module scripts under nosniff).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(public_url: str) -> str:
    """``'self'`` only, plus the public address when it differs from the page's origin: signed media and upload
    URLs are absolute and built from it (a learner who opens ``localhost`` while it says ``127.0.0.1``)."""
    extra = _origin(public_url)
    other = f" {extra}" if extra else ""
    return "; ".join(
        (
            "default-src 'self'",
            # 'wasm-unsafe-eval': compiling WebAssembly (the in-browser landmark engine); no JS eval.
            "script-src 'self' 'wasm-unsafe-eval'",
            "style-src 'self'",
            f"img-src 'self' data: blob:{other}",
            f"media-src 'self' blob:{other}",
            f"connect-src 'self'{other}",
            "font-src 'self'",
            # --- pwa --- the installable app: its service worker (/sw.js) and manifest, from this origin only
            "worker-src 'self'",
            "manifest-src 'self'",
            # --- end pwa ---
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(public_url: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(public_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        # The camera is what practice needs; nothing else, and never for embedded third parties.
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


@lru_cache(maxsize=256)
def _load(path: Path, mtime_ns: int, size: int) -> StaticFile:
    """Cached per (path, modification time, size): an edited file is read again, an unchanged one is not."""
    body = path.read_bytes()
    content_type = CONTENT_TYPES[path.suffix]
    return StaticFile(body=body, content_type=content_type, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def resolve_static(relative: str) -> Path | None:
    """The file under ``static/`` that ``relative`` names, or None: no escaping the folder, no hidden files,
    only the types we serve."""
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    path = (STATIC_ROOT / relative).resolve()
    if not path.is_relative_to(STATIC_ROOT) or not path.is_file() or path.suffix not in CONTENT_TYPES:
        return None
    return path


def _file_response(request: Request, path: Path, headers: dict[str, str]) -> Response:
    stat = path.stat()
    file = _load(path, stat.st_mtime_ns, stat.st_size)
    return body_response(request, file.body, file.content_type, file.etag, headers)


def web_routes(public_url: str) -> list[BaseRoute]:
    headers = security_headers(public_url)

    async def index(request: Request) -> Response:
        return _file_response(request, WEB_ROOT / "index.html", headers)

    async def static(request: Request) -> Response:
        path = resolve_static(str(request.path_params["path"]))
        if path is None:
            return JSONResponse(
                {"error": "not_found", "detail": "no existe ese archivo / no such file"},
                status_code=404,
                headers=headers,
            )
        return _file_response(request, path, headers)

    # --- pwa --- the service worker, at the root so that its scope is the whole app; revalidated on every
    # check (no-cache + ETag), which is how the browser learns about a new version of the shell.
    async def service_worker(request: Request) -> Response:
        body = worker_script(WEB_ROOT)
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        return body_response(request, body, CONTENT_TYPES[".js"], etag, headers)

    # --- end pwa ---

    return [
        Route("/sw.js", service_worker, methods=["GET", "HEAD"]),  # pwa
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/index.html", index, methods=["GET", "HEAD"]),
        # --- live landmarks --- (before /static/{path}: these files live outside static/)
        *landmark_routes(headers),
        # --- end live landmarks ---
        Route("/static/{path:path}", static, methods=["GET", "HEAD"]),
    ]
