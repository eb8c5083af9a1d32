"""What one learner may upload for practice in 24 hours is bounded (each upload is a video the ML service
decodes): over the count or the bytes, 429 with Retry-After and `{error, detail}`, nothing signed — and other
learners are not affected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ml_sessions_support import practice_session, serve_ml

from senas.content import bootstrap
from senas.content.app import create_app
from senas.content.settings import ContentSettings
from senas.wiring import Platform


@pytest.fixture
async def limited(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    config = ContentSettings(seed_demo=False, practice_uploads_per_day=3, practice_bytes_per_day=10_000)
    app = create_app(bootstrap.build(platform, config=config), run_consumers=False)
    serve_ml(platform)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://c") as client:
        yield client


async def ask(client: httpx.AsyncClient, platform: Platform, headers: dict[str, str], user: str, size: int) -> Any:
    session_id = await practice_session(platform, user)
    payload = {"session_id": session_id, "content_type": "video/webm", "size": size}
    return await client.post("/content/practice-uploads", json=payload, headers=headers)


async def test_a_learner_over_the_daily_count_is_told_when_to_come_back(
    limited: httpx.AsyncClient, platform: Platform, mint_token: Any
) -> None:
    learner = {"Authorization": f"Bearer {mint_token('learner-1')}"}
    for _ in range(3):
        assert (await ask(limited, platform, learner, "learner-1", 1000)).status_code == 201
    refused = await ask(limited, platform, learner, "learner-1", 1000)
    assert refused.status_code == 429
    assert refused.json()["error"] == "daily_quota"
    assert "límite diario" in refused.json()["detail"]
    assert 0 < int(refused.headers["retry-after"]) <= 86_400
    other = {"Authorization": f"Bearer {mint_token('learner-2')}"}
    assert (await ask(limited, platform, other, "learner-2", 1000)).status_code == 201


async def test_a_learner_over_the_daily_bytes_is_refused(
    limited: httpx.AsyncClient, platform: Platform, mint_token: Any
) -> None:
    learner = {"Authorization": f"Bearer {mint_token('learner-3')}"}
    assert (await ask(limited, platform, learner, "learner-3", 6000)).status_code == 201
    refused = await ask(limited, platform, learner, "learner-3", 6000)
    assert refused.status_code == 429
    assert refused.json()["error"] == "daily_quota"
