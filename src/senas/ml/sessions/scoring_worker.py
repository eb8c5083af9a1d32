"""Consumer of ``ml-inference`` (``landmarks.extracted``): score a practice session from its landmark artefact.

Idempotent on the session: a session already scored is not scored again (a redelivery only re-sends
``practice.scored`` if that had not been recorded as sent); the write of the score is conditional on the
session's version."""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope
from senas.ml.context import MlContext
from senas.ml.landmarks import artefact
from senas.ml.messages import LandmarksExtracted
from senas.ml.sessions.service import SessionService
from senas.platform.errors import NotFound

log = structlog.get_logger(__name__)

GAVE_UP = (
    "No pudimos puntuar el intento tras varios intentos. Inténtalo de nuevo más tarde.",
    "We could not score the attempt after several tries. Please try again later.",
)
LOST = (
    "Los datos del vídeo se perdieron. Graba la seña de nuevo.",
    "The video's data were lost. Please record the sign again.",
)


class InferenceWorker:
    def __init__(self, context: MlContext) -> None:
        self.processed = context.ports.processed
        self.sessions = SessionService(context)

    def handlers(self) -> Mapping[str, Handler]:
        return {LandmarksExtracted.TYPE: self.handle}

    async def handle(self, envelope: Envelope, delivery: Delivery) -> None:
        message = LandmarksExtracted.from_envelope(envelope)
        repo = self.sessions.repo
        session = await repo.get(message.session_id)
        if session is None or session.user_id != message.user_id:
            log.warning("inference_for_unknown_session", session_id=message.session_id)
            return
        if session.status == "scored":
            await self.sessions.announce(session)
            return
        if session.status != "processing":
            return
        try:
            try:
                raw = await self.processed.get(message.artefact_key)
            except NotFound:
                await self.sessions.fail(session, *LOST, "artefact_missing")
                return
            track, _ = artefact.load(raw)
            await self.sessions.score_and_store(session, track)
        except Exception:
            if delivery.is_last_attempt:
                fresh = await repo.get(message.session_id) or session
                await self.sessions.fail(fresh, *GAVE_UP, "scoring_failed")
            raise
