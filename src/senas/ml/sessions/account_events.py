"""Consumer of ``ml-account-events`` (``account.deleted``): remove every session and landmark artefact of the
user. Idempotent: deleting what is already gone is a no-op."""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from senas.contracts.accounts import AccountDeleted
from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope
from senas.ml.context import MlContext
from senas.ml.landmarks import artefact
from senas.ml.sessions.repository import SessionRepository

log = structlog.get_logger(__name__)


class AccountEventsWorker:
    def __init__(self, context: MlContext) -> None:
        self.repo = SessionRepository(context.ports.sessions)
        self.processed = context.ports.processed

    def handlers(self) -> Mapping[str, Handler]:
        return {AccountDeleted.TYPE: self.handle}

    async def handle(self, envelope: Envelope, delivery: Delivery) -> None:
        message = AccountDeleted.from_envelope(envelope)
        await self.delete_user_data(message.user_id)

    async def delete_user_data(self, user_id: str) -> int:
        sessions = await self.repo.all_of_user(user_id)
        for session in sessions:
            await self.processed.delete(session.artefact_key or artefact.artefact_key(session.session_id))
            await self.repo.delete(session.session_id)
        log.info("user_ml_data_deleted", user_id=user_id, sessions=len(sessions))
        return len(sessions)
