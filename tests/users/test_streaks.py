"""The streak rules on their own: consecutive local days, freezes earned and spent, late events, DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from senas.users.progress.streaks import MAX_FREEZES, Streak, local_day


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def test_consecutive_days_grow_and_a_gap_restarts() -> None:
    streak = Streak()
    for day in days(date(2025, 1, 1), 3):
        streak = streak.goal_met_on(day)
    assert (streak.count, streak.best) == (3, 3)
    assert streak.goal_met_on(date(2025, 1, 3)) is streak  # the same day counts once
    assert streak.goal_met_on(date(2025, 1, 2)) is streak  # a late event cannot rewrite the past
    restarted = streak.goal_met_on(date(2025, 1, 6))
    assert (restarted.count, restarted.best) == (1, 3)


def test_a_week_earns_a_freeze_that_bridges_a_missed_day() -> None:
    streak = Streak()
    for day in days(date(2025, 1, 1), 7):
        streak = streak.goal_met_on(day)
    assert streak.freezes == 1
    assert streak.current(date(2025, 1, 9)) == 7  # one missed day: still alive thanks to the freeze
    bridged = streak.goal_met_on(date(2025, 1, 9))
    assert (bridged.count, bridged.freezes, bridged.freezes_used) == (8, 0, 1)
    assert streak.current(date(2025, 1, 10)) == 0  # two missed days, one freeze: broken


def test_freezes_are_capped() -> None:
    streak = Streak()
    for day in days(date(2025, 1, 1), 35):
        streak = streak.goal_met_on(day)
    assert streak.freezes == MAX_FREEZES


def test_local_days_follow_the_zone_through_dst_changes() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    # 22:30 UTC is 00:30 local the next day in summer (UTC+2) but 23:30 the same day in winter (UTC+1).
    assert local_day(datetime(2025, 10, 25, 22, 30, tzinfo=UTC), madrid) == date(2025, 10, 26)
    assert local_day(datetime(2025, 10, 26, 22, 30, tzinfo=UTC), madrid) == date(2025, 10, 26)
    mexico = ZoneInfo("America/Mexico_City")  # no DST since 2022
    assert local_day(datetime(2025, 7, 1, 5, 30, tzinfo=UTC), mexico) == date(2025, 6, 30)
    assert local_day(datetime(2025, 12, 1, 5, 30, tzinfo=UTC), mexico) == date(2025, 11, 30)
