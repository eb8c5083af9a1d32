"""All queries of the AiSessions table."""

from __future__ import annotations

from typing import Any

from senas.ml.sessions.models import (
    REFERENCE_SK,
    SESSION_SK,
    PracticeSession,
    asset_pk,
    session_pk,
    sign_prefix,
    user_partition,
)
from senas.platform.errors import ConditionFailed
from senas.platform.tables import GSI1, Condition, Item, KeyRange, Table


class StaleSession(Exception):
    """The session changed since it was read (another delivery got there first)."""


class SessionRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def create(self, session: PracticeSession) -> PracticeSession:
        created = session.model_copy(update={"version": 1})
        await self.table.put(_item(created), condition=Condition.item_absent())
        return created

    async def get(self, session_id: str) -> PracticeSession | None:
        item = await self.table.get(session_pk(session_id), SESSION_SK)
        return None if item is None else PracticeSession.model_validate(item)

    async def save(self, session: PracticeSession) -> PracticeSession:
        """Write ``session`` if nobody wrote it since it was read; raises StaleSession otherwise."""
        expected = session.version
        updated = session.model_copy(update={"version": expected + 1})
        try:
            await self.table.put(_item(updated), condition=Condition.version_is(expected))
        except ConditionFailed:
            raise StaleSession(session.session_id) from None
        return updated

    async def history(
        self, user_id: str, sign_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[PracticeSession], str | None]:
        page = await self.table.query(
            user_partition(user_id),
            sk=KeyRange.prefix(sign_prefix(sign_id)),
            index=GSI1,
            ascending=False,
            limit=limit,
            cursor=cursor,
        )
        return [PracticeSession.model_validate(item) for item in page.items], page.cursor

    async def all_of_user(self, user_id: str) -> list[PracticeSession]:
        sessions: list[PracticeSession] = []
        cursor = None
        while True:
            page = await self.table.query(user_partition(user_id), index=GSI1, limit=100, cursor=cursor)
            sessions.extend(PracticeSession.model_validate(item) for item in page.items)
            cursor = page.cursor
            if cursor is None:
                return sessions

    async def delete(self, session_id: str) -> bool:
        return await self.table.delete(session_pk(session_id), SESSION_SK)

    async def reference(self, asset_id: str) -> Item | None:
        return await self.table.get(asset_pk(asset_id), REFERENCE_SK)

    async def record_reference(self, asset_id: str, data: dict[str, Any]) -> None:
        await self.table.put({**data, "pk": asset_pk(asset_id), "sk": REFERENCE_SK, "asset_id": asset_id})


def _item(session: PracticeSession) -> Item:
    """The table item: the session's fields (unset optional ones left out) and its keys."""
    return {
        **session.model_dump(mode="json", exclude_none=True),
        "pk": session_pk(session.session_id),
        "sk": SESSION_SK,
        "gsi1pk": user_partition(session.user_id),
        "gsi1sk": f"{sign_prefix(session.sign_id)}{session.created_at}#{session.session_id}",
    }
