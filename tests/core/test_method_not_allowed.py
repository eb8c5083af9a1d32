"""A 405 names every method the path is served with (RFC 9110), not only those of the first route that matched."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from senas.core.errors import install_error_handlers


def app_with_a_route_per_method() -> FastAPI:
    router = APIRouter()

    @router.get("/me")
    async def read() -> dict[str, str]:
        return {}

    @router.patch("/me")
    async def change() -> dict[str, str]:
        return {}

    @router.delete("/me")
    async def remove() -> None:
        return None

    @router.post("/me/{item_id}/things")
    async def add(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/users")
    return app


async def test_allow_lists_the_methods_of_every_route_of_the_path() -> None:
    transport = httpx.ASGITransport(app=app_with_a_route_per_method())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request("OPTIONS", "/users/me")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"
        assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}

        put = await client.put("/users/me/7/things")
        assert put.status_code == 405
        assert put.headers["Allow"] == "POST"
        # A path no route has is a 404, not a 405 with an empty Allow.
        assert (await client.put("/users/nobody/things")).status_code == 404
