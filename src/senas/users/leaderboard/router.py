"""HTTP route of the weekly leaderboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from senas.core.auth import CurrentUser
from senas.users.accounts.schemas import SIGN_LANGUAGE
from senas.users.leaderboard.schemas import LeaderboardOut
from senas.users.leaderboard.service import leaderboard
from senas.users.progress.router import ProgressDep

router = APIRouter(tags=["leaderboard"])


@router.get("/leaderboard", response_model=LeaderboardOut)
async def weekly_leaderboard(
    user: CurrentUser,
    progress: ProgressDep,
    language: Annotated[str, Query(pattern=SIGN_LANGUAGE)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> LeaderboardOut:
    return await leaderboard(progress.repository, progress.clock, user_id=user.user_id, language=language, limit=limit)
