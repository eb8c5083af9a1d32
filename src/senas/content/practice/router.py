"""Learner practice uploads (any signed-in user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from senas.content.deps import SessionDep
from senas.content.practice.repository import PracticeRepository
from senas.content.practice.schemas import PracticeTicketOut, PracticeUploadOut, PracticeUploadRequest
from senas.content.practice.service import PracticeService
from senas.core.auth import CurrentUser
from senas.core.deps import PlatformDep

router = APIRouter(prefix="/practice-uploads", tags=["practice"])


async def get_practice_service(session: SessionDep, platform: PlatformDep) -> PracticeService:
    return PracticeService(PracticeRepository(session), platform)


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
    responses=_ERRORS,
    summary="Ask for a signed URL to upload a practice video for a practice session",
)
async def request_practice_upload(
    data: PracticeUploadRequest, user: CurrentUser, practice: PracticeServiceDep
) -> PracticeTicketOut:
    return await practice.request_upload(user, data)


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
