"""All queries of the AiSessions table."""

from __future__ import annotations

from typing import Any

from senas.ml.sessions.models import (
    REFERENCE_SK,
    SESSION_SK,
    asset_pk,
    session_pk,
    sign_prefix,
    user_partition,
)
from senas.platform.errors import ConditionFailed
from senas.platform.tables import GSI1, Condition, KeyRange, Table

Item = dict[str, Any]


class StaleSession(Exception):
    """The session changed since it was read (another delivery got there first)."""


class SessionRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def create(self, item: Item) -> Item:
        item = {
            **item,
            "pk": session_pk(item["session_id"]),
            "sk": SESSION_SK,
            "gsi1pk": user_partition(item["user_id"]),
            "gsi1sk": f"{sign_prefix(item['sign_id'])}{item['created_at']}#{item['session_id']}",
            "version": 1,
        }
        await self.table.put(item, condition=Condition.item_absent())
        return item

    async def get(self, session_id: str) -> Item | None:
        return await self.table.get(session_pk(session_id), SESSION_SK)

    async def save(self, item: Item) -> Item:
        """Write ``item`` if nobody wrote the session since it was read; raises StaleSession otherwise."""
        expected = int(item["version"])
        updated = {**item, "version": expected + 1}
        try:
            await self.table.put(updated, condition=Condition.version_is(expected))
        except ConditionFailed:
            raise StaleSession(item["session_id"]) from None
        return updated

    async def history(
        self, user_id: str, sign_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Item], str | None]:
        page = await self.table.query(
            user_partition(user_id),
            sk=KeyRange.prefix(sign_prefix(sign_id)),
            index=GSI1,
            ascending=False,
            limit=limit,
            cursor=cursor,
        )
        return page.items, page.cursor

    async def all_of_user(self, user_id: str) -> list[Item]:
        items: list[Item] = []
        cursor = None
        while True:
            page = await self.table.query(user_partition(user_id), index=GSI1, limit=100, cursor=cursor)
            items.extend(page.items)
            cursor = page.cursor
            if cursor is None:
                return items

    async def delete(self, session_id: str) -> bool:
        return await self.table.delete(session_pk(session_id), SESSION_SK)

    async def reference(self, asset_id: str) -> Item | None:
        return await self.table.get(asset_pk(asset_id), REFERENCE_SK)

    async def record_reference(self, asset_id: str, data: Item) -> None:
        await self.table.put({**data, "pk": asset_pk(asset_id), "sk": REFERENCE_SK, "asset_id": asset_id})
