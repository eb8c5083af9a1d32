"""HTTP routes of practice sessions (``/ml/sessions``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from senas.core.auth import CallerToken, CurrentUser
from senas.ml.deps import SessionServiceDep
from senas.ml.sessions.models import PracticeSession
from senas.ml.sessions.schemas import SessionOut, SessionPage, StartSession, SubmitLandmarks
from senas.ml.sessions.service import SessionService

AUTHOR_ROLES = ("teacher", "admin")
router = APIRouter(prefix="/sessions", tags=["practice sessions"])


def _out(service: SessionService, session: PracticeSession) -> SessionOut:
    return SessionOut.from_session(session, max_video_bytes=service.max_video_bytes)


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
async def start_session(
    body: StartSession, user: CurrentUser, token: CallerToken, service: SessionServiceDep
) -> SessionOut:
    """Video mode: the session starts `awaiting_upload`, and its `upload` lists the calls that send the video
    through the content service (create the upload, PUT the file, confirm). Landmarks mode: it starts
    `awaiting_landmarks`; send the device's landmarks to `POST /ml/sessions/{id}/landmarks` for an immediate
    score."""
    # An author may also practise a draft sign (the studio's "try it yourself"): the content service decides, from
    # the author's own token, whether the draft may be read.
    author_token = token if user.has_role(*AUTHOR_ROLES) else None
    return _out(service, await service.start(user.user_id, body, author_token=author_token))


@router.get(
    "", response_model=SessionPage, responses={404: {}}, summary="My practice history for one sign (newest first)"
)
async def my_history(
    user: CurrentUser,
    service: SessionServiceDep,
    sign_id: Annotated[str, Query(min_length=1, max_length=128)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> SessionPage:
    items, next_cursor = await service.history(user.user_id, sign_id, limit=limit, cursor=cursor)
    return SessionPage(items=[_out(service, i) for i in items], cursor=next_cursor)


@router.get("/{session_id}", response_model=SessionOut, summary="One of my sessions: status, score, feedback")
async def get_session(session_id: str, user: CurrentUser, service: SessionServiceDep) -> SessionOut:
    return _out(service, await service.owned(user.user_id, session_id))


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
    """Frames of one hand as MediaPipe gives them on the device (no video leaves it); null where no hand was seen.
    Answers the scored session — or `failed` with `no_hands` when fewer than 3 frames have a hand."""
    return _out(service, await service.submit_landmarks(user.user_id, session_id, body))
