"""Practice sessions: start, read, score (synchronously from device landmarks, or from the video pipeline),
fail with a reason the learner understands, and tell the user service once a session is scored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
import structlog

from senas.contracts.content_api import ContentUnavailable, SignRef
from senas.contracts.progress import PracticeScored
from senas.core.errors import ConflictError, NotFoundError, ServiceUnavailableError
from senas.core.messages import send
from senas.ml.context import PRODUCER, MlContext
from senas.ml.landmarks import artefact
from senas.ml.landmarks.sequence import BODY, BODY_POINTS, LEFT, NO_HAND, RIGHT, HandTrack
from senas.ml.recognition.handedness import HandednessCheck, Side, check_handedness
from senas.ml.recognition.scorer import MIN_HAND_FRAMES, ScoringError, attempt_from_track
from senas.ml.recognition.scoring_api import ScoreRequest
from senas.ml.recognition.templates import sign_key
from senas.ml.sessions.models import PracticeSession, Status
from senas.ml.sessions.repository import SessionRepository, StaleSession
from senas.ml.sessions.schemas import StartSession, SubmitLandmarks
from senas.platform.errors import InvalidRequest

log = structlog.get_logger(__name__)

NO_HAND_IN_VIDEO = ("No se ve ninguna mano en el vídeo.", "No hand is visible in the video.")
NO_HAND_IN_LANDMARKS = (
    f"No hay ninguna mano en los puntos enviados (hacen falta al menos {MIN_HAND_FRAMES} fotogramas con la mano).",
    f"No hand in the landmarks (at least {MIN_HAND_FRAMES} frames with a hand are needed).",
)


def now() -> str:
    return datetime.now(UTC).isoformat()


def _sign_lookup_failed(sign_id: str, exc: ContentUnavailable) -> ServiceUnavailableError:
    log.warning("content_unavailable", sign_id=sign_id, error=str(exc))
    return ServiceUnavailableError(
        "no se pudo consultar la seña; inténtalo en un momento / the sign could not be looked up; try again shortly"
    )


class SessionService:
    def __init__(self, context: MlContext) -> None:
        self.context = context
        self.runtime = context.runtime
        self.repo = SessionRepository(context.ports.sessions)
        self.content = context.content

    @property
    def max_video_bytes(self) -> int:
        return self.context.config.max_video_bytes

    # --- the API -------------------------------------------------------------------------------------------

    async def start(self, user_id: str, request: StartSession, *, author_token: str | None = None) -> PracticeSession:
        """``author_token``: the caller is an author, whose token may read draft signs (the studio's "try it
        yourself"); a session on a draft is marked ``preview``."""
        await self.runtime.ensure_loaded()
        sign, preview = await self._sign_for(request.sign_id, author_token)
        key = sign_key(sign.language, sign.slug)
        bank = self.runtime.bank
        if bank.find(key=key, sign_id=sign.id) is None:
            raise ConflictError(
                "esta seña aún no tiene una referencia para practicar / this sign has no reference to practise "
                "with yet",
                code="no_template",
            )
        stamp = now()
        session = PracticeSession(
            session_id=uuid.uuid4().hex,
            user_id=user_id,
            sign_id=sign.id,
            sign_key=key,
            gloss=sign.gloss,
            language=sign.language,
            lesson_id=request.lesson_id,
            mode=request.mode,
            dominant_hand=request.dominant_hand,
            preview=preview,
            status="awaiting_upload" if request.mode == "video" else "awaiting_landmarks",
            created_at=stamp,
            updated_at=stamp,
            timings={"created_at": stamp},
        )
        return await self.repo.create(session)

    async def _sign_for(self, sign_id: str, author_token: str | None) -> tuple[SignRef, bool]:
        """The published sign, or else (for an author) the draft: (sign, is a draft)."""
        try:
            return await self._sign(sign_id), False
        except NotFoundError:
            if author_token is None:
                raise
        try:
            draft = await self.content.draft_sign(sign_id, author_token)
        except ContentUnavailable as exc:
            raise _sign_lookup_failed(sign_id, exc) from None
        if draft is None:
            raise NotFoundError("esa seña no existe / no such sign", code="sign_not_found")
        await self.runtime.remember_sign_id(sign_key(draft.language, draft.slug), draft.id)
        return draft, True

    async def _sign(self, sign_id: str) -> SignRef:
        try:
            info = await self.content.sign(sign_id)
        except ContentUnavailable as exc:
            # The content service is down: a sign whose template we hold can still be practised.
            index = self.runtime.bank.find(sign_id=sign_id)
            if index is None:
                raise _sign_lookup_failed(sign_id, exc) from None
            entry = self.runtime.bank.entries[index]
            return SignRef(id=sign_id, language=entry.language, slug=entry.slug, gloss=entry.gloss)
        if info is None:
            raise NotFoundError("esa seña no existe / no such sign", code="sign_not_found")
        await self.runtime.remember_sign_id(sign_key(info.language, info.slug), info.id)
        return info

    async def owned(self, user_id: str, session_id: str) -> PracticeSession:
        session = await self.repo.get(session_id)
        # Someone else's session is reported as missing, not forbidden: its existence is not the caller's business.
        if session is None or session.user_id != user_id:
            raise NotFoundError("esa sesión no existe / no such session", code="session_not_found")
        return session

    async def history(
        self, user_id: str, sign_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[PracticeSession], str | None]:
        try:
            return await self.repo.history(user_id, sign_id, limit=limit, cursor=cursor)
        except InvalidRequest:
            raise NotFoundError("cursor no válido / invalid cursor", code="invalid_cursor") from None

    async def submit_landmarks(self, user_id: str, session_id: str, body: SubmitLandmarks) -> PracticeSession:
        session = await self.owned(user_id, session_id)
        if session.mode != "landmarks":
            raise ConflictError("esta sesión espera un vídeo / this session expects a video", code="wrong_mode")
        if session.finished:
            raise ConflictError(
                "esta sesión ya terminó; empieza otra / this session is finished; start a new one",
                code="session_finished",
            )
        track, check = track_from_device(body, session.dominant_hand)
        changes: dict[str, Any] = {"handedness": check.as_json()} if check is not None else {}
        if track.frames_with_hand >= MIN_HAND_FRAMES:
            # Kept like a video's landmarks (and deleted with the account the same way), so the result can be shown
            # as a picture — the learner's hand beside the reference's — in privacy mode too. No image was sent.
            key = artefact.artefact_key(session.session_id)
            await self.context.ports.processed.put(
                key, artefact.dump(track, source="device"), content_type="application/x-npz"
            )
            changes["artefact_key"] = key
        session = await self.transition(session, "processing", **changes)
        return await self.score_and_store(session, track)

    # --- shared with the workers ---------------------------------------------------------------------------

    async def transition(self, session: PracticeSession, status: Status, **changes: Any) -> PracticeSession:
        stamp = now()
        timings = {**session.timings, f"{status}_at": stamp}
        return await self.repo.save(
            session.model_copy(update={**changes, "status": status, "updated_at": stamp, "timings": timings})
        )

    async def fail(self, session: PracticeSession, reason_es: str, reason_en: str, code: str) -> PracticeSession:
        """Record a failure the learner sees (idempotent: a finished session stays as it is)."""
        for _ in range(3):
            if session.finished:
                return session
            try:
                return await self.transition(
                    session, "failed", reason_es=reason_es, reason_en=reason_en, failure_code=code
                )
            except StaleSession:
                fresh = await self.repo.get(session.session_id)
                if fresh is None:
                    return session
                session = fresh
        return session

    async def score_and_store(self, session: PracticeSession, track: HandTrack) -> PracticeSession:
        """Score the attempt, store the result on the session and tell the user service."""
        if track.frames_with_hand < MIN_HAND_FRAMES:
            reason = NO_HAND_IN_LANDMARKS if session.mode == "landmarks" else NO_HAND_IN_VIDEO
            return await self.fail(session, *reason, "no_hands")
        await self.runtime.ensure_loaded()
        candidates = None
        if session.lesson_id:
            candidates = await self.lesson_vocabulary(session.lesson_id)
        request = ScoreRequest(
            attempt=attempt_from_track(track),
            target=session.sign_key,
            target_sign_id=session.sign_id,
            dominant_hand=session.dominant_hand,
            candidates=candidates,
        )
        try:
            result = await self.runtime.score(request)
        except ScoringError as refused:
            return await self.fail(session, refused.reason_es, refused.reason_en, refused.code)
        stamp = now()
        try:
            session = await self.transition(
                session,
                "scored",
                score=result.score,
                passed=result.passed,
                pass_threshold=result.pass_threshold,
                components=result.components,
                feedback=[item.model_dump(mode="json") for item in result.feedback],
                nearest=[item.model_dump(mode="json") for item in result.nearest],
                hand_used=result.hand_used,
                model_version=result.model_version,
                template_version=result.template_version,
                scored_at=stamp,
            )
        except StaleSession:
            fresh = await self.repo.get(session.session_id)
            if fresh is not None and fresh.status == "scored":
                return await self.announce(fresh)
            raise
        return await self.announce(session)

    async def announce(self, session: PracticeSession) -> PracticeSession:
        """Send practice.scored once per scored session (retried until it is recorded as sent)."""
        if session.status != "scored" or session.result_sent or session.preview:
            return session
        if session.score is None or session.passed is None or session.scored_at is None:
            raise ValueError(f"session {session.session_id} is marked scored but has no score")
        message = PracticeScored(
            session_id=session.session_id,
            user_id=session.user_id,
            sign_id=session.sign_id,
            language=session.language,
            score=session.score,
            passed=session.passed,
            mode=session.mode,
            scored_at=datetime.fromisoformat(session.scored_at),
        )
        await send(self.context.ports.practice_results, message.to_envelope(PRODUCER))
        try:
            return await self.repo.save(session.model_copy(update={"result_sent": True}))
        except StaleSession:
            # Another delivery sent it too; the user service dedupes on the session id.
            return await self.repo.get(session.session_id) or session

    async def lesson_vocabulary(self, lesson_id: str) -> list[str] | None:
        """Sign keys of the lesson (the candidates the nearest signs are ranked among), or None when the lesson
        or the content service cannot be read: the whole language is ranked then."""
        try:
            lesson = await self.content.lesson(lesson_id)
        except ContentUnavailable as exc:
            log.warning("lesson_vocabulary_unavailable", lesson_id=lesson_id, error=str(exc))
            return None
        if lesson is None:
            return None
        return [sign_key(lesson.language, sign.slug) for sign in lesson.signs] or None


def track_from_device(body: SubmitLandmarks, dominant: Side) -> tuple[HandTrack, HandednessCheck | None]:
    """The device's frames as a track, each hand's side checked against its shape (``recognition.handedness``:
    a missing side decided by the shape or else the dominant hand, a clearly mirrored one overruled). None for the
    check when no frame has a hand."""
    count = len(body.frames)
    frames = np.zeros((count, 21, 3), np.float32)
    poses = np.zeros((count, BODY, 3), np.float32)
    posed = np.zeros(count, bool)
    kept = list(BODY_POINTS.values())
    seen = [t for t, frame in enumerate(body.frames) if frame is not None]
    for t in seen:
        frame = body.frames[t]
        assert frame is not None
        frames[t] = np.asarray(frame.landmarks, np.float32)
        if frame.pose is not None:
            poses[t] = np.asarray(frame.pose, np.float32)[kept]
            posed[t] = True
    sides = [NO_HAND] * count
    check = None
    if seen:
        sent: list[Side | None] = [body.frames[t].handedness for t in seen]  # type: ignore[union-attr]
        decided, check = check_handedness(frames[seen], body.width / body.height, sent, dominant)
        for t, side in zip(seen, decided, strict=True):
            sides[t] = LEFT if side == "left" else RIGHT
    track = HandTrack.from_single_hand(
        frames,
        sides,
        fps=body.fps,
        width=body.width,
        height=body.height,
        body=poses if posed.any() else None,
        body_present=posed if posed.any() else None,
    )
    track.present[:, 0] = [frame is not None for frame in body.frames]
    return track, check
