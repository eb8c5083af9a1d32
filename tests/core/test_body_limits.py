"""Input hardening in the app factory (`senas.core.body_limits`): body size, JSON nesting and content type — each
shown to be what refuses the request by building the same app with that check turned off — and the page-size caps of one
list route per service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from hypothesis import given, settings
from hypothesis import strategies as st

from roots import NoPorts, probe_root
from senas.core.app import ServiceSpec, create_service_app
from senas.core.body_limits import BodyLimits, json_depth_exceeds
from senas.services import build_app
from senas.wiring import Platform

router = APIRouter()


@router.post("/echo")
async def echo(payload: dict[str, Any]) -> dict[str, int]:
    return {"keys": len(payload)}


@router.post(
    "/photo",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def photo(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


LIMITS = BodyLimits(max_body_bytes=1000, max_media_body_bytes=5000, max_json_depth=8)


def spec(limits: BodyLimits = LIMITS) -> ServiceSpec:
    return ServiceSpec(name="probe", title="probe", description="", routers=(router,), body_limits=limits)


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(create_service_app(spec(), probe_root(platform, NoPorts), run_consumers=False)):
        yield c


async def broken(platform: Platform, **off: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with one check turned off: the deliberately broken variant."""
    limits = BodyLimits(**{**LIMITS.__dict__, **off})
    async for c in client_for(create_service_app(spec(limits), probe_root(platform, NoPorts), run_consumers=False)):
        yield c


def padded(size: int) -> bytes:
    body = json.dumps({"pad": ""}).encode()
    return json.dumps({"pad": "x" * (size - len(body))}).encode()


async def chunks(body: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


JSON = {"Content-Type": "application/json"}


async def test_bodies_up_to_the_limit_pass(client: httpx.AsyncClient) -> None:
    assert len(padded(1000)) == 1000
    assert (await client.post("/probe/echo", content=padded(1000), headers=JSON)).status_code == 200
    streamed = await client.post("/probe/echo", content=chunks(padded(1000)), headers=JSON)
    assert streamed.status_code == 200, streamed.text


async def test_a_body_over_the_limit_is_refused_by_its_content_length(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    response = await client.post("/probe/echo", content=padded(1001), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert "1000 bytes" in response.json()["detail"]
    assert response.headers["x-request-id"]  # inside the request context: logged and counted like any request
    async for off in broken(platform, max_body_bytes=None):
        assert (await off.post("/probe/echo", content=padded(1001), headers=JSON)).status_code == 200


async def test_a_streamed_body_is_counted_as_it_arrives(client: httpx.AsyncClient, platform: Platform) -> None:
    request = client.build_request("POST", "/probe/echo", content=chunks(padded(5000)), headers=JSON)
    assert "content-length" not in request.headers  # chunked: only counting can catch it
    response = await client.send(request)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    async for off in broken(platform, max_body_bytes=None):
        assert (await off.post("/probe/echo", content=chunks(padded(5000)), headers=JSON)).status_code == 200


def nested(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


async def test_deeply_nested_json_is_refused_before_parsing(client: httpx.AsyncClient, platform: Platform) -> None:
    assert (await client.post("/probe/echo", content=nested(8), headers=JSON)).status_code == 200
    response = await client.post("/probe/echo", content=nested(9), headers=JSON)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert "nested at most 8" in response.json()["detail"]
    # No Content-Type is read as JSON by FastAPI, so it is scanned too.
    assert (await client.post("/probe/echo", content=nested(9))).status_code == 422
    async for off in broken(platform, max_json_depth=None):
        assert (await off.post("/probe/echo", content=nested(9), headers=JSON)).status_code == 200


def test_the_nesting_scan_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(json.dumps({"a": "[[[[[[{{{{{{"}).encode(), 2)
    assert not json_depth_exceeds(json.dumps({"a": 'quote \\" [[[[[[ \\\\'}).encode(), 2)
    assert json_depth_exceeds(json.dumps({"a": "\\", "b": [[[]]]}).encode(), 3)
    assert not json_depth_exceeds(json.dumps({"a": "\\", "b": [[[]]]}).encode(), 4)
    assert json_depth_exceeds(b"[" * 100_000, 32)  # no recursion: the scan is iterative


async def test_a_body_that_is_not_json_is_refused_with_415(client: httpx.AsyncClient, platform: Platform) -> None:
    text = {"Content-Type": "text/plain"}
    response = await client.post("/probe/echo", content=b'{"a": 1}', headers=text)
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert "application/json" in response.json()["detail"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await client.post("/probe/echo", content=b"a=1", headers=form)).status_code == 415
    assert (
        await client.post("/probe/echo", content=b'{"a": 1}', headers={"Content-Type": "application/merge-patch+json"})
    ).status_code == 200
    # Without the check FastAPI does not refuse the type itself: it answers with a validation error.
    async for off in broken(platform, require_json=False):
        unchecked = await off.post("/probe/echo", content=b'{"a": 1}', headers=text)
        assert unchecked.status_code == 422, unchecked.text


async def test_routes_that_declare_another_body_type_accept_it_with_their_own_limit(
    client: httpx.AsyncClient,
) -> None:
    png = {"Content-Type": "image/png"}
    accepted = await client.post("/probe/photo", content=b"\x89PNG" + b"\0" * 4000, headers=png)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"bytes": 4004}
    assert (await client.post("/probe/photo", content=b"\0" * 5001, headers=png)).status_code == 413
    jpeg = await client.post("/probe/photo", content=b"\xff\xd8", headers={"Content-Type": "image/jpeg"})
    assert jpeg.status_code == 415  # only the declared types
    assert "image/png" in jpeg.json()["detail"]
    # The exemption is the route's, not the type's: a PNG body to a JSON route is refused.
    assert (await client.post("/probe/echo", content=b"\x89PNG", headers=png)).status_code == 415


async def test_bodiless_requests_and_reads_pass_untouched(client: httpx.AsyncClient) -> None:
    assert (await client.get("/probe/health")).status_code == 200
    assert (await client.delete("/probe/echo")).status_code == 405


# --- the real services -----------------------------------------------------------------------------------------


@pytest.fixture
async def services(platform: Platform) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients: dict[str, httpx.AsyncClient] = {}
    generators = []
    for name in ("content", "users", "ml"):
        generator = client_for(build_app(name, platform, run_consumers=False))
        clients[name] = await generator.__anext__()
        generators.append(generator)
    yield clients
    for generator in reversed(generators):
        with pytest.raises(StopAsyncIteration):
            await generator.__anext__()


async def test_every_service_refuses_oversized_deep_and_non_json_bodies(
    services: dict[str, httpx.AsyncClient],
) -> None:
    targets = {  # path, body limit (the ML service takes landmark attempts of up to ~1.2 MB)
        "content": ("/content/practice-uploads", 1024 * 1024),
        "users": ("/users/auth/signup", 1024 * 1024),
        "ml": ("/ml/sessions", 2 * 1024 * 1024),
    }
    for name, (path, limit) in targets.items():
        client = services[name]
        big = await client.post(path, content=padded(limit + 1), headers=JSON)
        assert big.status_code == 413, (name, big.text)
        deep = await client.post(path, content=b"[" * 100_000 + b"]" * 100_000, headers=JSON)
        assert (deep.status_code, deep.json()["error"]) == (422, "invalid_input"), (name, deep.text)
        text = await client.post(path, content=b"{}", headers={"Content-Type": "text/plain"})
        assert text.status_code == 415, (name, text.text)


async def test_the_fingerspelling_photo_route_keeps_its_image_types(
    services: dict[str, httpx.AsyncClient], mint_token: Any
) -> None:
    headers = {"Authorization": f"Bearer {mint_token('speller')}"}
    url = "/ml/fingerspelling/recognise"
    # A 9 MB photo passes the middleware (10 MiB for declared media) and meets the route's own 8 MB message.
    big = await services["ml"].post(
        url, content=b"\xff" * (9 * 1024 * 1024), headers={**headers, "Content-Type": "image/jpeg"}
    )
    assert big.status_code == 413
    assert "8 MB" in big.json()["detail"], big.text
    gif = await services["ml"].post(url, content=b"GIF89a", headers={**headers, "Content-Type": "image/gif"})
    assert gif.status_code == 415


async def test_a_full_landmarks_body_fits_the_ml_limit(services: dict[str, httpx.AsyncClient]) -> None:
    frame = {
        "landmarks": [[0.12345678901234567, 0.23456789012345678, -0.03456789012345678]] * 21,
        "handedness": "right",
    }
    body = json.dumps({"frames": [frame] * 900, "fps": 30}).encode()
    assert len(body) > 1024 * 1024
    response = await services["ml"].post("/ml/sessions/some-session/landmarks", content=body, headers=JSON)
    assert response.status_code == 401, response.text  # reaches the route (and its auth), not refused for size


@pytest.mark.parametrize(
    ("service", "path", "param", "cap"),
    [
        ("content", "/content/languages/lsm/dictionary?page_size={n}", "page_size", 50),
        ("users", "/users/me/notifications?limit={n}", "limit", 100),
        ("users", "/users/leaderboard?language=lsm&limit={n}", "limit", 100),
        ("ml", "/ml/sessions?sign_id=B&limit={n}", "limit", 100),
    ],
)
async def test_list_routes_cap_their_page_size(
    services: dict[str, httpx.AsyncClient], mint_token: Any, service: str, path: str, param: str, cap: int
) -> None:
    headers = {"Authorization": f"Bearer {mint_token('pager')}"}
    client = services[service]
    over = await client.get(path.format(n=cap + 1), headers=headers)
    assert over.status_code == 422, over.text
    assert over.json()["error"] == "invalid_input"
    assert [field["field"] for field in over.json()["fields"]] == [f"query.{param}"]
    at_cap = await client.get(path.format(n=cap), headers=headers)
    assert at_cap.status_code != 422, at_cap.text


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\ab', max_size=3), inner),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON_VALUES, limit=st.integers(min_value=0, max_value=8))
def test_the_nesting_scan_finds_the_depth_of_any_json(value: object, limit: int) -> None:
    # Strings full of brackets and escapes: bodies with fewer brackets than the limit skip the walk, the others
    # take it; both must give the depth the value has.
    assert json_depth_exceeds(json.dumps(value).encode(), limit) == (_depth(value) > limit)
