"""Consumer of ``ml-account-events`` (``account.deleted``): remove every session and landmark artefact of the
user. Idempotent: deleting what is already gone is a no-op."""

from __future__ import annotations

import structlog

from senas.contracts.accounts import AccountDeleted
from senas.core.consumer import Delivery
from senas.core.messages import Envelope
from senas.ml.landmarks import artefact
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.service import repository_of

log = structlog.get_logger(__name__)


async def delete_user_data(runtime: MlRuntime, user_id: str) -> int:
    repo = repository_of(runtime)
    sessions = await repo.all_of_user(user_id)
    for session in sessions:
        await runtime.processed.delete(session.get("artefact_key") or artefact.artefact_key(session["session_id"]))
        await repo.delete(session["session_id"])
    log.info("user_ml_data_deleted", user_id=user_id, sessions=len(sessions))
    return len(sessions)


class AccountEventsWorker:
    def __init__(self, runtime: MlRuntime) -> None:
        self.runtime = runtime

    async def handle(self, envelope: Envelope, delivery: Delivery) -> None:
        message = AccountDeleted.from_envelope(envelope)
        await delete_user_data(self.runtime, message.user_id)
