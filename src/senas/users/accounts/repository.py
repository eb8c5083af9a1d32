"""All queries of the accounts domain: the profile, the deletion tombstone, and wiping a user's items."""

from __future__ import annotations

import time
from datetime import datetime

from senas.platform.errors import ConditionFailed
from senas.platform.tables import Condition, Table
from senas.users import keys
from senas.users.accounts.models import Profile


class AccountsRepository:
    def __init__(self, user_data: Table, progress: Table) -> None:
        self.user_data = user_data
        self.progress = progress

    async def profile(self, user_id: str) -> Profile | None:
        item = await self.user_data.get(keys.user(user_id), keys.PROFILE)
        return None if item is None else Profile.from_item(item)

    async def create_profile(self, profile: Profile) -> Profile:
        """Store a new profile; when one appeared meanwhile, that one wins and is returned."""
        try:
            await self.user_data.put(profile.to_item(), condition=Condition.item_absent())
        except ConditionFailed:
            existing = await self.profile(profile.user_id)
            if existing is not None:
                return existing
            raise
        return profile

    async def replace_profile(self, profile: Profile, *, expected_version: int) -> None:
        """Raises ConditionFailed when another write changed the profile first."""
        await self.user_data.put(profile.to_item(), condition=Condition.version_is(expected_version))

    async def is_deleted(self, user_id: str) -> bool:
        return await self.user_data.get(keys.user(user_id), keys.DELETED) is not None

    async def wipe(self, user_id: str, *, now: datetime, tombstone_seconds: int) -> int:
        """Delete every item of the user in both tables, then leave a short-lived tombstone so that access
        tokens still in circulation cannot recreate the account's data. Returns how many items went."""
        removed = 0
        for table in (self.progress, self.user_data):
            while True:
                page = await table.query(keys.user(user_id), limit=100)
                if not page.items:
                    break
                for item in page.items:
                    await table.delete(str(item["pk"]), str(item["sk"]))
                    removed += 1
        await self.user_data.put(
            {
                "pk": keys.user(user_id),
                "sk": keys.DELETED,
                "deleted_at": keys.iso(now),
                "expires_at": int(time.time()) + tombstone_seconds,  # the table's TTL runs on the wall clock
            }
        )
        return removed
