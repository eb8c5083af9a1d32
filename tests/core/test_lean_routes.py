"""Routes with a lean path (senas.core.lean_routes): the plainly valid request is answered by the lean path, rendered
as the route declares, every other by FastAPI's handler with its usual error, and an override of a dependency sends
every request to FastAPI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from senas.core.lean_routes import LeanRoute, full_match, json_body, lean_path

KEY = r"^[a-z]{4,8}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z]+$")
    note: str | None = None


class Out(BaseModel):
    name: str
    key: str
    note: str | None = None
    by: str


async def get_by() -> str:
    return "fastapi"


def build() -> tuple[FastAPI, list[str]]:
    """An app with one route that has a lean path; the list records every request the lean path answered."""
    lean_answers: list[str] = []
    pattern = re.compile(KEY)

    async def lean(request: Request, endpoint: Callable[..., Any]) -> Out | None:
        key = full_match(pattern, request.headers.get("x-key"))
        if key is None:
            return None
        body = await json_body(request, Body)
        if body is None:
            return None
        lean_answers.append(body.name)
        made: Out = await endpoint(body=body, key=key, by="lean")
        return made

    router = APIRouter(route_class=LeanRoute)

    @router.post("/things", status_code=201, response_model=Out, response_model_exclude_none=True)
    @lean_path(lean)
    async def make(
        body: Body, key: Annotated[str, Header(alias="X-Key", pattern=KEY)], by: Annotated[str, Depends(get_by)]
    ) -> Out:
        return Out(name=body.name, key=key, note=body.note, by=by)

    @router.post("/things-in-full", response_model=Out)  # 200, and None rendered: as declared
    @lean_path(lean)
    async def make_in_full(
        body: Body, key: Annotated[str, Header(alias="X-Key", pattern=KEY)], by: Annotated[str, Depends(get_by)]
    ) -> Out:
        return Out(name=body.name, key=key, note=body.note, by=by)

    @router.get("/plain")
    async def plain() -> dict[str, str]:  # no lean path: FastAPI's handler as usual
        return {"ok": "yes"}

    app = FastAPI()
    app.include_router(router)
    return app, lean_answers


async def send(app: FastAPI, content: bytes, headers: dict[str, str], path: str = "/things") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.post(path, content=content, headers=headers)


async def outcome(app: FastAPI, content: bytes, headers: dict[str, str]) -> tuple[int, Any] | str:
    """The status and body, or the exception the app raised (this bare app has no handler that renders a value
    JSON cannot carry, such as NaN or a lone surrogate)."""
    try:
        response = await send(app, content, headers)
    except Exception as exc:
        return type(exc).__name__
    return response.status_code, response.json()


JSON = {"content-type": "application/json"}


async def test_a_plainly_valid_request_takes_the_lean_path_with_fastapis_answer() -> None:
    app, lean_answers = build()
    response = await send(app, b'{"name": "ana", "note": "\xc3\xb1"}', {**JSON, "X-Key": "abcd"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"name": "ana", "key": "abcd", "note": "ñ", "by": "lean"}
    assert lean_answers == ["ana"]
    unset = await send(app, b'{"name": "bea"}', {"content-type": "application/json; charset=utf-8", "X-Key": "abcd"})
    assert unset.json() == {"name": "bea", "key": "abcd", "by": "lean"}  # None left out, as the route declares
    in_full = await send(app, b'{"name": "cai"}', {**JSON, "X-Key": "abcd"}, "/things-in-full")
    assert (in_full.status_code, in_full.json()) == (200, {"name": "cai", "key": "abcd", "note": None, "by": "lean"})
    assert lean_answers == ["ana", "bea", "cai"]


def test_a_lean_path_needs_a_response_model_it_can_render() -> None:
    async def lean(request: Request, endpoint: Callable[..., Any]) -> Out | None:
        return None

    router = APIRouter(route_class=LeanRoute)
    with pytest.raises(TypeError, match="response model"):

        @router.post("/raw", response_model=None)
        @lean_path(lean)
        async def raw() -> dict[str, str]:
            return {}


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"name": "ana"}', JSON),  # no key
        (b'{"name": "ana"}', {**JSON, "X-Key": "AB"}),  # a key off its pattern
        (b'{"name": "ana"}', {**JSON, "X-Key": "abcd\n"}),  # `$` would let a final newline through
        (b'{"name": "ana"}', {"X-Key": "abcd"}),  # no content type
        (b'{"name": "ana"}', {"content-type": "text/plain", "X-Key": "abcd"}),
        (b'{"name": "ana"}', {"content-type": "application/vnd.x+json", "X-Key": "abcd"}),  # FastAPI takes it
        (b"", {**JSON, "X-Key": "abcd"}),
        (b'{"name": "ana"', {**JSON, "X-Key": "abcd"}),  # broken JSON
        (b'{"name": "ANA"}', {**JSON, "X-Key": "abcd"}),  # off the body's pattern
        (b'{"name": "ana", "other": 1}', {**JSON, "X-Key": "abcd"}),  # an unknown field
        (b'{"name": "ana", "note": "\\ud800"}', {**JSON, "X-Key": "abcd"}),  # a lone surrogate: Python's json reads it
        (b'\xef\xbb\xbf{"name": "ana"}', {**JSON, "X-Key": "abcd"}),  # a byte order mark: Python's json reads it
        (b'{"name": "ana", "note": NaN}', {**JSON, "X-Key": "abcd"}),
    ],
)
async def test_any_other_request_gets_fastapis_own_answer(content: bytes, headers: dict[str, str]) -> None:
    app, lean_answers = build()
    reference, _ = build()
    reference.dependency_overrides[get_by] = get_by  # an override: FastAPI's handler for everything
    got = await outcome(app, content, headers)
    assert lean_answers == []
    assert got == await outcome(reference, content, headers)


async def test_an_override_sends_every_request_to_fastapi() -> None:
    app, lean_answers = build()

    async def by_test() -> str:
        return "override"

    app.dependency_overrides[get_by] = by_test
    response = await send(app, b'{"name": "ana"}', {**JSON, "X-Key": "abcd"})
    assert response.status_code == 201
    assert response.json()["by"] == "override"
    assert lean_answers == []
    del app.dependency_overrides[get_by]
    assert (await send(app, b'{"name": "ana"}', {**JSON, "X-Key": "abcd"})).json()["by"] == "lean"


async def test_routes_without_a_lean_path_and_other_methods_are_fastapis() -> None:
    app, lean_answers = build()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/plain")).json() == {"ok": "yes"}
        wrong_method = await client.get("/things")
    assert wrong_method.status_code == 405
    assert lean_answers == []
