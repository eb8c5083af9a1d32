"""All queries of UserProgress for progress events, streaks, lessons, levels, cards and the leaderboard.

Recording an event is one ``transact_write`` (planned by ``ledger.py`` and the event's service): the idempotency
record (absent-condition), the attempt log, the XP and counters (atomic ``Add``), the day's XP and the streak
(versioned), and the state the event changes (lesson attempt, lesson best, review card, first-practice marker)
under version or absent conditions. A duplicate key cancels the whole transaction, so XP can never be counted
twice; a concurrent change of the same item cancels it too, and the caller re-reads and tries again, so no XP is
lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from senas.platform.errors import ConditionFailed
from senas.platform.tables import GSI1, MAX_GET_MANY_KEYS, Condition, Item, KeyRange, Table, WriteOp
from senas.users import keys
from senas.users.progress.streaks import Streak

LEADERBOARD_DIGITS = 10


class ProgressRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- single items

    async def item(self, user_id: str, sk: str) -> Item | None:
        return await self.table.get(keys.user(user_id), sk)

    async def items(self, user_id: str, sks: list[str]) -> list[Item | None]:
        """Several items of the learner's partition, in the order asked: one read (one BatchGetItem on DynamoDB) per
        MAX_GET_MANY_KEYS of them."""
        partition = keys.user(user_id)
        found: list[Item | None] = []
        for index in range(0, len(sks), MAX_GET_MANY_KEYS):
            found += await self.table.get_many([(partition, sk) for sk in sks[index : index + MAX_GET_MANY_KEYS]])
        return found

    async def stats(self, user_id: str) -> Item:
        return await self.item(user_id, keys.STATS) or {}

    async def day_xp(self, user_id: str, day: date) -> int:
        item = await self.item(user_id, keys.day(day))
        return int(item["xp"]) if item else 0

    async def streak(self, user_id: str) -> Streak:
        return Streak.from_item(await self.item(user_id, keys.STREAK))

    async def transact(self, ops: list[WriteOp]) -> None:
        await self.table.transact_write(ops)

    # ---- partitions by prefix

    async def items_with_prefix(self, user_id: str, prefix: str, *, limit: int | None = None) -> list[Item]:
        found: list[Item] = []
        async for item in self._scan(user_id, prefix):
            found.append(item)
            if limit is not None and len(found) >= limit:
                break
        return found

    async def _scan(self, user_id: str, prefix: str) -> AsyncIterator[Item]:
        cursor: str | None = None
        while True:
            page = await self.table.query(keys.user(user_id), sk=KeyRange.prefix(prefix), limit=200, cursor=cursor)
            for item in page.items:
                yield item
            if page.cursor is None:
                return
            cursor = page.cursor

    async def completed_lessons(self, user_id: str) -> dict[str, Item]:
        return {str(item["lesson_id"]): item for item in await self.items_with_prefix(user_id, "LESSON#")}

    # ---- review cards

    async def due_cards(self, user_id: str, *, until: str, limit: int) -> list[Item]:
        page = await self.table.query(
            keys.due_partition(user_id), index=GSI1, sk=KeyRange(lte=until + "~"), limit=limit
        )
        return page.items

    # ---- leaderboard

    def leaderboard_keys(self, week: str, language: str) -> list[str]:
        """The week's XP counter and leaderboard entry (``raise_leaderboard_entry`` may be given them as read)."""
        return [keys.week_counter(week, language), keys.leaderboard_item(week, language)]

    async def raise_leaderboard_entry(
        self,
        user_id: str,
        *,
        week: str,
        language: str,
        display_name: str,
        read: tuple[Item | None, Item | None] | None = None,
    ) -> None:
        """Bring the indexed weekly entry up to the week's XP counter. The entry's ``version`` is its XP, which
        only grows, so concurrent updaters converge on the largest value and none can lower it. ``read``: the
        counter and the entry as the caller just read them (``leaderboard_keys``), else they are read here."""
        for _ in range(20):
            if read is None:
                counter, entry = await self.items(user_id, self.leaderboard_keys(week, language))
            else:
                (counter, entry), read = read, None
            xp = int(counter["xp"]) if counter else 0
            stored = int(entry["version"]) if entry else -1
            if xp <= stored:
                return
            item: dict[str, Any] = {
                "pk": keys.user(user_id),
                "sk": keys.leaderboard_item(week, language),
                "user_id": user_id,
                "display_name": display_name,
                "language": language,
                "week": week,
                "xp": xp,
                "version": xp,
                "gsi1pk": keys.leaderboard_partition(language, week),
                "gsi1sk": f"{xp:0{LEADERBOARD_DIGITS}d}#{user_id}",
            }
            condition = Condition.item_absent() if entry is None else Condition.version_is(stored)
            try:
                await self.table.put(item, condition=condition)
                return
            except ConditionFailed:
                continue

    async def leaderboard(self, language: str, week: str, limit: int) -> list[Item]:
        page = await self.table.query(
            keys.leaderboard_partition(language, week), index=GSI1, ascending=False, limit=limit
        )
        return page.items

    async def count_ahead(self, language: str, week: str, xp: int) -> int:
        """How many entries of the week have more XP than ``xp``."""
        ahead, cursor = 0, None
        low = f"{xp + 1:0{LEADERBOARD_DIGITS}d}"
        while True:
            page = await self.table.query(
                keys.leaderboard_partition(language, week),
                index=GSI1,
                sk=KeyRange(gte=low),
                limit=500,
                cursor=cursor,
            )
            ahead += len(page.items)
            if page.cursor is None:
                return ahead
            cursor = page.cursor
