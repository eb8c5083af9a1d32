"""Bodies of the leaderboard route."""

from __future__ import annotations

from pydantic import BaseModel


class EntryOut(BaseModel):
    rank: int
    user_id: str
    display_name: str
    xp: int


class MyRankOut(BaseModel):
    rank: int | None  # None: no XP this week yet
    xp: int


class LeaderboardOut(BaseModel):
    language: str
    week: str
    entries: list[EntryOut]
    me: MyRankOut
