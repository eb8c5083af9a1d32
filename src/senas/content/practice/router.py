"""Learner practice uploads (any signed-in user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from senas.content.deps import ContextDep, UnitOfWorkDep
from senas.content.practice.repository import PracticeRepository
from senas.content.practice.schemas import PracticeTicketOut, PracticeUploadOut, PracticeUploadRequest
from senas.content.practice.service import DailyQuota, PracticeService
from senas.content.practice.sessions import PracticeSessions
from senas.core.auth import CallerToken, CurrentUser

router = APIRouter(prefix="/practice-uploads", tags=["practice"])


async def get_practice_sessions(context: ContextDep) -> PracticeSessions:
    return context.practice_sessions


PracticeSessionsDep = Annotated[PracticeSessions, Depends(get_practice_sessions)]


async def get_practice_service(
    work: UnitOfWorkDep, context: ContextDep, sessions: PracticeSessionsDep
) -> PracticeService:
    quota = DailyQuota(context.config.practice_uploads_per_day, context.config.practice_bytes_per_day)
    return PracticeService(PracticeRepository(work.session), context.ports, sessions, quota)


PracticeServiceDep = Annotated[PracticeService, Depends(get_practice_service)]


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    413: {"description": "Over 50 MB"},
    415: {"description": "Not video/webm or video/mp4"},
    422: {"description": "Invalid payload; the field is named"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PracticeTicketOut,
    responses={
        **_ERRORS,
        404: {"description": "No such practice session of the caller's (someone else's looks the same)"},
        409: {"description": "The session is not in video mode, or no longer awaits its upload"},
        429: {"description": "Over the learner's practice uploads of the last 24 hours (Retry-After)"},
        503: {"description": "The ML service could not be asked about the session"},
    },
    summary="Ask for a signed URL to upload a practice video for a practice session",
)
async def request_practice_upload(
    data: PracticeUploadRequest, user: CurrentUser, token: CallerToken, practice: PracticeServiceDep
) -> PracticeTicketOut:
    return await practice.request_upload(user, data, token)


@router.post(
    "/{upload_id}/confirm",
    response_model=PracticeUploadOut,
    responses={**_ERRORS, 403: {"description": "Not the owner"}, 409: {"description": "Not uploaded / mismatch"}},
    summary="Confirm the upload: the video goes to the ML service for scoring",
)
async def confirm_practice_upload(upload_id: str, user: CurrentUser, practice: PracticeServiceDep) -> PracticeUploadOut:
    upload = await practice.confirm(user, upload_id)
    return PracticeUploadOut(
        upload_id=upload.id,
        session_id=upload.session_id,
        state=upload.state,
        size=upload.size,
        content_type=upload.content_type,
    )
