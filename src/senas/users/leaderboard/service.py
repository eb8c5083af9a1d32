"""Weekly XP per sign language (ISO weeks, UTC): the top N from the descending index, and the caller's rank —
one more than the number of learners with strictly more XP, so ties share a rank."""

from __future__ import annotations

from senas.users import keys
from senas.users.clock import Clock
from senas.users.leaderboard.schemas import EntryOut, LeaderboardOut, MyRankOut
from senas.users.progress.repository import ProgressRepository


async def leaderboard(
    repository: ProgressRepository, clock: Clock, *, user_id: str, language: str, limit: int
) -> LeaderboardOut:
    week = keys.iso_week(clock.now().date())
    items = await repository.leaderboard(language, week, limit)
    entries: list[EntryOut] = []
    for position, item in enumerate(items):
        xp = int(item["xp"])
        # Equal XP shares the rank of the first one with that XP.
        rank = entries[-1].rank if entries and entries[-1].xp == xp else position + 1
        entries.append(EntryOut(rank=rank, user_id=str(item["user_id"]), display_name=str(item["display_name"]), xp=xp))
    mine = await repository.item(user_id, keys.leaderboard_item(week, language))
    if mine is None or int(mine["xp"]) <= 0:
        me = MyRankOut(rank=None, xp=0)
    else:
        xp = int(mine["xp"])
        me = MyRankOut(rank=1 + await repository.count_ahead(language, week, xp), xp=xp)
    return LeaderboardOut(language=language, week=week, entries=entries, me=me)
