"""Fixtures of the ML tests: an ml-models store prepared once per test session by the embedded start-up (hand and
pose models registered, the packaged fingerspelling classifier and handshape metric registered, demo templates
built from the packaged poses — no dataset needed) and copied into each test's data directory; a real HTTP-shaped
stand-in for the content service's sign and lesson routes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from ml_media import require

from senas.core.settings import load_settings
from senas.ml import bootstrap
from senas.ml.bootstrap import MlRoot
from senas.ml.context import MlContext
from senas.ml.runtime import MlRuntime
from senas.wiring import Platform, build_platform

SIGNS = {
    f"sign-{c}": {"id": f"sign-{c}", "gloss": c.upper(), "slug": f"letra-{c}", "language": "ase"}
    for c in "abcdefghijklmnopqrstuvwxyz"
}
LESSONS = {
    "lesson-1": {
        "id": "lesson-1",
        "level_id": "level-1",
        "language": "ase",
        "signs": [SIGNS[f"sign-{c}"] for c in "abfw"],
    },
}


def content_stub() -> FastAPI:
    app = FastAPI()

    @app.get("/content/signs/{sign_id}")
    async def sign(sign_id: str) -> dict[str, str]:
        if sign_id not in SIGNS:
            raise HTTPException(404, "no such sign")
        return SIGNS[sign_id]

    @app.get("/content/lessons/{lesson_id}")
    async def lesson(lesson_id: str) -> dict[str, object]:
        if lesson_id not in LESSONS:
            raise HTTPException(404, "no such lesson")
        return LESSONS[lesson_id]

    return app


@pytest.fixture(scope="session")
def prepared_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blobs folder of an ml-models store filled by the embedded start-up (once per test session)."""
    from senas.ml.registry.hand_model import bundled_hand_model

    try:
        bundled_hand_model()
    except FileNotFoundError as exc:
        require(False, str(exc))
    settings = load_settings(data_dir=tmp_path_factory.mktemp("ml-prepared"), log_json=False)

    async def prepare() -> None:
        platform = build_platform(settings)
        runtime = bootstrap.build(platform).context.runtime
        try:
            await runtime.start()
            assert not runtime.problems, runtime.problems
        finally:
            runtime.close()
            await platform.close()

    asyncio.run(prepare())
    return settings.state_dir / "blobs" / "ml-models"


@pytest.fixture
def ml_platform(platform: Platform, prepared_models: Path) -> Platform:
    shutil.copytree(prepared_models, platform.settings.state_dir / "blobs" / "ml-models")
    platform.services.register_in_process("content", content_stub())
    return platform


@pytest.fixture
def ml_root(ml_platform: Platform) -> Iterator[MlRoot]:
    """The ML service's composition root on the prepared platform (models loaded on first use)."""
    root = bootstrap.build(ml_platform)
    yield root
    root.context.runtime.close()


@pytest.fixture
def ml_context(ml_root: MlRoot) -> MlContext:
    return ml_root.context


@pytest.fixture
def runtime(ml_context: MlContext) -> MlRuntime:
    return ml_context.runtime
