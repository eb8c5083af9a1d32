"""Content belongs to the author who made it: another teacher may read it but not change it or what it contains,
nor confirm its media; an admin may change anything; the demo course (no owner) is the operator's — only admins
change it. Refusals are 403 `not_owner` with `{error, detail}` and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from content_helpers import Course, build_course, ok

from senas.content.context import ContentPorts
from senas.content.seed import seed_demo


@pytest.fixture
def other_teacher(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('teacher-2', roles=('teacher',))}"}


def refusals(course: Course) -> list[tuple[str, str, dict[str, Any]]]:
    """Every kind of change to the course, or to what it contains."""
    level, lesson, sign = course.levels[0], course.lessons[0], course.signs["MAMÁ"]
    return [
        ("PATCH", f"/content/author/languages/{course.code}", {"name_es": "Otra"}),
        ("DELETE", f"/content/author/languages/{course.code}", {}),
        ("POST", f"/content/author/languages/{course.code}/levels", {"title_es": "Mío", "title_en": "Mine"}),
        ("PUT", f"/content/author/languages/{course.code}/levels/order", {"ids": list(reversed(course.levels))}),
        (
            "POST",
            f"/content/author/languages/{course.code}/signs",
            {"gloss": "X", "meaning_es": "x", "meaning_en": "x"},
        ),
        ("PATCH", f"/content/author/levels/{level}", {"title_es": "Otro"}),
        ("DELETE", f"/content/author/levels/{level}", {}),
        ("POST", f"/content/author/levels/{level}/lessons", {"title_es": "Mía", "title_en": "Mine"}),
        ("PATCH", f"/content/author/lessons/{lesson}", {"title_es": "Otra"}),
        ("DELETE", f"/content/author/lessons/{lesson}", {}),
        ("PUT", f"/content/author/lessons/{lesson}/signs", {"sign_ids": [sign]}),
        ("POST", f"/content/author/lessons/{lesson}/exercises", {"kind": "perform_sign", "sign_id": sign}),
        ("PATCH", f"/content/author/signs/{sign}", {"meaning_es": "Otra"}),
        ("DELETE", f"/content/author/signs/{sign}", {}),
        ("POST", f"/content/author/signs/{sign}/unpublish", {}),
        ("POST", f"/content/author/lessons/{lesson}/unpublish", {}),
        (
            "POST",
            "/content/author/media/uploads",
            {"filename": "m.webm", "content_type": "video/webm", "size": 100, "purpose": "reference", "sign_id": sign},
        ),
    ]


async def test_another_teacher_cannot_change_a_teachers_course(
    client: httpx.AsyncClient,
    author_headers: dict[str, str],
    other_teacher: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    course = await build_course(client, author_headers)
    before = await ok(await client.get(f"/content/levels/{course.levels[0]}"))
    for method, path, body in refusals(course):
        response = await client.request(method, path, json=body, headers=other_teacher)
        assert response.status_code == 403, f"{method} {path}: {response.status_code} {response.text}"
        assert response.json()["error"] == "not_owner", f"{method} {path}"
        assert "otro autor" in response.json()["detail"]
    assert await ok(await client.get(f"/content/levels/{course.levels[0]}")) == before  # nothing changed
    # Reading is not changing: another teacher previews the drafts.
    assert (await client.get(f"/content/levels/{course.levels[0]}", headers=other_teacher)).status_code == 200
    # The owner and an admin may.
    renamed = {"title_es": "Primeros pasos ✓"}
    owner = await client.patch(f"/content/author/levels/{course.levels[0]}", json=renamed, headers=author_headers)
    assert owner.status_code == 200, owner.text
    assert owner.json()["owner_id"] == "teacher-1"
    admin = await client.patch(f"/content/author/levels/{course.levels[0]}", json=renamed, headers=admin_headers)
    assert admin.status_code == 200, admin.text


async def test_a_teacher_cannot_confirm_another_teachers_upload(
    client: httpx.AsyncClient, author_headers: dict[str, str], other_teacher: dict[str, str]
) -> None:
    course = await build_course(client, author_headers, publish=False)
    ticket = await ok(
        await client.post(
            "/content/author/media/uploads",
            json={
                "filename": "ref.webm",
                "content_type": "video/webm",
                "size": 100,
                "purpose": "reference",
                "sign_id": course.signs["MAMÁ"],
            },
            headers=author_headers,
        ),
        201,
    )
    confirm = await client.post(f"/content/author/media/{ticket['asset_id']}/confirm", headers=other_teacher)
    assert confirm.status_code == 403
    assert confirm.json()["error"] == "not_owner"


async def test_the_demo_course_is_the_operators(
    content_app: Any,
    client: httpx.AsyncClient,
    ports: ContentPorts,
    author_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    await seed_demo(content_app.state.root.context.database.current(), ports)
    letters = await ok(await client.get("/content/languages/ase/dictionary", params={"q": "letra a"}))
    sign_id = letters["items"][0]["id"]
    edit = {"meaning_en": "Letter A (edited)"}
    refused = await client.patch(f"/content/author/signs/{sign_id}", json=edit, headers=author_headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_owner"
    added = await client.post(
        "/content/author/languages/ase/signs",
        json={"gloss": "HOLA", "meaning_es": "Hola", "meaning_en": "Hello"},
        headers=author_headers,
    )
    assert added.status_code == 403
    allowed = await client.patch(f"/content/author/signs/{sign_id}", json=edit, headers=admin_headers)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["owner_id"] is None
