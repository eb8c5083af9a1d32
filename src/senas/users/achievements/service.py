"""Evaluates the rules after each progress event. An achievement is recorded with an absent-condition in the
same transaction as its ``achievement.earned`` message in the outbox, so it is earned — and announced — once,
however many events race to earn it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from senas.contracts.progress import AchievementEarned
from senas.platform import catalog
from senas.platform.errors import TransactionCancelled
from senas.platform.tables import Condition, Item, Put
from senas.users import keys
from senas.users.achievements.rules import RULES, Rule, Totals
from senas.users.context import PRODUCER, UsersContext
from senas.users.outbox import outbox_put
from senas.users.progress.repository import ProgressRepository

log = structlog.get_logger(__name__)


class AchievementsService:
    def __init__(self, context: UsersContext, repository: ProgressRepository) -> None:
        self.context = context
        self.repository = repository

    async def earned(self, user_id: str) -> list[dict[str, Any]]:
        return await self.repository.items_with_prefix(user_id, "ACH#")

    @staticmethod
    def achievement_keys() -> list[str]:
        """The sort keys of every achievement a learner can hold: read with the rest of a follow-up's items, they
        say which are held (``held``) without a query of the learner's partition."""
        return [keys.achievement(rule.code) for rule in RULES]

    @staticmethod
    def held(items: list[Item | None]) -> set[str]:
        """The codes held, from the items read at ``achievement_keys()`` (in that order)."""
        return {rule.code for rule, item in zip(RULES, items, strict=True) if item is not None}

    async def evaluate(self, user_id: str, *, streak_best: int, at: datetime, stats: Item, have: set[str]) -> list[str]:
        """The achievements the learner's totals now earn and they do not hold (``have``), recorded."""
        totals = Totals(
            **{name: int(stats.get(name, 0)) for name in Totals.__dataclass_fields__ if name != "streak_best"},
            streak_best=streak_best,
        )
        new = []
        for rule in RULES:
            if rule.code not in have and rule.earned(totals) and await self._record(user_id, rule, at):
                new.append(rule.code)
        return new

    async def _record(self, user_id: str, rule: Rule, at: datetime) -> bool:
        message = AchievementEarned(
            user_id=user_id, code=rule.code, title_es=rule.title_es, title_en=rule.title_en, earned_at=at
        )
        item = {
            "pk": keys.user(user_id),
            "sk": keys.achievement(rule.code),
            "code": rule.code,
            "title_es": rule.title_es,
            "title_en": rule.title_en,
            "earned_at": keys.iso(at),
        }
        try:
            await self.repository.transact(
                [
                    Put(item, Condition.item_absent()),
                    outbox_put(user_id, catalog.ACHIEVEMENT_NOTIFS, message.to_envelope(PRODUCER)),
                ]
            )
        except TransactionCancelled:
            return False  # a concurrent event earned it first
        log.info("achievement_earned", user_id=user_id, code=rule.code)
        return True
