"""Streaks, counted in the learner's own calendar (their IANA time zone, so a day is a local day whatever its
length — a daylight-saving change makes one 23 or 25 hours long and it is still one day).

A day counts when the daily goal is met. Freezes: one is earned for every 7 consecutive days (at most 2 kept);
when the learner comes back after missing days, up to that many missed days are bridged by spending freezes
and the streak continues. Freezes are spent lazily, when the next goal day arrives; until then the streak
shows as current as long as the freezes could still bridge the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from senas.platform.tables import Item

MAX_FREEZES = 2
DAYS_PER_FREEZE = 7


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


@dataclass(frozen=True)
class Streak:
    count: int = 0
    best: int = 0
    last_day: date | None = None
    freezes: int = 0
    freezes_used: int = 0
    version: int = 0  # 0: not stored yet

    @classmethod
    def from_item(cls, item: Item | None) -> Streak:
        if item is None:
            return cls()
        last = item.get("last_day")
        return cls(
            count=int(item["count"]),
            best=int(item["best"]),
            last_day=date.fromisoformat(last) if last else None,
            freezes=int(item["freezes"]),
            freezes_used=int(item.get("freezes_used", 0)),
            version=int(item["version"]),
        )

    def to_fields(self) -> dict[str, object]:
        return {
            "count": self.count,
            "best": self.best,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "freezes": self.freezes,
            "freezes_used": self.freezes_used,
            "version": self.version,
        }

    def goal_met_on(self, day: date) -> Streak:
        """The streak after the daily goal was met on ``day`` (unchanged if that day already counted, or if it
        is older than the last counted day — a late message cannot rewrite the past)."""
        if self.last_day is not None and day <= self.last_day:
            return self
        count, freezes, used = 1, self.freezes, self.freezes_used
        if self.last_day is not None:
            missed = (day - self.last_day).days - 1
            if missed == 0:
                count = self.count + 1
            elif missed <= self.freezes:
                count, freezes, used = self.count + 1, self.freezes - missed, self.freezes_used + missed
        if count % DAYS_PER_FREEZE == 0:
            freezes = min(MAX_FREEZES, freezes + 1)
        return replace(
            self,
            count=count,
            best=max(self.best, count),
            last_day=day,
            freezes=freezes,
            freezes_used=used,
            version=self.version + 1,
        )

    def current(self, today: date) -> int:
        """The streak as it stands today: kept while today's goal can still extend it (directly or over frozen
        days), otherwise 0."""
        if self.last_day is None:
            return 0
        missed = (today - self.last_day).days - 1
        if missed <= 0 or missed <= self.freezes:
            return self.count
        return 0
