"""The author media flow: ask for a signed upload URL, upload straight to the store, confirm; reference videos
then go to the ML service (``video.uploaded`` on ``video-processing``), which reports back on ``media-status``.

Nothing here commits: the request's (or the queue message's) unit of work does, once the call has returned. So
confirming sends the message before committing: if sending fails the request fails and nothing changed (the
author retries); if the commit failed after sending, the ML service's report for an asset we still consider
``pending_upload`` is accepted all the same (the blob exists — the ML service read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import structlog

from senas.content.catalog.repository import CatalogRepository
from senas.content.context import PRODUCER, ContentPorts
from senas.content.db import new_id, utcnow
from senas.content.media import rules
from senas.content.media.models import FAILED, PENDING_UPLOAD, PROCESSED, UPLOADED, MediaAsset
from senas.content.media.repository import MediaRepository
from senas.content.media.schemas import SignedUploadOut, UploadRequest, UploadTicketOut
from senas.content.ownership import may_change, not_owner
from senas.content.views import Buckets
from senas.contracts.media import MediaFailed, MediaProcessed, TemplateReady, UploadPurpose, VideoUploaded
from senas.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from senas.core.messages import send
from senas.platform import catalog
from senas.platform.blobs import BlobStore
from senas.platform.identity import Principal

log = structlog.get_logger(__name__)


def check_upload(content_type: str, size: int, allowed: dict[str, str], limit: int) -> str:
    """The file extension for an allowed type; 415 for another type, 413 over the limit."""
    kind = rules.base_type(content_type)
    if kind not in allowed:
        raise UnsupportedMediaTypeError(
            f"tipo no admitido / unsupported type {content_type!r}; admitidos / allowed: {', '.join(allowed)}"
        )
    if size > limit:
        raise PayloadTooLargeError(
            f"el archivo supera {limit // rules.MB} MB / the file is over {limit // rules.MB} MB ({size} bytes)"
        )
    return allowed[kind]


async def delete_blobs_quietly(buckets: Buckets, blobs: Sequence[tuple[str, str]]) -> None:
    """After a delete has committed: remove the stored files (a failure leaves an orphan blob, never a row
    pointing at a missing blob)."""
    for bucket, key in blobs:
        try:
            await buckets.bucket(bucket).delete(key)
        except Exception as exc:
            log.warning("blob_delete_failed", bucket=bucket, key=key, error=str(exc))


class StoredFile(Protocol):
    """A row that names an uploaded file (a media asset, a practice upload)."""

    id: str
    bucket: str
    key: str
    content_type: str


async def send_video_uploaded(
    ports: ContentPorts, upload: StoredFile, purpose: UploadPurpose, size: int, **ids: str
) -> None:
    """Hand an uploaded video to the ML service (``video.uploaded`` on ``video-processing``)."""
    message = VideoUploaded(
        upload_id=upload.id,
        purpose=purpose,
        bucket=upload.bucket,
        key=upload.key,
        content_type=upload.content_type,
        size=size,
        **ids,
    )
    await send(ports.video_processing, message.to_envelope(PRODUCER))


class MediaService:
    def __init__(self, session_repo: MediaRepository, catalog_repo: CatalogRepository, ports: ContentPorts) -> None:
        self.repo = session_repo
        self.catalog = catalog_repo
        self.ports = ports

    def _store(self, bucket: str) -> BlobStore:
        return self.ports.bucket(bucket)

    async def asset(self, asset_id: str) -> MediaAsset:
        asset = await self.repo.get(asset_id)
        if asset is None:
            raise NotFoundError(f"recurso no encontrado / asset not found: {asset_id}", code="asset_not_found")
        return asset

    async def request_upload(self, data: UploadRequest, author: Principal) -> UploadTicketOut:
        author_id = author.user_id
        allowed = rules.PURPOSE_TYPES[data.purpose]
        limit = rules.VIDEO_LIMIT if data.purpose == "reference" else rules.IMAGE_LIMIT
        ext = check_upload(data.content_type, data.size, allowed, limit)
        sign = await self.catalog.sign(data.sign_id) if data.sign_id is not None else None
        if sign is not None and not may_change(author, sign.owner_id):
            raise not_owner()
        if data.sign_id is not None and sign is None:
            raise InvalidInputError(
                f"invalid request — sign_id: unknown sign / seña desconocida: {data.sign_id}",
                extra={"fields": [{"field": "sign_id", "message": "unknown sign"}]},
            )
        if data.purpose == "reference" and data.sign_id is None:
            raise InvalidInputError(
                "invalid request — sign_id: a reference video belongs to a sign / "
                "un video de referencia es de una seña",
                extra={"fields": [{"field": "sign_id", "message": "required for reference videos"}]},
            )
        asset_id = new_id()
        key = f"signs/{data.sign_id or 'unassigned'}/{asset_id}.{ext}"
        content_type = rules.base_type(data.content_type)
        signed = await self._store(catalog.CONTENT_ASSETS).signed_upload(
            key, content_type=content_type, max_bytes=data.size, expires_in=rules.UPLOAD_URL_TTL_SECONDS
        )
        self.repo.add(
            MediaAsset(
                id=asset_id,
                bucket=catalog.CONTENT_ASSETS,
                key=key,
                content_type=content_type,
                size=data.size,
                state=PENDING_UPLOAD,
                purpose=data.purpose,
                demo=False,
                sign_id=data.sign_id,
                original_filename=data.filename,
                created_by=author_id,
            )
        )
        return UploadTicketOut(
            asset_id=asset_id,
            upload=SignedUploadOut.model_validate(signed),
        )

    async def confirm(self, asset_id: str, author: Principal) -> MediaAsset:
        asset = await self.repo.get(asset_id, for_update=True)
        if asset is None:
            raise NotFoundError(f"recurso no encontrado / asset not found: {asset_id}", code="asset_not_found")
        if not may_change(author, asset.created_by):  # whoever asked for the upload confirms it (or an admin)
            raise not_owner()
        if asset.state != PENDING_UPLOAD:
            return asset  # confirming twice is harmless: the message went out the first time
        info = await self._store(asset.bucket).head(asset.key)
        if info is None:
            raise ConflictError(
                "aún no se ha subido el archivo / the file has not been uploaded yet", code="upload_missing"
            )
        if info.size != asset.size or rules.base_type(info.content_type) != asset.content_type:
            raise ConflictError(
                f"el archivo no coincide con lo anunciado / the upload does not match what was announced "
                f"(expected {asset.size} bytes of {asset.content_type}, got {info.size} bytes of {info.content_type})",
                code="upload_mismatch",
            )
        asset.state = UPLOADED
        asset.checksum = info.etag
        asset.status_at = utcnow()
        sign = await self.catalog.sign(asset.sign_id) if asset.sign_id else None
        if sign is not None:
            if asset.purpose == "reference":
                sign.reference_asset_id = asset.id
                sign.template_status = "pending"
            else:
                sign.image_asset_id = asset.id
            await self.catalog.bump_revision()
        # Written now (the answer shows the new row; a failing write stops here, before the message goes out).
        await self.repo.flush()
        if asset.purpose == "reference" and sign is not None:
            language = await self.catalog.language(sign.language_id)
            names = {"language": language.code, "slug": sign.slug, "gloss": sign.gloss} if language else {}
            await send_video_uploaded(
                self.ports, asset, "reference", info.size, sign_id=sign.id, asset_id=asset.id, **names
            )
        return asset

    # -- reports from the ML service -----------------------------------------------------------------------

    def _stale(self, asset: MediaAsset, occurred_at: datetime) -> bool:
        return asset.status_at is not None and occurred_at < asset.status_at

    async def mark_processed(self, report: MediaProcessed, occurred_at: datetime) -> bool:
        """Idempotent: a repeated or out-of-date report changes nothing. Returns whether anything changed."""
        asset = await self.repo.get(report.asset_id, for_update=True)
        if asset is None:
            log.warning("media_report_for_unknown_asset", asset_id=report.asset_id)
            return False
        if self._stale(asset, occurred_at) or (asset.state == PROCESSED and asset.status_at == occurred_at):
            return False
        asset.state = PROCESSED
        asset.failure_reason_es = asset.failure_reason_en = None
        asset.status_at = occurred_at
        sign = await self.catalog.sign(report.sign_id)
        if sign is not None and sign.reference_asset_id == asset.id:
            sign.template_status = "ready"
            sign.template_key = report.template_key
            sign.template_version = report.template_version
        await self.catalog.bump_revision()
        return True

    async def mark_template_ready(self, report: TemplateReady) -> bool | None:
        """A template built without an upload (the demo course's): the sign becomes practisable unless an
        author's reference video (not a demo animation) owns its template. None when the sign is unknown (not
        imported yet)."""
        language = await self.catalog.language_by_code(report.language)
        sign = await self.catalog.sign_by_slug(language.id, report.slug) if language is not None else None
        if sign is None:
            return None
        reference = await self.repo.get(sign.reference_asset_id) if sign.reference_asset_id else None
        owned_by_upload = reference is not None and not reference.demo
        if owned_by_upload or (
            sign.template_status == "ready" and sign.template_version == str(report.template_version)
        ):
            return False
        sign.template_status = "ready"
        sign.template_key = report.template_key
        sign.template_version = str(report.template_version)
        await self.catalog.bump_revision()
        return True

    async def mark_failed(self, report: MediaFailed, occurred_at: datetime) -> bool:
        asset = await self.repo.get(report.asset_id, for_update=True)
        if asset is None:
            log.warning("media_report_for_unknown_asset", asset_id=report.asset_id)
            return False
        if self._stale(asset, occurred_at) or (asset.state == FAILED and asset.status_at == occurred_at):
            return False
        asset.state = FAILED
        asset.failure_reason_es = report.reason_es
        asset.failure_reason_en = report.reason_en
        asset.status_at = occurred_at
        sign = await self.catalog.sign(asset.sign_id) if asset.sign_id else None
        if sign is not None and sign.reference_asset_id == asset.id:
            sign.template_status = "failed"
        await self.catalog.bump_revision()
        return True
