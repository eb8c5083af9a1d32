"""Consumer of ``video-processing`` (``video.uploaded``): a learner's practice attempt or an author's reference
video → landmarks. Practice: artefact to the processed store, then ``landmarks.extracted`` on ``ml-inference``.
Reference: the sign's new template, then ``media.processed`` / ``media.failed`` on ``media-status``.

Idempotent: a session already past processing, or a reference asset already processed, is not done again.
Bad videos fail at once with the reason (retrying cannot fix them); unexpected errors are retried, and on the
last attempt the session is failed with a reason before the message goes to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

import structlog

from senas.contracts.content_api import SignRef
from senas.contracts.media import MediaFailed, MediaProcessed, VideoUploaded
from senas.core.consumer import Delivery, Handler
from senas.core.errors import NotFoundError
from senas.core.messages import Envelope, send
from senas.ml.context import PRODUCER, MlContext
from senas.ml.landmarks import artefact
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.messages import LandmarksExtracted
from senas.ml.recognition.features import features_from_hands
from senas.ml.recognition.normalise import canonical_hands
from senas.ml.recognition.scorer import MIN_HAND_FRAMES
from senas.ml.sessions.service import SessionService
from senas.ml.video.decode import VideoRejected, check_upload
from senas.ml.video.pipeline import extract_landmarks, limits_of

log = structlog.get_logger(__name__)

NO_HANDS = ("No se ve ninguna mano en el vídeo.", "No hand is visible in the video.")
GAVE_UP = (
    "No pudimos procesar el vídeo tras varios intentos. Inténtalo de nuevo más tarde.",
    "We could not process the video after several attempts. Please try again later.",
)


class VideoWorker:
    def __init__(self, context: MlContext) -> None:
        self.context = context
        self.ports = context.ports
        self.runtime = context.runtime
        self.sessions = SessionService(context)

    def handlers(self) -> Mapping[str, Handler]:
        return {VideoUploaded.TYPE: self.handle}

    async def handle(self, envelope: Envelope, delivery: Delivery) -> None:
        message = VideoUploaded.from_envelope(envelope)
        await self.runtime.ensure_loaded()
        if message.purpose == "practice":
            await self.practice(message, delivery)
        else:
            await self.reference(message, delivery)

    async def _track(self, message: VideoUploaded) -> HandTrack:
        """Fetch and turn the video into landmarks; raises VideoRejected for a video that cannot be used."""
        limits = limits_of(self.runtime.ml)
        check_upload(message.content_type, message.size, limits)
        store = self.ports.bucket(message.bucket)
        info = await store.head(message.key)
        if info is None:
            raise VideoRejected("missing", "El vídeo no llegó a subirse.", "The video never finished uploading.")
        check_upload(message.content_type, info.size, limits)
        data = await store.get(message.key)
        extractor = self.runtime.require_extractor()
        async with self.runtime.video_slots:
            return await asyncio.to_thread(extract_landmarks, data, extractor, limits)

    async def practice(self, message: VideoUploaded, delivery: Delivery) -> None:
        assert message.session_id is not None
        assert message.user_id is not None
        repo = self.sessions.repo
        session = await repo.get(message.session_id)
        if session is None or session.user_id != message.user_id or session.mode != "video":
            log.warning("practice_upload_ignored", session_id=message.session_id, reason="no such video session")
            return
        if session.finished:
            return  # a redelivery of a message already handled
        # A concurrent delivery that got there first makes these raise StaleSession: the message is retried and
        # then sees what that delivery did.
        if session.status == "awaiting_upload":
            session = await self.sessions.transition(session, "queued", upload_key=message.key)
        if session.status == "queued":
            session = await self.sessions.transition(session, "processing")
        try:
            track = await self._track(message)
            if track.frames_with_hand < MIN_HAND_FRAMES:
                await self.sessions.fail(session, *NO_HANDS, "no_hands")
                return
            key = artefact.artefact_key(message.session_id)
            await self.ports.processed.put(
                key,
                artefact.dump(
                    track,
                    source_bucket=message.bucket,
                    source_key=message.key,
                    hand_model=self.runtime.hand_model.version if self.runtime.hand_model else None,
                    pose_model=self.runtime.pose_model.version if self.runtime.pose_model else None,
                ),
                content_type="application/x-npz",
            )
            session = await repo.save(session.model_copy(update={"artefact_key": key}))
            extracted = LandmarksExtracted(
                session_id=message.session_id,
                user_id=message.user_id,
                artefact_key=key,
                frames=track.frames,
                frames_with_hand=track.frames_with_hand,
            )
            await send(self.ports.ml_inference, extracted.to_envelope(PRODUCER))
        except VideoRejected as rejected:
            await self.sessions.fail(session, rejected.reason_es, rejected.reason_en, rejected.code)
        except Exception:
            if delivery.is_last_attempt:
                fresh = await repo.get(message.session_id) or session
                await self.sessions.fail(fresh, *GAVE_UP, "processing_failed")
            raise

    async def reference(self, message: VideoUploaded, delivery: Delivery) -> None:
        assert message.asset_id is not None
        assert message.sign_id is not None
        repo = self.sessions.repo
        status_queue = self.ports.media_status
        done = await repo.reference(message.asset_id)
        if done is not None:
            # Already handled: say it again (content dedupes) in case the first answer was lost.
            await send(status_queue, _status_message(message.asset_id, message.sign_id, done))
            return
        try:
            track = await self._track(message)
            hands = canonical_hands(track, "right")
            if hands.count < MIN_HAND_FRAMES:
                raise VideoRejected("no_hands", *NO_HANDS)
            sign = await self._reference_sign(message)
            features = features_from_hands(hands, track.aspect, body=track.body, body_present=track.body_present)
            await self.ports.processed.put(
                artefact.artefact_key(f"reference-{message.asset_id}"),
                artefact.dump(
                    track,
                    source_bucket=message.bucket,
                    source_key=message.key,
                    pose_model=self.runtime.pose_model.version if self.runtime.pose_model else None,
                ),
                content_type="application/x-npz",
            )
            entry = await self.runtime.templates.save(
                language=sign.language,
                slug=sign.slug,
                gloss=sign.gloss,
                features=features,
                source=f"reference video, media asset {message.asset_id}",
                sign_id=sign.id,
            )
            await self.runtime.reload_templates()
            record = {"outcome": "processed", "template_key": entry.blob_key, "template_version": str(entry.version)}
        except VideoRejected as rejected:
            record = {"outcome": "failed", "reason_es": rejected.reason_es, "reason_en": rejected.reason_en}
        except Exception:
            if not delivery.is_last_attempt:
                raise
            record = {"outcome": "failed", "reason_es": GAVE_UP[0], "reason_en": GAVE_UP[1]}
        record["recorded_at"] = datetime.now(UTC).isoformat()
        await repo.record_reference(message.asset_id, record)
        await send(status_queue, _status_message(message.asset_id, message.sign_id, record))

    async def _reference_sign(self, message: VideoUploaded) -> SignRef:
        """The sign the message names (a draft is readable nowhere else); an older message without names is
        looked up among the published signs."""
        assert message.sign_id is not None
        if message.language and message.slug and message.gloss:
            return SignRef(id=message.sign_id, language=message.language, slug=message.slug, gloss=message.gloss)
        sign = await self.context.content.sign(message.sign_id)
        if sign is None:
            raise NotFoundError("esa seña no existe / no such sign", code="sign_not_found")
        return sign


def _status_message(asset_id: str, sign_id: str, record: dict[str, str]) -> Envelope:
    if record["outcome"] == "processed":
        return MediaProcessed(
            asset_id=asset_id,
            sign_id=sign_id,
            template_key=record["template_key"],
            template_version=record["template_version"],
        ).to_envelope(PRODUCER)
    return MediaFailed(asset_id=asset_id, reason_es=record["reason_es"], reason_en=record["reason_en"]).to_envelope(
        PRODUCER
    )
