"""HTTP routes of practice sessions (``/ml/sessions``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from senas.core.auth import CurrentUser
from senas.ml.deps import SessionServiceDep
from senas.ml.sessions.schemas import SessionOut, SessionPage, StartSession, SubmitLandmarks

router = APIRouter(prefix="/sessions", tags=["practice sessions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOut,
    responses={
        404: {"description": "No such sign (`sign_not_found`)"},
        409: {"description": "The sign has no reference to practise with yet (`no_template`)"},
    },
    summary="Start a practice session",
)
async def start_session(body: StartSession, user: CurrentUser, service: SessionServiceDep) -> SessionOut:
    """Video mode: the session waits for the upload through ``POST /content/practice-uploads``. Landmarks mode:
    send the device's landmarks to ``POST /ml/sessions/{id}/landmarks`` for an immediate score."""
    return SessionOut.from_session(await service.start(user.user_id, body))


@router.get(
    "", response_model=SessionPage, responses={404: {}}, summary="My practice history for one sign (newest first)"
)
async def my_history(
    user: CurrentUser,
    service: SessionServiceDep,
    sign_id: Annotated[str, Query(min_length=1, max_length=128)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> SessionPage:
    items, next_cursor = await service.history(user.user_id, sign_id, limit=limit, cursor=cursor)
    return SessionPage(items=[SessionOut.from_session(i) for i in items], cursor=next_cursor)


@router.get("/{session_id}", response_model=SessionOut, summary="One of my sessions: status, score, feedback")
async def get_session(session_id: str, user: CurrentUser, service: SessionServiceDep) -> SessionOut:
    return SessionOut.from_session(await service.owned(user.user_id, session_id))


@router.post(
    "/{session_id}/landmarks",
    response_model=SessionOut,
    responses={
        409: {"description": "The session takes a video (`wrong_mode`), or is finished (`session_finished`)"},
    },
    summary="Score landmarks computed on the device",
)
async def submit_landmarks(
    session_id: str, body: SubmitLandmarks, user: CurrentUser, service: SessionServiceDep
) -> SessionOut:
    return SessionOut.from_session(await service.submit_landmarks(user.user_id, session_id, body))
