"""The local stand-in for the load balancer: one ASGI app on one port that forwards ``/content/*``,
``/users/*`` and ``/ml/*`` to the three service apps with the path kept (as the real load balancer forwards
it), answers an aggregate ``/health``, serves signed blob URLs (``/_blobs``) and the web client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from senas.core.errors import error_body
from senas.web.serving import web_routes
from senas.wiring import Platform


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    detail = "no hay nada en esa dirección / nothing is at this path"
    return JSONResponse(error_body("not_found", detail), status_code=404)


# The servers' own paths (the web app, the aggregate health) answer an unknown path as every service does.
NOT_FOUND_AS_JSON = {404: _not_found}


class PathRouter:
    """Dispatches by path prefix, keeping the path; everything else goes to ``fallback``. The server's lifespan
    events go to ``lifespan`` (by default the fallback)."""

    def __init__(self, services: Mapping[str, ASGIApp], fallback: ASGIApp, *, lifespan: ASGIApp | None = None) -> None:
        self.services = dict(services)
        self.fallback = fallback
        self.lifespan = lifespan or fallback

    def route(self, path: str) -> ASGIApp:
        for prefix, app in self.services.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app
        return self.fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            await self.route(scope["path"])(with_forwarded_for(scope), receive, send)
        else:
            await self.lifespan(scope, receive, send)


def with_forwarded_for(scope: Scope) -> Scope:
    """Append the connecting address to ``X-Forwarded-For``, as the AWS load balancer does, so a service counts
    requests per client with one trusted hop either way (``SENAS_USERS_TRUSTED_PROXY_HOPS``). What the client sent
    stays on the left, where no one trusts it. Without a peer (a Unix socket) ``unknown`` holds the place, so the
    client's own right-most entry is never taken for ours."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    headers: list[tuple[bytes, bytes]] = []
    sent: list[bytes] = []
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-forwarded-for":
            sent.append(value)
        else:
            headers.append((name, value))
    forwarded = b", ".join([*sent, peer.encode("latin-1", "replace")])
    return {**scope, "headers": [*headers, (b"x-forwarded-for", forwarded)]}


async def _probe(client: httpx.AsyncClient, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    try:
        response = await client.get(path, headers=headers)
        body = response.json()
    except Exception as exc:
        return 503, {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}
    return response.status_code, body if isinstance(body, dict) else {"body": body}


def create_gateway(platform: Platform, services: Mapping[str, Any]) -> PathRouter:
    """``services`` maps a service name to its FastAPI app; the gateway runs their lifespans and owns the
    platform (closed on shutdown)."""
    prefixes = {f"/{name}": app for name, app in services.items()}
    for name, app in services.items():
        platform.services.register_in_process(name, app)
    in_process = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")
        for name, app in services.items()
    }

    async def aggregate(request: Request, path: str) -> JSONResponse:
        # The caller's credentials go along: each service decides whether they may see its details.
        headers = {"authorization": request.headers["authorization"]} if "authorization" in request.headers else {}
        probes = await asyncio.gather(*(_probe(c, f"/{name}{path}", headers) for name, c in in_process.items()))
        results = {name: body for name, (_, body) in zip(in_process, probes, strict=True)}
        failing = [name for name, (status, _) in zip(in_process, probes, strict=True) if status != 200]
        if failing:
            detail = "unhealthy: " + ", ".join(failing)
            return JSONResponse({"error": "unhealthy", "detail": detail, "services": results}, status_code=503)
        return JSONResponse({"status": "ok", "services": results})

    async def health(request: Request) -> JSONResponse:
        return await aggregate(request, "/health")

    async def ready(request: Request) -> JSONResponse:
        return await aggregate(request, "/health/ready")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for app in services.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            try:
                yield
            finally:
                for client in in_process.values():
                    await client.aclose()
        await platform.close()

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        *web_routes(platform.settings.public_url),
    ]
    fallback = Starlette(routes=routes, lifespan=lifespan, exception_handlers=NOT_FOUND_AS_JSON)
    if platform.blob_server is not None:  # the embedded store's signed URLs point here; on AWS, at S3
        prefixes["/_blobs"] = platform.blob_server
    return PathRouter(prefixes, fallback)


def service_server(service: str, service_app: ASGIApp, platform: Platform, *, web_app: bool = False) -> PathRouter:
    """What ``senas serve <service>`` runs: the service alone, as its container does.

    Always behind a PathRouter: it appends the client uvicorn reports (the socket peer, or what a trusted proxy such
    as the ALB said) to X-Forwarded-For, so the service's one trusted hop is this server's own entry. The embedded
    blob store's signed URLs are answered here too. With ``web_app`` the learner web app is served at ``/`` (its
    page, static files, service worker and landmark engine) beside the service's own paths (``/<service>/…``,
    ``/health``, ``/metrics``): on AWS the load balancer sends every path no service claims to the user service,
    so the deployed platform has its web app at its address, as ``senas up`` has locally. The server's lifespan is
    the service's (consumers, background work, closing the platform)."""
    routes: dict[str, ASGIApp] = {}
    if platform.blob_server is not None:
        routes["/_blobs"] = platform.blob_server
    if not web_app:
        return PathRouter(routes, service_app)
    for prefix in (f"/{service}", "/health", "/metrics"):
        routes[prefix] = service_app
    web = Starlette(routes=web_routes(platform.settings.public_url), exception_handlers=NOT_FOUND_AS_JSON)
    return PathRouter(routes, web, lifespan=service_app)
