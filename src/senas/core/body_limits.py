"""Input hardening for every service, as one pure-ASGI middleware that runs before FastAPI parses a body.

- **Size**: a body over the limit is refused with 413 ``payload_too_large`` — at once when ``Content-Length`` says
  so, otherwise while counting the chunks as they arrive (the body is never read past the limit).
- **Content type**: a non-empty ``POST``/``PUT``/``PATCH``/``DELETE`` body must be JSON (``application/json`` or
  ``application/*+json``; no ``Content-Type`` is read as JSON, as FastAPI does), unless the route declares that other
  type in its OpenAPI ``requestBody`` (the fingerspelling photo route takes ``image/jpeg`` and ``image/png``);
  otherwise 415 ``unsupported_media_type``. Such declared raw bodies get their own, larger size limit.
- **Nesting**: a JSON body nested deeper than the limit is refused with 422 ``invalid_input`` after a scan of its
  brackets outside strings — before ``json.loads`` could hit the recursion limit.

Each limit can be turned off with ``None``, which the tests use to show that each check is what refuses a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from senas.core.errors import error_body

MiB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 1 * MiB
DEFAULT_MAX_MEDIA_BODY_BYTES = 10 * MiB  # above the photo route's own 8 MB check, so its own message wins below it
DEFAULT_MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_JSON_TOKENS = re.compile(rb'[\[\]{}"\\]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


@dataclass(frozen=True)
class BodyLimits:
    """Limits on request bodies; ``None`` turns a check off."""

    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES
    max_media_body_bytes: int | None = DEFAULT_MAX_MEDIA_BODY_BYTES  # declared non-JSON bodies (photos)
    max_json_depth: int | None = DEFAULT_MAX_JSON_DEPTH
    require_json: bool = True


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` opens more than ``limit`` arrays/objects inside one another (brackets in strings don't
    count). Not a validator: malformed JSON is left for the parser to refuse."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # fewer brackets than levels, strings included: no need to walk them (most bodies)
    depth = 0
    in_string = False
    skip = -1  # the position of a character escaped by a backslash
    for match in _JSON_TOKENS.finditer(body):
        at = match.start()
        if at == skip:
            continue
        char = body[at]
        if in_string:
            if char == _BACKSLASH:
                skip = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False


def media_type(headers: dict[bytes, bytes]) -> str:
    return headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind in ("", "application/json") or (kind.startswith("application/") and kind.endswith("+json"))


class _TooLarge(Exception):
    pass


class BodyLimitsMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits
        self._raw_routes: list[tuple[re.Pattern[str], str, frozenset[str]]] | None = None

    def raw_body_types(self, scope: Scope) -> frozenset[str]:
        """The non-JSON media types the route matching ``scope`` declares for its body (from the app's OpenAPI,
        which lists the routes of every included router)."""
        if self._raw_routes is None:
            routes: list[tuple[re.Pattern[str], str, frozenset[str]]] = []
            app: Any = scope.get("app")
            openapi = app.openapi() if app is not None and hasattr(app, "openapi") else {}
            for path, operations in openapi.get("paths", {}).items():
                for method, operation in operations.items():
                    content = operation.get("requestBody", {}).get("content", {})
                    raw = frozenset(kind.lower() for kind in content if not is_json(kind.lower()))
                    if raw:
                        routes.append((compile_path(path)[0], method.upper(), raw))
            self._raw_routes = routes
        for pattern, method, raw in self._raw_routes:
            if method == scope["method"] and pattern.match(scope["path"]):
                return raw
        return frozenset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        kind = media_type(headers)
        raw_types = frozenset() if is_json(kind) else self.raw_body_types(scope)
        declared_raw = kind in raw_types
        limit = self.limits.max_media_body_bytes if declared_raw else self.limits.max_body_bytes

        length = headers.get(b"content-length")
        if limit is not None and length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(limit, scope, receive, send)
            return
        try:
            body, rest = await self._read(receive, limit)
        except _TooLarge:
            await self._too_large(limit, scope, receive, send)
            return

        if body and self.limits.require_json and not is_json(kind) and not declared_raw:
            accepted = ", ".join(["application/json", *sorted(raw_types)])
            detail = f"the body must be one of: {accepted} (got {kind})"
            await JSONResponse(error_body("unsupported_media_type", detail), status_code=415)(scope, receive, send)
            return
        depth = self.limits.max_json_depth
        if body and depth is not None and is_json(kind) and json_depth_exceeds(body, depth):
            detail = f"JSON may be nested at most {depth} levels deep"
            await JSONResponse(error_body("invalid_input", detail), status_code=422)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            if rest is not None:  # the client went away while the body was being read
                return rest
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _read(receive: Receive, limit: int | None) -> tuple[bytes, Message | None]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), message
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit is not None and size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    @staticmethod
    async def _too_large(limit: int | None, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body may be at most {limit} bytes"
        body = error_body("payload_too_large", detail)
        await JSONResponse(body, status_code=413, headers={"Connection": "close"})(scope, receive, send)
