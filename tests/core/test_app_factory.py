from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, SecretStr

from roots import probe_root
from senas.core.app import ServiceSpec, create_service_app, parameters_without_null
from senas.core.errors import ConflictError
from senas.core.logging import configure_logging
from senas.platform.errors import Unavailable
from senas.wiring import Platform

router = APIRouter()


class Payload(BaseModel):
    name: str
    count: int


@router.post("/things")
async def make_thing(payload: Payload) -> dict[str, str]:
    if payload.name == "taken":
        raise ConflictError("a thing with that name exists", code="thing_exists")
    return {"name": payload.name}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


SPEC = ServiceSpec(
    name="content",
    title="test service",
    description="",
    routers=(router,),
)


async def client_for(app: FastAPI, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
            yield client


@pytest.fixture
def operator(mint_token: Any) -> dict[str, str]:
    """An admin's credentials: the operator may see readiness details and metrics."""
    return {"Authorization": f"Bearer {mint_token('admin-1', roles=('admin',))}"}


@pytest.fixture
async def client(platform: Platform, operator: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(create_service_app(SPEC, probe_root(platform)), operator):
        yield c


@pytest.mark.parametrize("path", ["/health", "/content/health"])
async def test_liveness_answers_at_root_and_under_the_prefix(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["service"] == "content"


async def test_readiness_checks_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/content/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"bucket:content-assets": "ok", "queue:video-processing": "ok"}


class _DeadStore:
    """A blob store whose disk is gone: the readiness check must say which dependency failed."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    async def ping(self) -> None:
        raise Unavailable("disk not mounted")


class _DeadBlobs:
    def store(self, bucket: str) -> _DeadStore:
        return _DeadStore(bucket)


async def test_readiness_names_the_failing_dependency(platform: Platform, operator: dict[str, str]) -> None:
    broken = replace(platform, blobs=_DeadBlobs())  # type: ignore[arg-type]
    async for client in client_for(create_service_app(SPEC, probe_root(broken)), operator):
        response = await client.get("/health/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["error"] == "not_ready"
        assert "bucket:content-assets failed: Unavailable: disk not mounted" in body["detail"]
        assert body["checks"]["queue:video-processing"] == "ok"


async def test_request_id_is_propagated_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/health")
    assert len(made.headers["x-request-id"]) == 32
    again = await client.get("/health")
    assert again.headers["x-request-id"] != made.headers["x-request-id"]
    hostile = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_only_the_operator_sees_readiness_details_and_metrics(platform: Platform, mint_token: Any) -> None:
    broken = replace(platform, blobs=_DeadBlobs())  # type: ignore[arg-type]
    scraper_token = "s" * 40
    scraping = replace(
        broken, settings=platform.settings.model_copy(update={"operator_token": SecretStr(scraper_token)})
    )
    async for anonymous in client_for(create_service_app(SPEC, probe_root(scraping))):
        ready = await anonymous.get("/content/health/ready")
        assert ready.status_code == 503
        assert ready.json()["error"] == "not_ready"
        assert "content-assets" not in ready.text
        assert "disk" not in ready.text
        assert "checks" not in ready.json()
        assert (await anonymous.get("/content/health")).status_code == 200  # liveness stays public
        assert (await anonymous.get("/content/metrics")).status_code == 401
        learner = {"Authorization": f"Bearer {mint_token('learner-1')}"}
        assert (await anonymous.get("/content/metrics", headers=learner)).status_code == 403
        assert "checks" not in (await anonymous.get("/content/health/ready", headers=learner)).json()
        wrong = {"Authorization": f"Bearer {'x' * 40}"}
        assert (await anonymous.get("/content/metrics", headers=wrong)).status_code == 403
        scraper = {"Authorization": f"Bearer {scraper_token}"}
        assert (await anonymous.get("/content/metrics", headers=scraper)).status_code == 200
        assert "bucket:content-assets" in (await anonymous.get("/health/ready", headers=scraper)).json()["checks"]


async def test_the_docs_page_loads_swagger_ui_from_this_origin_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/content/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: the start-up code is a file of this origin
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "start.js"):
        response = await client.get(f"/content/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/content/docs/assets/index.html")).status_code == 404
    assert (await client.get("/content/docs/assets/..%2F..%2F__init__.py")).status_code == 404


async def test_metrics_count_requests_by_route_and_status(client: httpx.AsyncClient) -> None:
    await client.post("/content/things", json={"name": "a", "count": 1})
    await client.post("/content/things", json={"name": "taken", "count": 1})
    text = (await client.get("/content/metrics")).text
    assert 'senas_http_requests_total{method="POST",route="/content/things",service="content",status="200"} 1.0' in text
    assert 'route="/content/things",service="content",status="409"} 1.0' in text
    assert "senas_http_request_duration_seconds_bucket" in text


async def test_errors_have_one_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/content/nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"

    invalid = await client.post("/content/things", json={"name": "a", "count": "many"})
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_input"
    assert "count" in invalid.json()["detail"]

    conflict = await client.post("/content/things", json={"name": "taken", "count": 1})
    assert conflict.status_code == 409
    assert conflict.json() == {"error": "thing_exists", "detail": "a thing with that name exists"}

    crash = await client.get("/content/boom")
    assert crash.status_code == 500
    assert crash.json() == {"error": "internal_error", "detail": "an unexpected error occurred"}

    wrong_method = await client.delete("/content/things")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


async def test_openapi_is_served_under_the_prefix(client: httpx.AsyncClient) -> None:
    document = (await client.get("/content/openapi.json")).json()
    assert document["info"]["title"] == "test service"
    assert "/content/things" in document["paths"]
    assert (await client.get("/content/docs")).status_code == 200


async def test_logs_are_json_with_the_request_id(client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", json=True)
    try:
        await client.post("/content/things", json={"name": "a", "count": 1}, headers={"X-Request-ID": "r-1"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        configure_logging("info", json=False)
    request_lines = [line for line in lines if line.get("event") == "request"]
    assert request_lines, lines
    assert request_lines[-1]["request_id"] == "r-1"
    assert request_lines[-1]["route"] == "/content/things"
    assert request_lines[-1]["status"] == 200


def test_parameters_are_published_without_null() -> None:
    text = {"type": "string", "pattern": "^[a-z]+$"}
    null = {"type": "null"}
    openapi = {
        "paths": {
            "/things": {
                "get": {
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"anyOf": [text, null], "title": "Q"}},
                        {
                            "name": "n",
                            "in": "query",
                            "schema": {"anyOf": [{"type": "integer"}, text, null]},
                        },
                        {"name": "k", "in": "header", "schema": {"anyOf": [{"type": "integer"}, text]}},
                        {"name": "id", "in": "path", "schema": {"type": "string"}},
                    ]
                }
            }
        }
    }
    parameters = parameters_without_null(openapi)["paths"]["/things"]["get"]["parameters"]
    assert [p["schema"] for p in parameters] == [
        {"type": "string", "pattern": "^[a-z]+$", "title": "Q"},
        {"anyOf": [{"type": "integer"}, text]},
        {"anyOf": [{"type": "integer"}, text]},  # no null branch: as it was
        {"type": "string"},
    ]
