"""Queue consumers of the user service: ``practice-results`` (practice.scored from the ML service) and
``user-notifications`` (achievement.earned and level.completed, from the topics). Each is idempotent by a
natural key: the practice session id, and user + achievement code / user + level."""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from senas.contracts.progress import AchievementEarned, LevelCompleted, PracticeScored
from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope
from senas.platform import catalog
from senas.platform.wiring import Platform
from senas.users.notifications.service import NotificationsService
from senas.users.progress.service import ProgressService
from senas.users.runtime import UsersRuntime, runtime_for

log = structlog.get_logger(__name__)


def build_handlers(runtime: UsersRuntime) -> dict[str, dict[str, Handler]]:
    async def practice_scored(envelope: Envelope, delivery: Delivery) -> None:
        message = PracticeScored.from_envelope(envelope)
        try:
            await ProgressService(runtime, runtime.clock).record_practice(message)
        except Exception:
            if delivery.is_last_attempt:
                log.error("practice_result_dead_lettered", session_id=message.session_id, user_id=message.user_id)
            raise

    async def achievement_earned(envelope: Envelope, delivery: Delivery) -> None:
        await NotificationsService(runtime).achievement_earned(AchievementEarned.from_envelope(envelope))

    async def level_completed(envelope: Envelope, delivery: Delivery) -> None:
        await NotificationsService(runtime).level_completed(LevelCompleted.from_envelope(envelope))

    return {
        catalog.PRACTICE_RESULTS: {PracticeScored.TYPE: practice_scored},
        catalog.USER_NOTIFICATIONS: {
            AchievementEarned.TYPE: achievement_earned,
            LevelCompleted.TYPE: level_completed,
        },
    }


def handlers(platform: Platform) -> Mapping[str, Mapping[str, Handler]]:
    return build_handlers(runtime_for(platform))
