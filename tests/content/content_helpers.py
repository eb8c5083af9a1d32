"""Building a small course through the author API, for the API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Course:
    code: str
    levels: list[str] = field(default_factory=list)
    lessons: list[str] = field(default_factory=list)
    signs: dict[str, str] = field(default_factory=dict)  # gloss → id
    exercises: list[str] = field(default_factory=list)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def build_course(client: httpx.AsyncClient, headers: dict[str, str], *, publish: bool = True) -> Course:
    course = Course(code="lsm")
    await ok(
        await client.post(
            "/content/author/languages",
            json={"code": "lsm", "name_es": "Lengua de Señas Mexicana", "name_en": "Mexican Sign Language"},
            headers=headers,
        ),
        201,
    )
    signs = [
        ("SEÑAS", "Señas", "Signs", "comunicación", "B"),
        ("MAMÁ", "Mamá", "Mother", "familia", "5"),
        ("PAPÁ", "Papá", "Father", "familia", "5"),
        ("CAFÉ", "Café", "Coffee", "comida", "C"),
        ("A", "Letra A", "Letter A", "alfabeto", "A"),
        ("C", "Letra C", "Letter C", "alfabeto", "C"),
        ("F", "Letra F", "Letter F", "alfabeto", "F"),
        ("E", "Letra E", "Letter E", "alfabeto", "E"),
    ]
    for gloss, es, en, category, handshape in signs:
        body = await ok(
            await client.post(
                "/content/author/languages/lsm/signs",
                json={
                    "gloss": gloss,
                    "meaning_es": es,
                    "meaning_en": en,
                    "category": category,
                    "handshape": handshape,
                },
                headers=headers,
            ),
            201,
        )
        course.signs[gloss] = body["id"]
    for title in ("Primeros pasos", "Familia"):
        body = await ok(
            await client.post(
                "/content/author/languages/lsm/levels",
                json={"title_es": title, "title_en": title + " (en)"},
                headers=headers,
            ),
            201,
        )
        course.levels.append(body["id"])
    for title in ("Saludos", "Deletreo", "Café"):
        body = await ok(
            await client.post(
                f"/content/author/levels/{course.levels[0]}/lessons",
                json={"title_es": title, "title_en": title},
                headers=headers,
            ),
            201,
        )
        course.lessons.append(body["id"])
    lesson = course.lessons[0]
    await ok(
        await client.put(
            f"/content/author/lessons/{lesson}/signs",
            json={"sign_ids": [course.signs["SEÑAS"], course.signs["MAMÁ"], course.signs["PAPÁ"]]},
            headers=headers,
        )
    )
    exercises: list[dict[str, Any]] = [
        {"kind": "watch_choose_meaning", "sign_id": course.signs["SEÑAS"], "distractor_ids": [course.signs["MAMÁ"]]},
        {"kind": "meaning_choose_video", "sign_id": course.signs["MAMÁ"], "distractor_ids": [course.signs["PAPÁ"]]},
        {"kind": "perform_sign", "sign_id": course.signs["PAPÁ"]},
        {"kind": "fingerspell", "word": "café"},
    ]
    for exercise in exercises:
        body = await ok(
            await client.post(f"/content/author/lessons/{lesson}/exercises", json=exercise, headers=headers), 201
        )
        course.exercises.append(body["id"])
    if publish:
        await ok(await client.post("/content/author/languages/lsm/publish", headers=headers))
        for level in course.levels:
            await ok(await client.post(f"/content/author/levels/{level}/publish", headers=headers))
        for lesson_id in course.lessons:
            await ok(await client.post(f"/content/author/lessons/{lesson_id}/publish", headers=headers))
        for sign_id in course.signs.values():
            await ok(await client.post(f"/content/author/signs/{sign_id}/publish", headers=headers))
    return course
