"""Learners' practice uploads: a signed URL into ``user-uploads`` at ``practice/<user>/<session>/<id>.<ext>``,
confirmed by its owner, then a ``video.uploaded`` message (purpose ``practice``) for the ML service.

The ML service owns the practice session: before signing a URL the content service asks it whether the session is
the caller's, in video mode and awaiting its upload (``PracticeSessions``), so nobody can attach a video to
another learner's session. The ML worker still refuses a video whose session is not the uploader's (defence in
depth: the session could change between the two). Nothing here commits: the request's (or the queue message's)
unit of work does once the call has returned, so the upload message goes out before the commit, as for authors'
media (``media/service.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from senas.content.context import ContentPorts
from senas.content.db import new_id, utcnow
from senas.content.media import rules
from senas.content.media.schemas import SignedUploadOut
from senas.content.media.service import check_upload, send_video_uploaded
from senas.content.practice.models import PracticeUpload
from senas.content.practice.repository import PracticeRepository
from senas.content.practice.schemas import PracticeTicketOut, PracticeUploadRequest
from senas.content.practice.sessions import PracticeSessions
from senas.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, TooManyRequestsError
from senas.platform import catalog
from senas.platform.identity import Principal

DAY = timedelta(days=1)
_SAFE_KEY_PART = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


@dataclass(frozen=True)
class DailyQuota:
    uploads: int
    bytes: int


class PracticeService:
    def __init__(
        self,
        repository: PracticeRepository,
        ports: ContentPorts,
        sessions: PracticeSessions,
        quota: DailyQuota = DailyQuota(uploads=120, bytes=1024**3),
    ) -> None:
        self.repo = repository
        self.ports = ports
        self.sessions = sessions
        self.store = ports.uploads
        self.quota = quota

    async def _check_quota(self, user_id: str, size: int) -> None:
        """Over the last 24 hours: 429 with the seconds until the oldest upload of the window leaves it."""
        now = utcnow()
        count, stored, oldest = await self.repo.since(user_id, now - DAY)
        if count + 1 <= self.quota.uploads and stored + size <= self.quota.bytes:
            return
        retry_after = max(1, int(((oldest or now) + DAY - now).total_seconds()))
        raise TooManyRequestsError(
            f"has alcanzado el límite diario de prácticas en vídeo ({self.quota.uploads} vídeos, "
            f"{self.quota.bytes // 2**20} MB); vuelve a intentarlo más tarde / you have reached the daily limit "
            f"of practice videos ({self.quota.uploads} videos, {self.quota.bytes // 2**20} MB); try again later",
            code="daily_quota",
            headers={"Retry-After": str(retry_after)},
        )

    async def request_upload(
        self, user: Principal, data: PracticeUploadRequest, access_token: str
    ) -> PracticeTicketOut:
        """``access_token`` is the caller's own, passed on to the ML service to read the session as them."""
        ext = check_upload(data.content_type, data.size, rules.VIDEO_TYPES, rules.VIDEO_LIMIT)
        if not _SAFE_KEY_PART.fullmatch(user.user_id):
            raise InvalidInputError("this account id cannot name an upload / id de cuenta no válido")
        await self._check_quota(user.user_id, data.size)
        # After the local checks (cheap, and they need no other service), before anything is signed or stored.
        await self.sessions.check_awaits_video(data.session_id, access_token)
        upload_id = new_id()
        key = f"practice/{user.user_id}/{data.session_id}/{upload_id}.{ext}"
        content_type = rules.base_type(data.content_type)
        signed = await self.store.signed_upload(
            key, content_type=content_type, max_bytes=data.size, expires_in=rules.UPLOAD_URL_TTL_SECONDS
        )
        self.repo.add(
            PracticeUpload(
                id=upload_id,
                user_id=user.user_id,
                session_id=data.session_id,
                bucket=catalog.USER_UPLOADS,
                key=key,
                content_type=content_type,
                size=data.size,
                state="pending_upload",
            )
        )
        return PracticeTicketOut(
            upload_id=upload_id,
            session_id=data.session_id,
            upload=SignedUploadOut.model_validate(signed),
        )

    async def confirm(self, user: Principal, upload_id: str) -> PracticeUpload:
        upload = await self.repo.get(upload_id)
        if upload is None:
            raise NotFoundError(f"subida no encontrada / upload not found: {upload_id}", code="upload_not_found")
        if upload.user_id != user.user_id:
            raise ForbiddenError("esta subida no es tuya / this upload is not yours", code="not_owner")
        if upload.state == "uploaded":
            return upload
        info = await self.store.head(upload.key)
        if info is None:
            raise ConflictError(
                "aún no se ha subido el video / the video has not been uploaded yet", code="upload_missing"
            )
        if info.size != upload.size or rules.base_type(info.content_type) != upload.content_type:
            raise ConflictError(
                "el video no coincide con lo anunciado / the upload does not match what was announced",
                code="upload_mismatch",
            )
        upload.state = "uploaded"
        upload.checksum = info.etag
        await send_video_uploaded(
            self.ports, upload, "practice", info.size, session_id=upload.session_id, user_id=upload.user_id
        )
        return upload

    async def delete_user_uploads(self, user_id: str) -> int:
        """Deletes every practice video of the user (blob first, then the row; idempotent)."""
        uploads = await self.repo.of_user(user_id)
        for upload in uploads:
            await self.ports.bucket(upload.bucket).delete(upload.key)
        await self.repo.delete_ids([upload.id for upload in uploads])
        return len(uploads)
