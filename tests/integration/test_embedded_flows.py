"""The four flows of DESIGN §1, end to end through the local load balancer with every service, consumer and
embedded port running in this process (`senas up` minus the socket)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from prerequisites import require
from senas.gateway.app import create_gateway
from senas.services import SERVICE_NAMES, build_app
from senas.wiring import Platform

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FOUR_PHOTOS = REPO.parent / "shared" / "fixtures" / "hands" / "four"


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    services = {name: build_app(name, platform) for name in SERVICE_NAMES}
    router = create_gateway(platform, services)
    fallback = router.fallback
    assert isinstance(fallback, Starlette)
    async with fallback.router.lifespan_context(fallback):
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url=platform.settings.public_url, timeout=60) as c:
            yield c


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 60.0, every: float = 0.2) -> Any:
    """Poll until ``check`` returns something truthy (consumers run in the background)."""
    async with asyncio.timeout(timeout):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(every)


async def learner(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"learner-{uuid.uuid4().hex[:8]}@example.org"
    signup = await client.post("/users/auth/signup", json={"email": email, "password": "Manos-que-hablan-42"})
    assert signup.status_code == 201, signup.text
    login = await client.post("/users/auth/login", json={"email": email, "password": "Manos-que-hablan-42"})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}


async def demo_lesson(client: httpx.AsyncClient) -> dict[str, Any]:
    languages = (await client.get("/content/languages")).json()
    code = languages[0]["code"]
    levels = (await client.get(f"/content/languages/{code}/levels")).json()["levels"]
    level = (await client.get(f"/content/levels/{levels[0]['id']}")).json()
    lesson = await client.get(f"/content/lessons/{level['lessons'][0]['id']}")
    assert lesson.status_code == 200, lesson.text
    return dict(lesson.json())


async def test_demo_signs_become_practisable_once_ml_announces_their_templates(gateway: httpx.AsyncClient) -> None:
    sign = await sign_b(gateway)

    async def status() -> str | None:
        detail = (await gateway.get(f"/content/signs/{sign['id']}")).json()
        return detail["template_status"] if detail["template_status"] == "ready" else None

    assert await eventually(status, timeout=30) == "ready"


async def test_content_retrieval_with_media_urls(gateway: httpx.AsyncClient) -> None:
    lesson = await demo_lesson(gateway)
    assert lesson["signs"], lesson
    sign = lesson["signs"][0]
    media = await gateway.get(sign["media"]["url"])
    assert media.status_code == 200
    assert media.headers["content-type"].startswith(sign["media"]["content_type"])


async def test_progress_reaches_the_learner_as_an_achievement_notification(gateway: httpx.AsyncClient) -> None:
    headers = await learner(gateway)
    lesson = await demo_lesson(gateway)
    # The lesson played as an attempt the server grades: each exercise answered (the first choice, the word's
    # letters; the camera one skipped), then completed — a first completion earns XP whatever the score.
    base = f"/users/me/lessons/{lesson['id']}/attempts"
    started = await gateway.post(base, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert started.status_code == 201, started.text
    attempt = started.json()["attempt_id"]
    for exercise in lesson["exercises"]:
        if exercise["choices"]:
            answer: dict[str, Any] = {"option_id": exercise["choices"][0]["id"]}
        elif exercise["letters"]:
            answer = {"letters": [letter["letter"] for letter in exercise["letters"]]}
        else:
            continue
        answered = await gateway.post(
            f"{base}/{attempt}/answers",
            json={"exercise_id": exercise["id"], **answer},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert answered.status_code == 200, answered.text
    completion = await gateway.post(
        f"{base}/{attempt}/complete", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert completion.status_code == 200, completion.text
    assert completion.json()["xp_awarded"] > 0

    async def first_lesson_notifications() -> list[dict[str, Any]]:
        # One completion earns several achievements; they reach the inbox in any order, so wait for this one.
        response = await gateway.get("/users/me/notifications", headers=headers)
        items = list(response.json()["notifications"])
        return [item for item in items if "first" in json.dumps(item).lower() or "primera" in json.dumps(item).lower()]

    assert await eventually(first_lesson_notifications)


def b_handshape_frames() -> list[dict[str, Any]]:
    poses = json.loads((REPO / "src" / "senas" / "demo" / "alphabet_poses.json").read_text())["letters"]
    frames = []
    for i in range(20):
        drift = 0.002 * i
        frames.append(
            {
                # x mirrored: the poses are the dataset signer's left hand, sent here as a right hand.
                "landmarks": [[0.5 - 0.12 * x + drift, 0.7 + 0.12 * y, 0.12 * z] for x, y, z in poses["B"]],
                "handedness": "right",
            }
        )
    return frames


async def wait_for_xp(gateway: httpx.AsyncClient, headers: dict[str, str], minimum: int) -> int:
    async def xp() -> int:
        return int((await gateway.get("/users/me/progress", headers=headers)).json()["xp_total"])

    return int(await eventually(lambda: _at_least(xp, minimum)))


async def _at_least(read: Callable[[], Awaitable[int]], minimum: int) -> int:
    value = await read()
    return value if value >= minimum else 0


async def sign_b(gateway: httpx.AsyncClient) -> dict[str, Any]:
    languages = (await gateway.get("/content/languages")).json()
    code = languages[0]["code"]
    found = (await gateway.get(f"/content/languages/{code}/dictionary", params={"q": "B"})).json()
    matches = [item for item in found["items"] if item["gloss"] == "B"]
    assert matches, found
    return dict(matches[0])


async def test_landmarks_practice_is_scored_and_credited(gateway: httpx.AsyncClient) -> None:
    headers = await learner(gateway)
    sign = await sign_b(gateway)
    session = await gateway.post("/ml/sessions", json={"sign_id": sign["id"], "mode": "landmarks"}, headers=headers)
    assert session.status_code == 201, session.text
    scored = await gateway.post(
        f"/ml/sessions/{session.json()['session_id']}/landmarks",
        json={"frames": b_handshape_frames(), "fps": 15},
        headers=headers,
    )
    assert scored.status_code == 200, scored.text
    result = scored.json()
    assert result["status"] == "scored"
    assert result["passed"] is True, result
    assert result["feedback"], result
    # practice.scored travels to the user service, which credits XP once.
    assert await wait_for_xp(gateway, headers, 1) > 0


async def test_video_upload_is_processed_and_scored(gateway: httpx.AsyncClient) -> None:
    require(FOUR_PHOTOS.is_dir(), f"hand photos not found at {FOUR_PHOTOS}")
    from tests_media import four_fingers_clip

    headers = await learner(gateway)
    sign = await sign_b(gateway)
    session = await gateway.post("/ml/sessions", json={"sign_id": sign["id"], "mode": "video"}, headers=headers)
    assert session.status_code == 201, session.text
    session_id = session.json()["session_id"]
    clip = four_fingers_clip(FOUR_PHOTOS)
    upload = await gateway.post(
        "/content/practice-uploads",
        json={"session_id": session_id, "content_type": "video/mp4", "size": len(clip)},
        headers=headers,
    )
    assert upload.status_code in (200, 201), upload.text
    grant = upload.json()
    put = await gateway.put(grant["upload"]["url"], content=clip, headers=grant["upload"]["headers"])
    assert put.status_code == 200, put.text
    confirm = await gateway.post(f"/content/practice-uploads/{grant['upload_id']}/confirm", headers=headers)
    assert confirm.status_code in (200, 202), confirm.text

    async def finished() -> dict[str, Any] | None:
        body = (await gateway.get(f"/ml/sessions/{session_id}", headers=headers)).json()
        return body if body["status"] in ("scored", "failed") else None

    result = await eventually(finished, timeout=120)
    assert result["status"] == "scored", result
    assert result["score"] is not None
    assert result["feedback"]
