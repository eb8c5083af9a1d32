"""What every progress event writes the same way, planned as part of the event's one transaction.

An event (a completed lesson attempt, a scored practice session, a review answer) is stored with everything the
learner must see at once, atomically:

- index 0: the idempotency record (absent-condition), with the outcome the first request got — a duplicate
  cancels the whole transaction at that operation, and the caller replays the stored outcome instead;
- the attempt log entry (``ATTEMPT#…``, append-only);
- the day's XP (``DAY#<local date>``, versioned: the streak is decided from it, and two events of the same day must
  not both decide from a stale total), the totals (``STATS``, atomic adds) and the week's XP per language;
- the streak, when this event is the one that meets the day's goal (versioned);
- the follow-up (review cards, level, achievements, leaderboard), left in the outbox for ``followups.py``.

A concurrent event of the same learner makes a versioned write fail; the caller re-reads and plans again, so XP is
never lost nor counted twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from senas.core.errors import ConflictError
from senas.core.messages import Envelope
from senas.platform.json_text import compact_json, from_json
from senas.platform.tables import Add, Condition, Item, Put, WriteOp
from senas.users import keys
from senas.users.accounts.models import Profile
from senas.users.context import PRODUCER
from senas.users.outbox import followup_put
from senas.users.progress.schemas import StreakOut
from senas.users.progress.streaks import Streak, local_day

IDEMPOTENCY_TTL_SECONDS = 30 * 86400
FOLLOWUP_TYPE = "progress.followup"


# json.dumps(payload, sort_keys=True, default=str), without building an encoder on every call (a request hash is
# taken on every write): the same text, so a record stored before still matches its retry.
_HASH_TEXT = json.JSONEncoder(sort_keys=True, default=str).encode


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(_HASH_TEXT(payload).encode()).hexdigest()


def idempotency_expiry() -> int:
    """When the table forgets an idempotency record (its TTL runs on the wall clock, whatever the event's date)."""
    return int(time.time()) + IDEMPOTENCY_TTL_SECONDS


def replayed_outcome(record: Item, request: str) -> dict[str, Any]:
    """The outcome the first request with this idempotency key got; 409 when the key came with another request."""
    if record.get("request_hash") != request or "outcome" not in record:
        raise ConflictError(
            "esa clave de idempotencia ya se usó con otros datos / "
            "that idempotency key was already used with a different request",
            code="idempotency_key_reused",
        )
    stored = record["outcome"]
    outcome: dict[str, Any] = from_json(stored) if isinstance(stored, str) else dict(stored)
    return outcome


def outcome_text(outcome: dict[str, Any]) -> str:
    """An outcome as the idempotency record keeps it: JSON text (checked and stored as one value)."""
    return compact_json(outcome)


@dataclass(frozen=True)
class DayState:
    """A learner's local day as stored: its XP, the part of it from lessons, and the item's version (None for an
    item written before days were versioned)."""

    day: date
    xp: int = 0
    lesson_xp: int = 0
    exists: bool = False
    version: int | None = None

    @classmethod
    def from_item(cls, day: date, item: Item | None) -> DayState:
        if item is None:
            return cls(day)
        version = item.get("version")
        return cls(
            day,
            xp=int(item.get("xp", 0)),
            lesson_xp=int(item.get("lesson_xp", 0)),
            exists=True,
            version=int(version) if version is not None else None,
        )

    def condition(self) -> Condition | None:
        if not self.exists:
            return Condition.item_absent()
        # A day stored before days carried a version is stamped with one by this write (unconditioned, once).
        return None if self.version is None else Condition.version_is(self.version)


@dataclass(frozen=True)
class Entry:
    user_id: str
    profile: Profile
    occurred_at: datetime
    dedupe_key: str  # "req:<Idempotency-Key>", "practice:<session id>", "review:<card>:<version>"
    request_hash: str
    kind: str
    xp: int
    outcome: dict[str, Any]  # stored with the idempotency record and replayed as it is
    stats: dict[str, int] = field(default_factory=dict)  # totals to add besides the XP
    lesson_xp: int = 0  # the part of ``xp`` that counts toward the course's daily bound
    details: dict[str, Any] = field(default_factory=dict)  # logged with the attempt entry
    followup: dict[str, Any] | None = None  # the follow-up message's data


@dataclass(frozen=True)
class Planned:
    ops: list[WriteOp]
    streak: Streak
    day_xp: int
    followup: Item | None = None  # the follow-up item the ops write, to run once they are committed


def plan(entry: Entry, day: DayState, streak: Streak) -> Planned:
    """The ledger's writes for ``entry``, idempotency record first; ``day`` and ``streak`` as just read."""
    pk = keys.user(entry.user_id)
    now = entry.occurred_at
    record = {
        "pk": pk,
        "sk": keys.idempotency(entry.dedupe_key),
        "kind": entry.kind,
        "request_hash": entry.request_hash,
        "outcome": outcome_text(entry.outcome),
        "recorded_at": keys.iso(now),
        "expires_at": idempotency_expiry(),
    }
    log = {
        "pk": pk,
        "sk": keys.attempt(now, entry.dedupe_key),
        "kind": entry.kind,
        "xp": entry.xp,
        "details": entry.details,
        "local_day": day.day.isoformat(),
    }
    week, language = keys.iso_week(now.date()), entry.profile.sign_language
    ops: list[WriteOp] = [
        Put(record, Condition.item_absent()),
        Put(log),
        Add(pk, keys.day(day.day), {"xp": entry.xp, "lesson_xp": entry.lesson_xp, "version": 1}, day.condition()),
        Add(pk, keys.STATS, {**entry.stats, "xp": entry.xp}),
        Add(pk, keys.week_counter(week, language), {"xp": entry.xp}),
    ]
    day_xp = day.xp + entry.xp
    new_streak = streak
    if day_xp >= entry.profile.daily_goal_xp:
        new_streak = streak.goal_met_on(day.day)
        if new_streak is not streak:
            condition = Condition.item_absent() if streak.version == 0 else Condition.version_is(streak.version)
            ops.append(Put({"pk": pk, "sk": keys.STREAK, **new_streak.to_fields()}, condition))
    followup: Item | None = None
    if entry.followup is not None:
        message = Envelope.new(FOLLOWUP_TYPE, entry.followup, producer=PRODUCER)
        put = followup_put(entry.user_id, message)
        ops.append(put)
        followup = put.item
    return Planned(ops, new_streak, day_xp, followup)


def streak_out(streak: Streak, today: date, today_xp: int, profile: Profile) -> StreakOut:
    """The streak as the learner sees it today (``today_xp``: what today's item holds)."""
    return StreakOut(
        current=streak.current(today),
        best=streak.best,
        freezes=streak.freezes,
        today_xp=today_xp,
        daily_goal_xp=profile.daily_goal_xp,
        goal_met_today=today_xp >= profile.daily_goal_xp,
        today=today.isoformat(),
    )


def today_of(now: datetime, profile: Profile) -> date:
    return local_day(now, profile.zone)
