"""Queue consumers of the user service: ``practice-results`` (practice.scored from the ML service) and
``user-notifications`` (achievement.earned and level.completed, from the topics). Each is idempotent by a
natural key: the practice session id, and user + achievement code / user + level."""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from senas.contracts.progress import AchievementEarned, LevelCompleted, PracticeScored
from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope
from senas.users.context import UsersContext
from senas.users.notifications.service import NotificationsService
from senas.users.progress.service import ProgressService

log = structlog.get_logger(__name__)


class PracticeResultsConsumer:
    def __init__(self, context: UsersContext) -> None:
        self.context = context

    def handlers(self) -> Mapping[str, Handler]:
        return {PracticeScored.TYPE: self.practice_scored}

    async def practice_scored(self, envelope: Envelope, delivery: Delivery) -> None:
        message = PracticeScored.from_envelope(envelope)
        try:
            await ProgressService(self.context, self.context.clock).record_practice(message)
        except Exception:
            if delivery.is_last_attempt:
                log.error("practice_result_dead_lettered", session_id=message.session_id, user_id=message.user_id)
            raise


class NotificationsConsumer:
    def __init__(self, context: UsersContext) -> None:
        self.notifications = NotificationsService(context)

    def handlers(self) -> Mapping[str, Handler]:
        return {AchievementEarned.TYPE: self.achievement_earned, LevelCompleted.TYPE: self.level_completed}

    async def achievement_earned(self, envelope: Envelope, delivery: Delivery) -> None:
        await self.notifications.achievement_earned(AchievementEarned.from_envelope(envelope))

    async def level_completed(self, envelope: Envelope, delivery: Delivery) -> None:
        await self.notifications.level_completed(LevelCompleted.from_envelope(envelope))
