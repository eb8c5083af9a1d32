from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from senas.gateway.app import create_gateway
from senas.platform import catalog
from senas.services import SERVICE_NAMES, build_app
from senas.wiring import Platform


@pytest.fixture
async def gateway_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    services = {name: build_app(name, platform) for name in SERVICE_NAMES}
    gateway = create_gateway(platform, services)
    fallback = gateway.fallback
    assert isinstance(fallback, Starlette)
    async with fallback.router.lifespan_context(fallback):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url=platform.settings.public_url) as client:
            yield client


async def test_aggregate_health_reports_every_service(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.get("/health")
    assert response.status_code == 200
    assert set(response.json()["services"]) == {"content", "users", "ml"}


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_each_service_is_routed_with_its_path_kept(gateway_client: httpx.AsyncClient, service: str) -> None:
    response = await gateway_client.get(f"/{service}/health")
    assert response.status_code == 200
    assert response.json()["service"] == service
    ready = await gateway_client.get(f"/{service}/health/ready")
    assert ready.status_code == 200, ready.text
    docs = await gateway_client.get(f"/{service}/openapi.json")
    assert docs.status_code == 200


async def test_aggregate_readiness(gateway_client: httpx.AsyncClient, mint_token: Any) -> None:
    operator = {"Authorization": f"Bearer {mint_token('admin-1', roles=('admin',))}"}
    response = await gateway_client.get("/health/ready", headers=operator)
    assert response.status_code == 200
    assert response.json()["services"]["users"]["checks"]["table:UserData"] == "ok"
    # Without the operator's credentials: ready, and nothing about which tables and queues it has.
    anonymous = await gateway_client.get("/health/ready")
    assert anonymous.status_code == 200
    assert "table:UserData" not in anonymous.text


async def test_prefix_match_is_by_whole_segment(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.get("/contentious/health")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"  # as every service answers an unknown path


async def test_landing_page_links_the_services(gateway_client: httpx.AsyncClient) -> None:
    page = await gateway_client.get("/")
    assert page.status_code == 200
    assert 'href="/content/docs"' in page.text


async def test_signed_upload_urls_are_served_by_the_gateway(
    gateway_client: httpx.AsyncClient, platform: Platform
) -> None:
    store = platform.blobs.store(catalog.USER_UPLOADS)
    upload = await store.signed_upload("sessions/s1/video.webm", content_type="video/webm", max_bytes=1000)
    assert upload.url.startswith(platform.settings.public_url + "/_blobs/")
    put = await gateway_client.put(upload.url, content=b"x" * 10, headers=upload.headers)
    assert put.status_code == 200, put.text
    too_big = await gateway_client.put(upload.url, content=b"x" * 1001, headers=upload.headers)
    assert too_big.status_code == 413
    download = await gateway_client.get(await store.signed_download("sessions/s1/video.webm"))
    assert download.content == b"x" * 10
