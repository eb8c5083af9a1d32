"""Answers stay with the server: the lesson a learner reads names no right choice (opaque option ids, no sign ids),
authors previewing see the answers, and the answer-key route opens only to the user service (a service grant) and
to authors — never to learners, anonymous callers, forged or stale grants, or grants for another route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from content_helpers import Course, build_course, ok

from senas.contracts.content_api import ContentApi, ContentUnavailable, LessonNotPublished
from senas.core.grants import GRANT_HEADER, ServiceGrants
from senas.core.internal import ServiceClients
from senas.wiring import Platform


def key_path(lesson_id: str) -> str:
    return f"/content/internal/lessons/{lesson_id}/answer-key"


def grant(platform: Platform, path: str, *, caller: str = "users", clock: Any = None) -> dict[str, str]:
    secret = platform.settings.signing_secret.get_secret_value()
    grants = ServiceGrants(secret) if clock is None else ServiceGrants(secret, clock=clock)
    return grants.header(caller, "GET", path)


async def test_a_learner_reads_choices_without_their_answers(client: httpx.AsyncClient, author_headers: Any) -> None:
    course = await build_course(client, author_headers)
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    watch, choose_video, perform, spell = lesson["exercises"]
    sign_ids = set(course.signs.values())
    for exercise in lesson["exercises"]:
        assert "sign_id" not in exercise
        assert not {choice["id"] for choice in exercise["choices"]} & sign_ids
        assert all("correct" not in choice and "gloss" not in choice for choice in exercise["choices"])
    # watch the sign (its video), choose among meanings
    assert watch["media"] is None or "url" in watch["media"]
    assert sorted(c["meaning_en"] for c in watch["choices"]) == ["Mother", "Signs"]
    assert all(c["media"] is None for c in watch["choices"])
    # read the meaning, choose among videos: the choices carry no text that matches the prompt
    assert choose_video["meaning_es"] == "Mamá"
    assert all(c["meaning_es"] is None and c["meaning_en"] is None for c in choose_video["choices"])
    # perform: which sign to perform is the exercise itself, not an answer
    assert perform["sign"]["id"] == course.signs["PAPÁ"]
    assert [letter["letter"] for letter in spell["letters"]] == ["C", "A", "F", "E"]
    # the option ids are the same in every read (the view is cached and shared) and differ per exercise
    again = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert again["exercises"][0]["choices"] == watch["choices"]
    assert not {c["id"] for c in watch["choices"]} & {c["id"] for c in choose_video["choices"]}


async def test_authors_previewing_see_the_answers(client: httpx.AsyncClient, author_headers: Any) -> None:
    course = await build_course(client, author_headers)
    preview = await ok(await client.get(f"/content/lessons/{course.lessons[0]}?preview=true", headers=author_headers))
    watch = preview["exercises"][0]
    assert watch["sign_id"] == course.signs["SEÑAS"]
    right = [choice for choice in watch["choices"] if choice["correct"]]
    assert [(choice["sign_id"], choice["gloss"]) for choice in right] == [(course.signs["SEÑAS"], "SEÑAS")]
    learner_view = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert {c["id"] for c in learner_view["exercises"][0]["choices"]} == {c["id"] for c in watch["choices"]}


async def key_of(client: httpx.AsyncClient, platform: Platform, course: Course) -> dict[str, Any]:
    path = key_path(course.lessons[0])
    response = await client.get(path, headers=grant(platform, path))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


async def test_the_answer_key_matches_what_learners_are_shown(
    client: httpx.AsyncClient, platform: Platform, author_headers: Any
) -> None:
    course = await build_course(client, author_headers)
    key = await key_of(client, platform, course)
    lesson = await ok(await client.get(f"/content/lessons/{course.lessons[0]}"))
    assert key["lesson_id"] == lesson["id"]
    assert key["level_id"] == lesson["level_id"]
    assert [e["id"] for e in key["exercises"]] == [e["id"] for e in lesson["exercises"]]
    for keyed, shown in zip(key["exercises"], lesson["exercises"], strict=True):
        assert [o["id"] for o in keyed["options"]] == [c["id"] for c in shown["choices"]]
    watch, choose_video, perform, spell = key["exercises"]
    assert [o["sign_id"] for o in watch["options"] if o["correct"]] == [course.signs["SEÑAS"]]
    assert [o["gloss"] for o in choose_video["options"] if o["correct"]] == ["MAMÁ"]
    assert (perform["sign_id"], perform["gloss"]) == (course.signs["PAPÁ"], "PAPÁ")
    assert spell["letters"] == ["C", "A", "F", "E"]
    assert key["sign_ids"] == [course.signs[g] for g in ("SEÑAS", "MAMÁ", "PAPÁ")]
    assert (key["course_lessons"], key["course_exercises"]) == (3, 4)
    # authors may read it with their own token
    assert (await client.get(key_path(course.lessons[0]), headers=author_headers)).json() == key


async def test_nobody_else_reads_an_answer_key(
    client: httpx.AsyncClient, platform: Platform, author_headers: Any, learner_headers: Any
) -> None:
    course = await build_course(client, author_headers)
    path = key_path(course.lessons[0])
    anonymous = await client.get(path)
    assert anonymous.status_code == 401
    assert (await client.get(path, headers=learner_headers)).status_code == 403
    refusals = {
        "forged": {GRANT_HEADER: "v1.users.9999999999." + "0" * 64},
        "malformed": {GRANT_HEADER: "let me in"},
        "another route": grant(platform, key_path(course.lessons[1])),
        "another caller": grant(platform, path, caller="ml"),
        "expired": grant(platform, path, clock=lambda: 1_000_000.0),
        "another deployment": ServiceGrants("another-secret-of-another-deployment").header("users", "GET", path),
    }
    for name, headers in refusals.items():
        response = await client.get(path, headers={**headers, **learner_headers})
        assert response.status_code == 403, (name, response.text)
        assert response.json()["error"] == "invalid_grant", name
        assert "options" not in response.text


async def test_unknown_and_unpublished_lessons(
    client: httpx.AsyncClient, platform: Platform, author_headers: Any
) -> None:
    course = await build_course(client, author_headers)
    missing = key_path("no-such-lesson")
    unknown = await client.get(missing, headers=grant(platform, missing))
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "lesson_not_found"
    await ok(await client.post(f"/content/author/lessons/{course.lessons[0]}/unpublish", headers=author_headers))
    path = key_path(course.lessons[0])
    draft = await client.get(path, headers=grant(platform, path))
    assert draft.status_code == 409
    assert draft.json()["error"] == "lesson_not_published"
    assert (await client.get(f"/content/lessons/{course.lessons[0]}")).status_code == 404


async def test_the_user_services_client_reads_the_key_with_a_grant(
    content_app: Any, platform: Platform, client: httpx.AsyncClient, author_headers: Any
) -> None:
    """The contract both sides rely on: the user service's typed client, signing its grant, reads the content
    service's answer key (unknown: None; a draft: LessonNotPublished)."""
    course = await build_course(client, author_headers)
    services = ServiceClients({})
    services.register_in_process("content", content_app)
    api = ContentApi(
        services, grants=ServiceGrants(platform.settings.signing_secret.get_secret_value()), caller="users"
    )
    try:
        answer_key = await api.answer_key(course.lessons[0])
        assert answer_key is not None
        assert [exercise.kind for exercise in answer_key.exercises] == [
            "watch_choose_meaning",
            "meaning_choose_video",
            "perform_sign",
            "fingerspell",
        ]
        assert sum(option.correct for option in answer_key.exercises[0].options) == 1
        assert await api.answer_key("no-such-lesson") is None
        await ok(await client.post(f"/content/author/lessons/{course.lessons[0]}/unpublish", headers=author_headers))
        with pytest.raises(LessonNotPublished):
            await api.answer_key(course.lessons[0])
        without_grants = ContentApi(services)
        with pytest.raises(ContentUnavailable):
            await without_grants.answer_key(course.lessons[1])
    finally:
        await services.close()
