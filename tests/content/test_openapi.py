"""The service documents its routes (OpenAPI at /content/openapi.json)."""

from __future__ import annotations

import httpx


async def test_openapi_lists_learner_and_author_routes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/content/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/content/languages",
        "/content/languages/{code}/levels",
        "/content/levels/{level_id}",
        "/content/lessons/{lesson_id}",
        "/content/signs/{sign_id}",
        "/content/languages/{code}/dictionary",
        "/content/author/languages",
        "/content/author/{kind}/{ident}/publish",
        "/content/author/media/uploads",
        "/content/author/media/{asset_id}/confirm",
        "/content/practice-uploads",
        "/content/practice-uploads/{upload_id}/confirm",
    ):
        assert path in paths, path
    lesson = paths["/content/lessons/{lesson_id}"]["get"]
    assert "304" in lesson["responses"]
    assert any(p["name"] == "preview" for p in lesson["parameters"])
