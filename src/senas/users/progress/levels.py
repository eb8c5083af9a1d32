"""Level completion: a level is complete when every lesson the content service lists for it is completed.

Decided in the follow-up of a lesson's first completion (``followups.py``). The level's lessons come from the
content service (cached); when it cannot be reached the follow-up fails and stays in the outbox, which tries it
again later, so a level finished during an outage is announced once the content service answers.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from senas.contracts.progress import LevelCompleted
from senas.platform import catalog
from senas.platform.errors import TransactionCancelled
from senas.platform.tables import Add, Condition, Put
from senas.users import keys
from senas.users.context import PRODUCER, UsersContext
from senas.users.outbox import outbox_put
from senas.users.progress.repository import ProgressRepository

log = structlog.get_logger(__name__)


class LevelTracker:
    def __init__(self, context: UsersContext, repository: ProgressRepository) -> None:
        self.context = context
        self.repository = repository

    async def lesson_completed(self, user_id: str, level_id: str, at: datetime) -> bool:
        """Whether this completed the level (and left its announcement in the outbox). Raises ContentUnavailable
        when the level's lessons cannot be had (the caller tries again later)."""
        level = await self.context.content.level(level_id)
        if level is None or not level.lesson_ids:
            log.info("completed_lesson_level_unknown_to_content", level_id=level_id)
            return False
        done = await self.repository.completed_lessons(user_id)
        if all(lesson_id in done for lesson_id in level.lesson_ids):
            return await self._record_level(user_id, level.id, level.language, at)
        return False

    async def _record_level(self, user_id: str, level_id: str, language: str, at: datetime) -> bool:
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
            return False  # already completed: announced once, by whoever recorded it first
        log.info("level_completed", user_id=user_id, level_id=level_id)
        return True
