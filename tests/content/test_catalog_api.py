"""The catalogue API on SQLite and PostgreSQL: CRUD, ordering, publishing, roles, validation, caching, search."""

from __future__ import annotations

import httpx
from content_helpers import build_course, ok


async def test_crud_and_learner_shapes(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    course = await build_course(client, author_headers)
    level = await ok(await client.get(f"/content/levels/{course.levels[0]}"))
    assert level["language"] == "lsm"
    assert level["slug"] == "primeros-pasos"
    assert [lesson["slug"] for lesson in level["lessons"]] == ["saludos", "deletreo", "cafe"]
    assert [lesson["position"] for lesson in level["lessons"]] == [1, 2, 3]
    first = level["lessons"][0]
    assert set(first) >= {"id", "slug", "position", "title_es", "title_en", "sign_ids"}
    assert first["sign_ids"] == [course.signs["SEÑAS"], course.signs["MAMÁ"], course.signs["PAPÁ"]]

    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert lesson["level_id"] == course.levels[0]
    assert lesson["language"] == "lsm"
    assert [sign["gloss"] for sign in lesson["signs"]] == ["SEÑAS", "MAMÁ", "PAPÁ"]
    assert all({"id", "gloss", "meaning_es", "meaning_en", "media"} <= set(s) for s in lesson["signs"])
    kinds = [exercise["kind"] for exercise in lesson["exercises"]]
    assert kinds == ["watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell"]
    # The learner's choices name no sign (opaque option ids) and show only what is chosen among: meanings.
    choices = lesson["exercises"][0]["choices"]
    assert len(choices) == 2
    assert not {choice["id"] for choice in choices} & set(course.signs.values())
    assert sorted(choice["meaning_es"] for choice in choices) == ["Mamá", "Señas"]
    assert "sign_id" not in lesson["exercises"][0]
    assert [letter["letter"] for letter in lesson["exercises"][3]["letters"]] == ["C", "A", "F", "E"]

    updated = await ok(
        await client.patch(
            f"/content/author/lessons/{course.lessons[0]}", json={"title_es": "Saludos y señas"}, headers=author_headers
        )
    )
    assert updated["slug"] == "saludos"  # slugs are stable when titles change
    assert updated["version"] == 3  # created, published, updated
    sign = await ok(await client.get(f"/content/signs/{course.signs['MAMÁ']}"))
    assert sign["category"] == "familia"
    await ok(await client.delete(f"/content/author/signs/{course.signs['MAMÁ']}", headers=author_headers), 204)
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert [sign["gloss"] for sign in lesson["signs"]] == ["SEÑAS", "PAPÁ"]
    assert (await client.get(f"/content/signs/{course.signs['MAMÁ']}")).status_code == 404


async def test_ordering_insert_reorder_and_delete_compact(
    client: httpx.AsyncClient, author_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers)
    level_id = course.levels[0]
    inserted = await ok(
        await client.post(
            f"/content/author/levels/{level_id}/lessons",
            json={"title_es": "Intro", "title_en": "Intro", "position": 1},
            headers=author_headers,
        ),
        201,
    )
    assert inserted["position"] == 1
    view = await ok(await client.get(f"/content/levels/{level_id}?preview=true", headers=author_headers))
    assert [lesson["slug"] for lesson in view["lessons"]] == ["intro", "saludos", "deletreo", "cafe"]

    new_order = [course.lessons[2], inserted["id"], course.lessons[0], course.lessons[1]]
    await ok(
        await client.put(
            f"/content/author/levels/{level_id}/lessons/order", json={"ids": new_order}, headers=author_headers
        )
    )
    view = await ok(await client.get(f"/content/levels/{level_id}?preview=true", headers=author_headers))
    assert [lesson["id"] for lesson in view["lessons"]] == new_order
    assert [lesson["position"] for lesson in view["lessons"]] == [1, 2, 3, 4]

    stale = await client.put(
        f"/content/author/levels/{level_id}/lessons/order", json={"ids": new_order[:2]}, headers=author_headers
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == "children_changed"
    twice = await client.put(
        f"/content/author/levels/{level_id}/lessons/order",
        json={"ids": [*new_order, new_order[0]]},
        headers=author_headers,
    )
    assert twice.status_code == 422
    assert twice.json()["fields"][0]["field"] == "ids"
    view = await ok(await client.get(f"/content/levels/{level_id}?preview=true", headers=author_headers))
    assert [lesson["id"] for lesson in view["lessons"]] == new_order  # neither changed anything

    await ok(await client.delete(f"/content/author/lessons/{inserted['id']}", headers=author_headers), 204)
    view = await ok(await client.get(f"/content/levels/{level_id}?preview=true", headers=author_headers))
    assert [lesson["position"] for lesson in view["lessons"]] == [1, 2, 3]

    levels = [course.levels[1], course.levels[0]]
    await ok(
        await client.put("/content/author/languages/lsm/levels/order", json={"ids": levels}, headers=author_headers)
    )
    listing = await ok(await client.get("/content/languages/lsm/levels"))
    assert [level["id"] for level in listing["levels"]] == levels

    exercises = list(reversed(course.exercises))
    await ok(
        await client.put(
            f"/content/author/lessons/{course.lessons[0]}/exercises/order",
            json={"ids": exercises},
            headers=author_headers,
        )
    )
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert [exercise["id"] for exercise in lesson["exercises"]] == exercises


async def test_publish_visibility(
    client: httpx.AsyncClient, author_headers: dict[str, str], learner_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers, publish=False)
    assert await ok(await client.get("/content/languages")) == []
    assert (await client.get(f"/content/lessons/{course.lessons[0]}")).status_code == 404
    assert (await client.get(f"/content/levels/{course.levels[0]}", headers=learner_headers)).status_code == 404
    # Authors preview drafts; the answer is private.
    preview = await client.get(f"/content/lessons/{course.lessons[0]}?preview=true", headers=author_headers)
    assert preview.status_code == 200
    assert preview.headers["cache-control"].startswith("private")
    assert (await client.get("/content/languages?preview=true", headers=learner_headers)).status_code == 403
    assert (await client.get("/content/languages?preview=true")).status_code == 401

    await ok(await client.post("/content/author/languages/lsm/publish", headers=author_headers))
    await ok(await client.post(f"/content/author/levels/{course.levels[0]}/publish", headers=author_headers))
    level = await ok(await client.get(f"/content/levels/{course.levels[0]}"))
    assert level["lessons"] == []  # lessons still drafts
    listing = await ok(await client.get("/content/languages/lsm/levels"))
    assert [entry["lesson_count"] for entry in listing["levels"]] == [0]

    await ok(await client.post(f"/content/author/lessons/{course.lessons[0]}/publish", headers=author_headers))
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert lesson["signs"] == []  # signs are drafts: hidden, and exercises using them are left out
    assert [exercise["kind"] for exercise in lesson["exercises"]] == []
    for sign_id in course.signs.values():
        await ok(await client.post(f"/content/author/signs/{sign_id}/publish", headers=author_headers))
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert len(lesson["signs"]) == 3
    assert len(lesson["exercises"]) == 4

    await ok(await client.post(f"/content/author/levels/{course.levels[0]}/unpublish", headers=author_headers))
    assert (await client.get(f"/content/lessons/{course.lessons[0]}")).status_code == 404


async def test_roles_on_writes(client: httpx.AsyncClient, learner_headers: dict[str, str], mint_token: object) -> None:
    body = {"code": "lse", "name_es": "Lengua de Signos Española", "name_en": "Spanish Sign Language"}
    anonymous = await client.post("/content/author/languages", json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "not_authenticated"
    learner = await client.post("/content/author/languages", json=body, headers=learner_headers)
    assert learner.status_code == 403
    assert learner.json()["error"] == "forbidden"
    # Even with an invalid body, the caller is refused before the payload is looked at.
    assert (await client.post("/content/author/languages", json={}, headers=learner_headers)).status_code == 403
    admin = {"Authorization": f"Bearer {mint_token('admin-1', roles=('admin',))}"}  # type: ignore[operator]
    assert (await client.post("/content/author/languages", json=body, headers=admin)).status_code == 201
    assert (await client.post("/content/author/languages", json=body, headers=admin)).status_code == 409


async def test_invalid_payloads_name_the_field(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    course = await build_course(client, author_headers)
    missing = await client.post(
        "/content/author/languages", json={"code": "xx", "name_es": "X"}, headers=author_headers
    )
    assert missing.status_code == 422
    assert missing.json()["error"] == "invalid_input"
    assert [f["field"] for f in missing.json()["fields"]] == ["name_en"]
    bad_code = await client.post(
        "/content/author/languages", json={"code": "Not A Code", "name_es": "X", "name_en": "X"}, headers=author_headers
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["fields"][0]["field"] == "code"
    lesson = course.lessons[1]
    no_word = await client.post(
        f"/content/author/lessons/{lesson}/exercises", json={"kind": "fingerspell"}, headers=author_headers
    )
    assert no_word.status_code == 422
    assert "word" in no_word.json()["detail"]
    unknown_sign = await client.post(
        f"/content/author/lessons/{lesson}/exercises",
        json={"kind": "perform_sign", "sign_id": "no-such-sign"},
        headers=author_headers,
    )
    assert unknown_sign.status_code == 422
    assert unknown_sign.json()["fields"][0]["field"] == "sign_id"
    no_letters = await client.post(
        f"/content/author/lessons/{lesson}/exercises",
        json={"kind": "fingerspell", "word": "zorro"},
        headers=author_headers,
    )
    assert no_letters.status_code == 422
    assert no_letters.json()["fields"][0]["field"] == "word"
    assert "Z" in no_letters.json()["detail"]
    taken = await client.post(
        f"/content/author/levels/{course.levels[0]}/lessons",
        json={"slug": "saludos", "title_es": "Otra", "title_en": "Other"},
        headers=author_headers,
    )
    assert taken.status_code == 409
    generated = await ok(
        await client.post(
            f"/content/author/levels/{course.levels[0]}/lessons",
            json={"title_es": "Saludos", "title_en": "Greetings"},
            headers=author_headers,
        ),
        201,
    )
    assert generated["slug"] == "saludos-2"
    unknown = await client.patch("/content/author/levels/nope", json={"title_es": "x"}, headers=author_headers)
    assert unknown.status_code == 404


async def test_etag_and_304(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    course = await build_course(client, author_headers)
    path = f"/content/lessons/{course.lessons[0]}"
    first = await client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert first.headers["cache-control"] == "public, max-age=60"
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert (await client.get(path, headers={"If-None-Match": '"other", ' + etag})).status_code == 304
    assert (await client.get(path, headers={"If-None-Match": '"stale"'})).status_code == 200
    await ok(
        await client.patch(
            f"/content/author/lessons/{course.lessons[0]}", json={"title_en": "Hello"}, headers=author_headers
        )
    )
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["title_en"] == "Hello"
    for other in ("/content/languages", "/content/languages/lsm/levels", f"/content/levels/{course.levels[0]}"):
        response = await client.get(other)
        assert (await client.get(other, headers={"If-None-Match": response.headers["etag"]})).status_code == 304


async def test_dictionary_search(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    await build_course(client, author_headers)

    async def search(**params: object) -> dict[str, object]:
        body: dict[str, object] = await ok(await client.get("/content/languages/lsm/dictionary", params=params))
        return body

    found = await search(q="senas")
    assert [item["gloss"] for item in found["items"]] == ["SEÑAS"]  # type: ignore[index]
    assert [i["gloss"] for i in (await search(q="MAMA"))["items"]] == ["MAMÁ"]  # type: ignore[index]
    assert [i["gloss"] for i in (await search(q="father"))["items"]] == ["PAPÁ"]  # type: ignore[index]
    assert (await search(q="comunicacion"))["total"] == 1  # category text too
    family = await search(category="Familia")
    assert {i["gloss"] for i in family["items"]} == {"MAMÁ", "PAPÁ"}  # type: ignore[union-attr]
    assert {i["gloss"] for i in (await search(handshape="c"))["items"]} == {"CAFÉ", "C"}  # type: ignore[union-attr]
    assert (await search(q="100%"))["total"] == 0
    page1 = await search(page_size=3)
    page3 = await search(page_size=3, page=3)
    assert page1["total"] == 8
    assert page1["pages"] == 3
    assert len(page1["items"]) == 3
    assert len(page3["items"]) == 2
    too_big = await client.get("/content/languages/lsm/dictionary", params={"page_size": 500})
    assert too_big.status_code == 422
    assert too_big.json()["fields"][0]["field"] == "query.page_size"
    assert (await client.get("/content/languages/xyz/dictionary")).status_code == 404


async def test_a_lost_race_on_a_unique_slug_is_a_409(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    """Two authors create the same level at once: both pass the slug check, the database refuses the second."""
    import asyncio

    await build_course(client, author_headers, publish=False)
    body = {"slug": "mismo", "title_es": "Mismo", "title_en": "Same"}
    responses = await asyncio.gather(
        *(client.post("/content/author/languages/lsm/levels", json=body, headers=author_headers) for _ in range(4))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 409}
    assert all(r.json()["error"] in ("conflict", "slug_taken") for r in responses if r.status_code == 409)
