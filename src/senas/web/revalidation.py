"""Answers the browser revalidates: every file of the web app is sent with an ETag and ``Cache-Control: no-cache``,
so a reload asks again and an unchanged file costs a 304 — one rule for the page, its static files, the service
worker and the landmark engine."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

CACHE_CONTROL = "no-cache"


def not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def validators(etag: str, headers: dict[str, str]) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, **headers}


def body_response(request: Request, body: bytes, content_type: str, etag: str, headers: dict[str, str]) -> Response:
    """``body`` (kept in memory) as a GET or HEAD answer, or a 304 when the browser has this version."""
    common = validators(etag, headers)
    if not_modified(request, etag):
        return Response(status_code=304, headers=common)
    response = Response(b"" if request.method == "HEAD" else body, media_type=content_type, headers=common)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(body))
    return response
