"""Level completion: a level is complete when every lesson the content service lists for it is completed.

The lessons come from the content service (cached). When it cannot be reached the completion is still recorded
and a ``RECHECK#<lesson>`` marker is left; every later progress event of the user re-evaluates the marked
lessons' levels (and removes the marker once decided), so a level finished during an outage is announced at
the learner's next activity.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from senas.contracts.content_api import ContentUnavailable
from senas.contracts.progress import LevelCompleted
from senas.platform import catalog
from senas.platform.errors import TransactionCancelled
from senas.platform.tables import Add, Condition, Put
from senas.users import keys
from senas.users.context import PRODUCER, UsersContext
from senas.users.outbox import Outbox, outbox_put
from senas.users.progress.repository import ProgressRepository
from senas.users.reviews.cards import DIRECTIONS, ReviewCard

log = structlog.get_logger(__name__)


class LevelTracker:
    def __init__(self, context: UsersContext, repository: ProgressRepository, outbox: Outbox) -> None:
        self.context = context
        self.repository = repository
        self.outbox = outbox

    async def lesson_completed(self, user_id: str, lesson_id: str, at: datetime) -> None:
        if not await self._evaluate(user_id, lesson_id, at):
            await self.repository.put_if_absent(
                {"pk": keys.user(user_id), "sk": keys.recheck(lesson_id), "lesson_id": lesson_id}
            )

    async def recheck_pending(self, user_id: str, at: datetime) -> None:
        for marker in await self.repository.items_with_prefix(user_id, "RECHECK#", limit=20):
            lesson_id = str(marker["lesson_id"])
            if await self._evaluate(user_id, lesson_id, at):
                await self.repository.delete(user_id, keys.recheck(lesson_id))

    async def _evaluate(self, user_id: str, lesson_id: str, at: datetime) -> bool:
        """True when decided (complete or not); False when the content service could not tell."""
        content = self.context.content
        try:
            lesson = await content.lesson(lesson_id)
            if lesson is None:
                log.info("completed_lesson_unknown_to_content", lesson_id=lesson_id)
                return True
            level = await content.level(lesson.level_id)
        except ContentUnavailable as exc:
            log.warning("level_check_deferred", lesson_id=lesson_id, error=str(exc))
            return False
        await self._ensure_cards(user_id, lesson.sign_ids, at)
        if level is None or not level.lesson_ids:
            return True
        done = await self.repository.completed_lessons(user_id)
        if all(lesson_id in done for lesson_id in level.lesson_ids):
            await self._record_level(user_id, level.id, level.language, at)
        return True

    async def _ensure_cards(self, user_id: str, sign_ids: tuple[str, ...], at: datetime) -> None:
        """The signs of a finished lesson join the learner's review deck, in every direction."""
        for sign_id in sign_ids:
            for direction in DIRECTIONS:
                await self.repository.put_if_absent(ReviewCard.new(user_id, sign_id, direction, at).to_item())

    async def _record_level(self, user_id: str, level_id: str, language: str, at: datetime) -> None:
        message = LevelCompleted(user_id=user_id, level_id=level_id, language=language, completed_at=at)
        envelope = message.to_envelope(PRODUCER)
        pk = keys.user(user_id)
        try:
            await self.repository.transact(
                [
                    Put(
                        {"pk": pk, "sk": keys.level(level_id), "level_id": level_id, "completed_at": keys.iso(at)},
                        Condition.item_absent(),
                    ),
                    Add(pk, keys.STATS, {"levels_completed": 1}),
                    outbox_put(user_id, catalog.LEVEL_COMPLETION, envelope),
                ]
            )
        except TransactionCancelled:
            return  # already completed: announced once, by whoever recorded it first
        log.info("level_completed", user_id=user_id, level_id=level_id)
