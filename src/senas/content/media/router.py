"""Author media routes: signed upload URL → PUT the file → confirm → (reference videos) ML processing.

Each request is one transaction, committed by its unit of work (``deps.UnitOfWorkDep``) once the route has
returned; ``MediaService`` never commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from senas.content.catalog.repository import CatalogRepository
from senas.content.deps import PortsDep, UnitOfWorkDep
from senas.content.media.models import MediaAsset
from senas.content.media.repository import MediaRepository
from senas.content.media.schemas import AssetOut, UploadRequest, UploadTicketOut
from senas.content.media.service import MediaService
from senas.core.auth import Author

router = APIRouter(prefix="/author/media", tags=["media"])


async def get_media_service(work: UnitOfWorkDep, ports: PortsDep) -> MediaService:
    return MediaService(MediaRepository(work.session), CatalogRepository(work.session), ports)


MediaServiceDep = Annotated[MediaService, Depends(get_media_service)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a teacher or admin"},
    413: {"description": "Declared size over the limit (video 50 MB, image 5 MB)"},
    415: {"description": "Content type not allowed"},
    422: {"description": "Invalid payload; the field is named"},
}

_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _ERRORS[401],
    403: _ERRORS[403],
    404: {"description": "Unknown asset"},
}


@router.post(
    "/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadTicketOut,
    responses=_ERRORS,
    summary="Ask for a signed upload URL (video/mp4, video/webm ≤ 50 MB; image/png, jpeg, webp ≤ 5 MB)",
)
async def request_upload(data: UploadRequest, user: Author, media: MediaServiceDep) -> UploadTicketOut:
    return await media.request_upload(data, user)


# Asset ids are UUIDs (``db.new_id``): the path says so, so that ``/uploads`` is not also read as an asset id (an
# OPTIONS or GET there named the asset lookup among its methods).
@router.post(
    "/{asset_id:uuid}/confirm",
    response_model=AssetOut,
    responses={**_ERRORS, 404: {"description": "Unknown asset"}, 409: {"description": "Not uploaded / mismatch"}},
    summary="Confirm an upload: the asset becomes `uploaded`; reference videos go to processing",
)
async def confirm_upload(asset_id: uuid.UUID, user: Author, media: MediaServiceDep) -> MediaAsset:
    return await media.confirm(str(asset_id), user)


@router.get(
    "/{asset_id:uuid}",
    response_model=AssetOut,
    responses=_READ_ERRORS,
    summary="An asset with its state (and failure reason)",
)
async def get_asset(asset_id: uuid.UUID, _: Author, media: MediaServiceDep) -> MediaAsset:
    return await media.asset(str(asset_id))
