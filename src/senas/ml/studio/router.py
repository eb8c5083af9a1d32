"""``GET /ml/author/references/{asset_id}/landmarks`` · ``POST /ml/author/signs/{sign_id}/calibrate`` (authors) ·
``GET /ml/sessions/{session_id}/overlay`` (the session's owner). HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from senas.core.auth import Author, CallerToken, CurrentUser
from senas.ml.deps import ContextDep, SessionServiceDep
from senas.ml.studio.schemas import CalibrationOut, LandmarksOut, OverlayOut
from senas.ml.studio.service import StudioService

router = APIRouter(tags=["studio"])


async def get_studio(context: ContextDep) -> StudioService:
    return StudioService(context)


StudioDep = Annotated[StudioService, Depends(get_studio)]
# Ids name blobs and other services' paths: only the characters ids are made of.
IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@router.get(
    "/author/references/{asset_id}/landmarks",
    response_model=LandmarksOut,
    responses={404: {"description": "No landmarks for that asset (not processed, or failed)"}},
    summary="What the system saw in a reference video, frame by frame (authors)",
)
async def reference_landmarks(asset_id: IdPath, _: Author, studio: StudioDep) -> LandmarksOut:
    return await studio.reference_landmarks(asset_id)


@router.post(
    "/author/signs/{sign_id}/calibrate",
    response_model=CalibrationOut,
    responses={
        403: {"description": "Not a teacher or admin, or not allowed to change this sign (`not_owner`)"},
        404: {"description": "No such sign"},
        409: {"description": "The sign has no template yet (`no_template`)"},
    },
    summary="Measure and store the sign's pass threshold (`senas ml templates calibrate`, one sign)",
)
async def calibrate(sign_id: IdPath, _: Author, token: CallerToken, studio: StudioDep) -> CalibrationOut:
    return await studio.calibrate(sign_id, token)


@router.get(
    "/sessions/{session_id}/overlay",
    response_model=OverlayOut,
    responses={404: {"description": "No such session of yours"}},
    summary="Landmarks of my attempt and of the sign's reference, and what to fix (the result's overlay)",
)
async def overlay(session_id: str, user: CurrentUser, sessions: SessionServiceDep, studio: StudioDep) -> OverlayOut:
    return await studio.overlay(await sessions.owned(user.user_id, session_id))
