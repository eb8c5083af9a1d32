"""The real ML service beside the content app in content tests: registered in process (as `senas up` does), with
practice sessions written straight into its AiSessions table, so the content service's ownership check talks to
the real ``GET /ml/sessions/{id}`` without the ML models being loaded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI

from senas.ml import bootstrap as ml_bootstrap
from senas.ml.app import create_app as create_ml_app
from senas.ml.sessions.models import PracticeSession
from senas.ml.sessions.repository import SessionRepository
from senas.platform import catalog
from senas.wiring import Platform


def serve_ml(platform: Platform) -> FastAPI:
    """Route the platform's calls to the ML service to a real ML app in this process."""
    app = create_ml_app(ml_bootstrap.build(platform), run_consumers=False)
    platform.services.register_in_process("ml", app)
    return app


async def practice_session(
    platform: Platform,
    user_id: str,
    *,
    session_id: str | None = None,
    mode: str = "video",
    status: str = "awaiting_upload",
) -> str:
    """A practice session of ``user_id`` as the ML service stores it; its id."""
    stamp = datetime.now(UTC).isoformat()
    session = PracticeSession(
        session_id=session_id or uuid.uuid4().hex,
        user_id=user_id,
        sign_id="sign-hola",
        sign_key="lse/hola",
        gloss="HOLA",
        language="lse",
        mode=mode,  # type: ignore[arg-type]
        dominant_hand="right",
        status=status,  # type: ignore[arg-type]
        created_at=stamp,
        updated_at=stamp,
        timings={"created_at": stamp},
    )
    table = platform.tables.table(platform.settings.table_name(catalog.AI_SESSIONS))
    await SessionRepository(table).create(session)
    return session.session_id
