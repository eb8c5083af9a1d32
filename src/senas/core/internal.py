"""HTTP clients for service-to-service calls. Services never read each other's databases: they call each other's
APIs. When the callee runs in the same process (``senas up``), the call goes through the in-process ASGI
transport; otherwise over HTTP to the callee's base URL. The current request id travels along."""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from senas.core.requests import REQUEST_ID_HEADER, current_request_id

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


async def _propagate_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id is not None and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


class ServiceClients:
    """One shared client per callee service."""

    def __init__(self, base_urls: dict[str, str]) -> None:
        self._base_urls = dict(base_urls)
        self._apps: dict[str, ASGIApp] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}

    def register_in_process(self, service: str, app: ASGIApp) -> None:
        """Route calls to ``service`` to this app object instead of the network."""
        self._apps[service] = app

    def client(self, service: str) -> httpx.AsyncClient:
        if service not in self._clients:
            hooks = {"request": [_propagate_request_id]}
            app = self._apps.get(service)
            if app is not None:
                transport = httpx.ASGITransport(app=app)
                self._clients[service] = httpx.AsyncClient(
                    transport=transport,
                    base_url="http://in-process",
                    event_hooks=hooks,
                    timeout=DEFAULT_TIMEOUT,
                )
            else:
                base = self._base_urls.get(service)
                if base is None:
                    raise LookupError(f"no address configured for the {service} service")
                self._clients[service] = httpx.AsyncClient(base_url=base, event_hooks=hooks, timeout=DEFAULT_TIMEOUT)
        return self._clients[service]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
