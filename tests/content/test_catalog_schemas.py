"""The catalogue's answers are what its routes declare: every view is built through the declared response model, so
a payload that drifts from it fails — here, or when the view is built — instead of reaching clients."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from content_helpers import build_course, ok
from fastapi.routing import APIRoute
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from test_media import upload_reference

from senas.content.catalog.router import router as catalogue_router
from senas.content.catalog.schemas import OrderIn, SignSummaryOut
from senas.content.views import MediaRef
from senas.wiring import Platform


async def test_every_catalogue_answer_validates_against_its_declared_model(
    client: httpx.AsyncClient, platform: Platform, author_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers)
    sign_id = course.signs["MAMÁ"]
    asset_id = await upload_reference(client, platform, author_headers, sign_id, b"\x1a\x45\xdf\xa3" + b"v" * 100)
    await ok(await client.post(f"/content/author/media/{asset_id}/confirm", headers=author_headers))
    # A draft, so that previews differ from what learners see.
    await ok(
        await client.post(
            f"/content/author/levels/{course.levels[0]}/lessons",
            json={"title_es": "Borrador", "title_en": "Draft"},
            headers=author_headers,
        ),
        201,
    )
    urls = {
        "/languages": "/content/languages",
        "/languages/{code}/levels": f"/content/languages/{course.code}/levels",
        "/levels/{level_id}": f"/content/levels/{course.levels[0]}",
        "/lessons/{lesson_id}": f"/content/lessons/{course.lessons[0]}",  # every kind of exercise, and a video
        "/signs/{sign_id}": f"/content/signs/{sign_id}",
        "/languages/{code}/dictionary": f"/content/languages/{course.code}/dictionary?q=mama",
    }
    routes = [route for route in catalogue_router.routes if isinstance(route, APIRoute)]
    assert {route.path for route in routes} == set(urls), "a catalogue route without an example here"

    for route in routes:
        declared: Any = TypeAdapter(route.responses[200]["model"])
        url = urls[route.path]
        published = await client.get(url)
        preview = await client.get(url, params={"preview": "true"}, headers=author_headers)
        for response in (published, preview):
            assert response.status_code == 200, (url, response.text)
            declared.validate_json(response.content)
    lesson = (await client.get(urls["/lessons/{lesson_id}"])).json()
    assert {exercise["kind"] for exercise in lesson["exercises"]} == {
        "watch_choose_meaning",
        "meaning_choose_video",
        "perform_sign",
        "fingerspell",
    }
    assert any(sign["media"] for sign in lesson["signs"])


def summary(media: MediaRef | None) -> dict[str, Any]:
    return {
        "id": "s1",
        "slug": "mama",
        "gloss": "MAMÁ",
        "meaning_es": "Mamá",
        "meaning_en": "Mother",
        "category": "familia",
        "handshape": "5",
        "region": "",
        "status": "published",
        "template_status": "none",
        "media": media,
    }


def test_a_view_keeps_its_media_refs_and_refuses_a_drift() -> None:
    ref = MediaRef("a1", "content-assets", "signs/s1/a1.webm", "video/webm", False)
    shaped = SignSummaryOut.model_validate(summary(ref)).model_dump()
    assert shaped["media"] is ref  # signed into a MediaOut when the view is sent
    assert shaped == summary(ref)
    with pytest.raises(ValidationError, match="extra_forbidden"):
        SignSummaryOut.model_validate(summary(ref) | {"surprise": 1})
    with pytest.raises(ValidationError, match="missing"):
        SignSummaryOut.model_validate({key: value for key, value in summary(None).items() if key != "gloss"})
    with pytest.raises(ValidationError):
        SignSummaryOut.model_validate(summary(None) | {"media": {"url": "u"}})


def _published_id_schema() -> dict[str, Any]:
    items: dict[str, Any] = OrderIn.model_json_schema()["properties"]["ids"]["items"]
    return items


@settings(max_examples=200, deadline=None)
@given(ident=st.from_regex(_published_id_schema()["pattern"], fullmatch=True).filter(lambda text: len(text) <= 36))
def test_every_id_the_schema_allows_is_taken(ident: str) -> None:
    assert OrderIn.model_validate({"ids": [ident]}).ids == [ident]


@pytest.mark.parametrize("ident", ["\r", " ", "", " \t", "a b", "é", "../x", "x" * 37])
def test_what_the_id_schema_refuses_is_refused(ident: str) -> None:
    schema = _published_id_schema()
    allowed = re.fullmatch(schema["pattern"], ident) is not None and 1 <= len(ident) <= schema["maxLength"]
    assert not allowed
    with pytest.raises(ValidationError):
        OrderIn.model_validate({"ids": [ident]})
