"""A practice upload is granted only for the caller's own video session that awaits its upload: the content
service asks the real ML service (in process, as in `senas up`) with the caller's token. Someone else's session
is answered exactly like an unknown one (404); a session in the wrong mode or state is a 409; an ML service that
cannot answer is a 503 — and nothing is signed or stored when the answer is no. A content service that skips the
check (the deliberately broken variant) is caught by the same cross-user check."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from ml_sessions_support import practice_session, serve_ml

from senas.content.practice.repository import PracticeRepository
from senas.content.practice.router import get_practice_sessions
from senas.content.practice.sessions import MlPracticeSessions
from senas.core.internal import ServiceClients
from senas.wiring import Platform

MB = 1024 * 1024
UNAVAILABLE = (
    "no se pudo comprobar la sesión de práctica; inténtalo en un momento / "
    "the practice session could not be checked; try again shortly"
)


def body(session_id: str, **changes: Any) -> dict[str, Any]:
    return {"session_id": session_id, "content_type": "video/webm", "size": 2048, **changes}


@pytest.fixture
def ml(platform: Platform) -> FastAPI:
    return serve_ml(platform)


@pytest.fixture
def stranger_headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('learner-2', roles=('learner',))}"}


async def uploads_of(content_app: Any, user_id: str) -> list[Any]:
    async with content_app.state.root.context.database.current().sessions() as session:
        return await PracticeRepository(session).of_user(user_id)


async def ask(client: httpx.AsyncClient, headers: dict[str, str], payload: dict[str, Any]) -> httpx.Response:
    return await client.post("/content/practice-uploads", json=payload, headers=headers)


async def test_the_callers_own_waiting_video_session_gets_an_upload(
    client: httpx.AsyncClient, platform: Platform, ml: FastAPI, learner_headers: dict[str, str]
) -> None:
    session_id = await practice_session(platform, "learner-1")
    granted = await ask(client, learner_headers, body(session_id))
    assert granted.status_code == 201, granted.text
    assert granted.json()["session_id"] == session_id
    assert f"/practice/learner-1/{session_id}/" in granted.json()["upload"]["url"]


async def cross_user_answer(
    client: httpx.AsyncClient, platform: Platform, stranger_headers: dict[str, str]
) -> httpx.Response:
    """Learner 2 asks to upload a video for learner 1's session."""
    victims = await practice_session(platform, "learner-1")
    return await ask(client, stranger_headers, body(victims))


async def test_someone_elses_session_looks_like_no_session(
    client: httpx.AsyncClient,
    content_app: Any,
    platform: Platform,
    ml: FastAPI,
    stranger_headers: dict[str, str],
) -> None:
    others = await cross_user_answer(client, platform, stranger_headers)
    unknown = await ask(client, stranger_headers, body("no-such-session"))
    assert others.status_code == unknown.status_code == 404, others.text
    expected = {"error": "session_not_found", "detail": "esa sesión de práctica no existe / no such practice session"}
    assert others.json() == unknown.json() == expected
    assert await uploads_of(content_app, "learner-2") == []  # nothing signed, nothing stored


async def test_the_cross_user_check_catches_a_content_service_that_skips_it(
    client: httpx.AsyncClient, content_app: Any, platform: Platform, ml: FastAPI, stranger_headers: dict[str, str]
) -> None:
    """Deliberately broken: the session check accepts everything (the behaviour before the check existed)."""

    class TrustEveryone:
        async def check_awaits_video(self, session_id: str, access_token: str) -> None:
            return None

    content_app.dependency_overrides[get_practice_sessions] = TrustEveryone
    assert (await cross_user_answer(client, platform, stranger_headers)).status_code == 201


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("landmarks", "awaiting_upload", "wrong_mode"),
        ("video", "queued", "session_not_awaiting_upload"),
        ("video", "processing", "session_not_awaiting_upload"),
        ("video", "scored", "session_not_awaiting_upload"),
        ("video", "failed", "session_not_awaiting_upload"),
    ],
)
async def test_a_session_in_the_wrong_mode_or_state_is_a_conflict(
    client: httpx.AsyncClient,
    content_app: Any,
    platform: Platform,
    ml: FastAPI,
    learner_headers: dict[str, str],
    mode: str,
    status: str,
    code: str,
) -> None:
    session_id = await practice_session(platform, "learner-1", mode=mode, status=status)
    refused = await ask(client, learner_headers, body(session_id))
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == code
    assert " / " in refused.json()["detail"]  # Spanish / English
    assert await uploads_of(content_app, "learner-1") == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_ml_service_is_a_503(
    client: httpx.AsyncClient, content_app: Any, learner_headers: dict[str, str]
) -> None:
    nowhere = ServiceClients({"ml": f"http://127.0.0.1:{closed_port()}"})
    content_app.dependency_overrides[get_practice_sessions] = lambda: MlPracticeSessions(nowhere)
    try:
        refused = await ask(client, learner_headers, body("sess-1"))
    finally:
        await nowhere.close()
    assert refused.status_code == 503, refused.text
    assert refused.json() == {"error": "ml_unavailable", "detail": UNAVAILABLE}
    assert await uploads_of(content_app, "learner-1") == []


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (500, {"error": "internal_error", "detail": "boom"}),
        (404, {"error": "not_found", "detail": "no such route"}),  # a wrong ML address, not a missing session
        (200, ["not", "a", "session"]),
        (401, {"error": "invalid_token", "detail": "expired"}),
    ],
)
async def test_an_ml_service_that_cannot_answer_is_a_503(
    client: httpx.AsyncClient, platform: Platform, learner_headers: dict[str, str], status: int, answer: Any
) -> None:
    broken = FastAPI()

    @broken.get("/ml/sessions/{session_id}")
    async def session(session_id: str) -> JSONResponse:
        return JSONResponse(answer, status_code=status)

    platform.services.register_in_process("ml", broken)
    refused = await ask(client, learner_headers, body("sess-1"))
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "ml_unavailable"


async def test_bad_inputs_are_refused_before_the_ml_service_is_asked(
    client: httpx.AsyncClient, content_app: Any, learner_headers: dict[str, str]
) -> None:
    """With the ML service unreachable, these still get their own answer: they never reach the check."""
    nowhere = ServiceClients({"ml": f"http://127.0.0.1:{closed_port()}"})
    content_app.dependency_overrides[get_practice_sessions] = lambda: MlPracticeSessions(nowhere)
    cases: list[tuple[dict[str, str], Any, int]] = [
        ({}, body("sess-1"), 401),
        ({"Authorization": "Bearer not-a-token"}, body("sess-1"), 401),
        (learner_headers, body("sess-1", size=60 * MB), 413),
        (learner_headers, body("sess-1", content_type="video/avi"), 415),
        (learner_headers, body("../etc"), 422),
        (learner_headers, body("a/b"), 422),
        (learner_headers, body(""), 422),
        (learner_headers, body("s" * 65), 422),
        (learner_headers, body("sess-1", size=0), 422),
        (learner_headers, body("sess-1", extra=True), 422),
        (learner_headers, {"content_type": "video/webm", "size": 10}, 422),
        (learner_headers, [], 422),
    ]
    try:
        for headers, payload, expected in cases:
            answer = await client.post("/content/practice-uploads", json=payload, headers=headers)
            assert answer.status_code == expected, (payload, answer.text)
            assert set(answer.json()) >= {"error", "detail"}
    finally:
        await nowhere.close()
    assert await uploads_of(content_app, "learner-1") == []
