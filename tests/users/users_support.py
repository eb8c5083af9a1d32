"""Helpers of the user-service tests: sign up, log in, TOTP codes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI, HTTPException

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


def totp_now(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time() // totp.interval) + offset_steps)


@dataclass
class FakeContent:
    """The content service's answers for GET /content/levels/{id} and /content/lessons/{id}."""

    levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False
    calls: int = 0

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
        self.levels[level_id] = {
            "id": level_id,
            "slug": level_id,
            "language": language,
            "position": 1,
            "title_es": f"Nivel {level_id}",
            "title_en": f"Level {level_id}",
            "lessons": entries,
        }

    def app(self) -> FastAPI:
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
            if lesson_id not in self.lessons:
                raise HTTPException(404, "no such lesson")
            return self.lessons[lesson_id]

        return app
