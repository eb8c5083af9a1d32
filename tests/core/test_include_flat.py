"""``include_flat``: a router's routes added to the app itself give the app what ``include_router`` gives it — the
same OpenAPI, the same answers, dependency overrides that still apply — with no level of its own to match."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from senas.core.app import include_flat
from senas.core.lean_routes import LeanRoute


def who_asks(x_caller: Annotated[str | None, Header()] = None) -> str:
    return x_caller or "nobody"


def audit() -> None:
    """A router-level dependency (it only has to run)."""


class ThingIn(BaseModel):
    name: str
    note: str | None = None


class ThingOut(BaseModel):
    name: str
    note: str | None = None
    caller: str


def make_router() -> APIRouter:
    router = APIRouter(prefix="/things", tags=["things"], dependencies=[Depends(audit)], route_class=LeanRoute)

    @router.post(
        "/{thing_id}",
        status_code=201,
        response_model_exclude_none=True,
        summary="Make a thing",
        responses={409: {"description": "It exists"}},
        openapi_extra={"x-kind": "write"},
    )
    async def make(thing_id: str, body: ThingIn, caller: Annotated[str, Depends(who_asks)]) -> ThingOut:
        return ThingOut(name=f"{thing_id}:{body.name}", note=body.note, caller=caller)

    @router.get("/plain", response_class=PlainTextResponse, deprecated=True, include_in_schema=False)
    async def plain() -> str:
        return "plain"

    return router


def app_with(add: str) -> FastAPI:
    app = FastAPI()
    router = make_router()
    if add == "flat":
        include_flat(app, router, "/svc")
    else:
        app.include_router(router, prefix="/svc")
    return app


async def answers(app: FastAPI) -> list[tuple[int, str, str]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        made = await client.post("/svc/things/t1", json={"name": "cup"}, headers={"X-Caller": "ana"})
        refused = await client.post("/svc/things/t1", json={"nombre": "cup"})
        plain = await client.get("/svc/things/plain")
        missing = await client.get("/things/plain")  # only under the prefix
    return [(r.status_code, r.headers["content-type"], r.text) for r in (made, refused, plain, missing)]


def test_the_openapi_is_the_one_include_router_gives() -> None:
    assert app_with("flat").openapi() == app_with("included").openapi()


async def test_requests_get_the_answers_include_router_gives() -> None:
    flat = await answers(app_with("flat"))
    assert flat == await answers(app_with("included"))
    status, _, text = flat[0]
    assert status == 201
    assert '"caller":"ana"' in text
    assert "note" not in text
    assert [status for status, _, _ in flat[1:]] == [422, 200, 404]


def test_the_routes_are_the_apps_own_with_their_route_class() -> None:
    app = app_with("flat")
    mine = [route for route in app.routes if getattr(route, "path", "").startswith("/svc")]
    assert [(route.path, sorted(route.methods)) for route in mine] == [  # type: ignore[attr-defined]
        ("/svc/things/{thing_id}", ["POST"]),
        ("/svc/things/plain", ["GET"]),
    ]
    assert all(type(route) is LeanRoute for route in mine)


async def test_dependency_overrides_of_the_app_reach_its_flat_routes() -> None:
    app = app_with("flat")
    app.dependency_overrides[who_asks] = lambda: "override"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        made = await client.post("/svc/things/t2", json={"name": "pot"}, headers={"X-Caller": "ana"})
    assert made.status_code == 201
    assert made.json()["caller"] == "override"


def test_a_route_that_is_not_an_api_route_is_refused() -> None:
    router = APIRouter()

    async def raw(request: Request) -> Response:
        return Response("raw")

    router.add_route("/raw", raw)
    with pytest.raises(TypeError, match="only API routes"):
        include_flat(FastAPI(), router, "/svc")
    assert all(isinstance(route, APIRoute) for route in make_router().routes)
