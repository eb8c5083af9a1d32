"""The profile item (UserData ``USER#<id>/PROFILE``), and the account's MFA status shown beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from senas.platform.tables import Item
from senas.users import keys

DEFAULT_DAILY_GOAL_XP = 30  # three correct exercises, or one lesson plus one exercise


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str | None
    display_name: str
    sign_language: str
    dominant_hand: str = "right"
    daily_goal_xp: int = DEFAULT_DAILY_GOAL_XP
    timezone: str = "UTC"
    locale: str = "es"
    created_at: str = ""
    version: int = 1

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_item(self) -> Item:
        return {"pk": keys.user(self.user_id), "sk": keys.PROFILE, **asdict(self)}

    @classmethod
    def from_item(cls, item: Item) -> Profile:
        fields = {name: item[name] for name in cls.__dataclass_fields__ if name in item}
        return cls(**fields)

    def changed(self, **changes: Any) -> Profile:
        return replace(self, **changes, version=self.version + 1)


@dataclass(frozen=True)
class MfaStatus:
    """Read from the identity provider on every request, never copied into the profile: the provider is what
    asks for the code at sign-in, so only its answer is sure to match what signing in does."""

    enabled: bool
    required: bool
