"""Helpers of the user-service tests: sign up, log in, TOTP codes."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from senas.core.grants import GRANT_HEADER, InvalidGrant, ServiceGrants

PASSWORD = "manos-que-hablan-42"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(client: httpx.AsyncClient, email: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/users/auth/signup", json={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/users/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Learner:
    user_id: str
    email: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


async def learner(client: httpx.AsyncClient, email: str, **profile: Any) -> Learner:
    user = await sign_up(client, email, **profile)
    tokens = (await login(client, email))["tokens"]
    return Learner(user["user_id"], email, tokens["access_token"], tokens["refresh_token"])


# -- lesson attempts -----------------------------------------------------------------------------------------------


def key() -> str:
    return uuid.uuid4().hex


def attempts_path(lesson: str) -> str:
    return f"/users/me/lessons/{lesson}/attempts"


async def start(client: httpx.AsyncClient, user: Learner, lesson: str, *, k: str | None = None) -> httpx.Response:
    return await client.post(attempts_path(lesson), headers={**user.headers, "Idempotency-Key": k or key()})


async def answer(
    client: httpx.AsyncClient, user: Learner, lesson: str, attempt: str, *, k: str | None = None, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{attempts_path(lesson)}/{attempt}/answers",
        json=body,
        headers={**user.headers, "Idempotency-Key": k or key()},
    )


async def complete(
    client: httpx.AsyncClient, user: Learner, lesson: str, attempt: str, *, k: str | None = None
) -> httpx.Response:
    return await client.post(
        f"{attempts_path(lesson)}/{attempt}/complete", headers={**user.headers, "Idempotency-Key": k or key()}
    )


async def started(client: httpx.AsyncClient, user: Learner, lesson: str) -> dict[str, Any]:
    response = await start(client, user, lesson)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def play(
    client: httpx.AsyncClient, content: FakeContent, user: Learner, lesson: str, *, wrong: int = 0
) -> dict[str, Any]:
    """Start an attempt, answer every exercise (the first ``wrong`` ones wrongly), complete it: the completion."""
    attempt = await started(client, user, lesson)
    for index, exercise in enumerate(attempt["exercises"]):
        pick = content.wrong_option if index < wrong else content.right_option
        option = pick(lesson, exercise["exercise_id"])
        response = await answer(
            client, user, lesson, attempt["attempt_id"], exercise_id=exercise["exercise_id"], option_id=option
        )
        assert response.status_code == 200, response.text
    done = await complete(client, user, lesson, attempt["attempt_id"])
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def totp_now(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time() // totp.interval) + offset_steps)


@dataclass
class FakeContent:
    """The content service's answers for GET /content/levels/{id}, /content/lessons/{id} and the answer key
    (GET /content/internal/lessons/{id}/answer-key, which checks the caller's service grant as the real one does).

    Every sign of a lesson gets a "watch and choose the meaning" exercise with two options (``opt-<ex>-right``,
    ``opt-<ex>-wrong``); ``add_exercise`` adds others (perform, fingerspell)."""

    levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)
    exercises: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unpublished: set[str] = field(default_factory=set)
    course: tuple[int, int] | None = None  # (lessons, exercises) the answer key claims; None: the real count
    down: bool = False
    calls: int = 0
    key_reads: int = 0

    def add_level(self, level_id: str, lessons: dict[str, list[str]], language: str = "lse") -> None:
        entries = []
        for position, (lesson_id, signs) in enumerate(lessons.items()):
            entries.append(
                {
                    "id": lesson_id,
                    "slug": lesson_id,
                    "position": position,
                    "title_es": f"Lección {lesson_id}",
                    "title_en": f"Lesson {lesson_id}",
                    "sign_ids": signs,
                }
            )
            self.lessons[lesson_id] = {
                "id": lesson_id,
                "slug": lesson_id,
                "level_id": level_id,
                "language": language,
                "position": position,
                "title_es": f"Lección {lesson_id}",
                "title_en": f"Lesson {lesson_id}",
                "signs": [{"id": sign, "slug": sign, "gloss": sign.upper()} for sign in signs],
            }
            self.exercises[lesson_id] = [
                {
                    "id": f"{lesson_id}-ex{index}",
                    "kind": "watch_choose_meaning",
                    "position": index + 1,
                    "sign_id": sign,
                    "gloss": sign.upper(),
                    "meaning_es": f"significado de {sign}",
                    "meaning_en": f"meaning of {sign}",
                    "options": [
                        _option(f"opt-{lesson_id}-ex{index}-right", sign, True),
                        _option(f"opt-{lesson_id}-ex{index}-wrong", f"{sign}-other", False),
                    ],
                    "letters": [],
                    "word": None,
                }
                for index, sign in enumerate(signs)
            ]
        self.levels[level_id] = {
            "id": level_id,
            "slug": level_id,
            "language": language,
            "position": 1,
            "title_es": f"Nivel {level_id}",
            "title_en": f"Level {level_id}",
            "lessons": entries,
        }

    def add_exercise(self, lesson_id: str, kind: str, *, sign_id: str | None = None, word: str | None = None) -> str:
        exercise_id = f"{lesson_id}-ex{len(self.exercises[lesson_id])}"
        self.exercises[lesson_id].append(
            {
                "id": exercise_id,
                "kind": kind,
                "position": len(self.exercises[lesson_id]) + 1,
                "sign_id": sign_id,
                "gloss": sign_id.upper() if sign_id else None,
                "meaning_es": f"significado de {sign_id}" if sign_id else None,
                "meaning_en": f"meaning of {sign_id}" if sign_id else None,
                "options": [],
                "letters": [letter.upper() for letter in word or ""],
                "word": word,
            }
        )
        return exercise_id

    def answer_key(self, lesson_id: str) -> dict[str, Any]:
        lesson = self.lessons[lesson_id]
        return {
            "lesson_id": lesson_id,
            "level_id": lesson["level_id"],
            "language": lesson["language"],
            "sign_ids": [sign["id"] for sign in lesson["signs"]],
            "exercises": self.exercises[lesson_id],
            "course_lessons": self.course[0] if self.course else len(self.lessons),
            "course_exercises": self.course[1] if self.course else sum(len(e) for e in self.exercises.values()),
        }

    def right_option(self, lesson_id: str, exercise_id: str) -> str:
        exercise = next(e for e in self.exercises[lesson_id] if e["id"] == exercise_id)
        return str(next(option["id"] for option in exercise["options"] if option["correct"]))

    def wrong_option(self, lesson_id: str, exercise_id: str) -> str:
        exercise = next(e for e in self.exercises[lesson_id] if e["id"] == exercise_id)
        return str(next(option["id"] for option in exercise["options"] if not option["correct"]))

    def app(self, grants: ServiceGrants | None = None) -> FastAPI:
        app = FastAPI()

        def check() -> None:
            self.calls += 1
            if self.down:
                raise HTTPException(503, "down")

        @app.get("/content/levels/{level_id}")
        async def level(level_id: str) -> dict[str, Any]:
            check()
            if level_id not in self.levels:
                raise HTTPException(404, "no such level")
            return self.levels[level_id]

        @app.get("/content/lessons/{lesson_id}")
        async def lesson(lesson_id: str) -> dict[str, Any]:
            check()
            if lesson_id not in self.lessons or lesson_id in self.unpublished:
                raise HTTPException(404, "no such lesson")
            return self.lessons[lesson_id]

        @app.get("/content/internal/lessons/{lesson_id}/answer-key")
        async def answer_key(lesson_id: str, request: Request) -> JSONResponse:
            check()
            self.key_reads += 1
            if grants is not None:
                try:
                    grants.verify(
                        request.headers.get(GRANT_HEADER), "GET", request.url.path, callers=frozenset({"users"})
                    )
                except InvalidGrant as exc:
                    return JSONResponse({"error": "invalid_grant", "detail": str(exc)}, status_code=403)
            if lesson_id not in self.lessons:
                return JSONResponse({"error": "lesson_not_found", "detail": "no such lesson"}, status_code=404)
            if lesson_id in self.unpublished:
                return JSONResponse({"error": "lesson_not_published", "detail": "draft"}, status_code=409)
            return JSONResponse(self.answer_key(lesson_id))

        return app


def _option(option_id: str, sign_id: str, correct: bool) -> dict[str, Any]:
    return {
        "id": option_id,
        "sign_id": sign_id,
        "gloss": sign_id.upper(),
        "meaning_es": f"significado de {sign_id}",
        "meaning_en": f"meaning of {sign_id}",
        "correct": correct,
    }


@dataclass
class FakeMl:
    """The ML service's ``GET /ml/sessions/{id}``: a learner's own sessions only (by their access token)."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # session id → the owner's access token
    down: bool = False

    def add(
        self,
        learner: Learner,
        session_id: str,
        sign_id: str,
        *,
        created_at: datetime,
        status: str = "scored",
        passed: bool = True,
        scored_at: datetime | None = None,
    ) -> str:
        self.owners[session_id] = learner.access
        self.sessions[session_id] = {
            "session_id": session_id,
            "sign_id": sign_id,
            "status": status,
            "score": 88.0 if passed else 20.0,
            "passed": passed if status == "scored" else None,
            "created_at": created_at.isoformat(),
            "updated_at": (scored_at or created_at).isoformat(),
        }
        return session_id

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/ml/sessions/{session_id}")
        async def session(session_id: str, request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({"error": "unavailable", "detail": "down"}, status_code=503)
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if session_id not in self.sessions or self.owners.get(session_id) != token:
                return JSONResponse({"error": "session_not_found", "detail": "no such session"}, status_code=404)
            return JSONResponse(self.sessions[session_id])

        return app
