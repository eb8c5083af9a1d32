"""All queries of the inbox: ``USER#<id>/NOTIF#<id>`` items (ids sort by time) and ``NOTIFKEY#<key>`` markers
that make each announcement land once."""

from __future__ import annotations

from senas.platform.errors import ConditionFailed, TransactionCancelled
from senas.platform.tables import Condition, Item, KeyRange, Page, Put, Table
from senas.users import keys


class NotificationsRepository:
    AFTER_LIMIT = 50

    def __init__(self, table: Table) -> None:
        self.table = table

    async def add_once(self, user_id: str, natural_key: str, notification: Item) -> bool:
        """Store the notification unless one with this natural key exists; True when stored."""
        marker = {"pk": keys.user(user_id), "sk": keys.notification_key(natural_key), "id": notification["id"]}
        item = {"pk": keys.user(user_id), "sk": keys.notification(str(notification["id"])), **notification}
        try:
            await self.table.transact_write([Put(marker, Condition.item_absent()), Put(item, Condition.item_absent())])
        except TransactionCancelled:
            return False
        return True

    async def page(self, user_id: str, *, limit: int, cursor: str | None) -> Page:
        return await self.table.query(
            keys.user(user_id), sk=KeyRange.prefix("NOTIF#"), ascending=False, limit=limit, cursor=cursor
        )

    async def after(self, user_id: str, notification_id: str | None, *, limit: int = AFTER_LIMIT) -> list[Item]:
        """Notifications whose id sorts after ``notification_id`` (an id, or just the time part of one)."""
        low = keys.notification(notification_id) + "\x00" if notification_id else "NOTIF#"
        page = await self.table.query(keys.user(user_id), sk=KeyRange(gte=low, lte="NOTIF#\U0010ffff"), limit=limit)
        return page.items

    async def latest_id(self, user_id: str) -> str | None:
        page = await self.table.query(keys.user(user_id), sk=KeyRange.prefix("NOTIF#"), ascending=False, limit=1)
        return str(page.items[0]["id"]) if page.items else None

    async def mark_read(self, user_id: str, notification_id: str, read_at: str) -> Item | None:
        for _ in range(20):
            item = await self.table.get(keys.user(user_id), keys.notification(notification_id))
            if item is None:
                return None
            if item["read"]:
                return item
            version = int(item["version"])
            updated = {**item, "read": True, "read_at": read_at, "version": version + 1}
            try:
                await self.table.put(updated, condition=Condition.version_is(version))
            except ConditionFailed:
                continue
            return updated
        return None
