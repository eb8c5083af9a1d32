"""Per-request plumbing as one ASGI middleware: the request id (accepted from ``X-Request-ID`` or made here,
bound to the logs and returned), metrics by route template, and one access-log line per request."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from contextvars import ContextVar

import structlog
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from senas.core.metrics import ServiceMetrics

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
log = structlog.get_logger("senas.access")


class _RequestIds:
    """A request id made here is this process's random prefix and a counter: unique among the processes of a
    deployment (64 random bits each, drawn again in a forked child) and within one, and cheaper than a uuid4 per
    request (a system call for its randomness). It correlates log lines; it is no secret and grants nothing."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._numbers = itertools.count(1)

    def new(self) -> str:
        return f"{self._prefix}{next(self._numbers):016x}"


_request_ids = _RequestIds()
os.register_at_fork(after_in_child=_request_ids.restart)
new_request_id = _request_ids.new


def current_request_id() -> str | None:
    return request_id_var.get()


def _route_template(scope: Scope, prefix: str) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        # Routers included under the service prefix report their path without it.
        if prefix and scope["path"].startswith(prefix + "/") and not path.startswith(prefix + "/"):
            return prefix + path
        return path
    app = scope.get("app")
    router = getattr(app, "router", None)
    for candidate in getattr(router, "routes", ()):
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, service: str, prefix: str = "") -> None:
        self.app = app
        self.prefix = prefix
        self.metrics = metrics
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope, self.prefix)
            self.metrics.observe_request(route, scope["method"], status, elapsed)
            if "/health" not in route and not route.endswith("/metrics"):
                log.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id", "service")
            request_id_var.reset(token)
