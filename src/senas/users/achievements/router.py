"""HTTP route of the caller's achievements: every rule, with when it was earned (or null)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from senas.core.auth import CurrentUser
from senas.users.achievements.rules import RULES
from senas.users.progress.router import ProgressDep

router = APIRouter(tags=["achievements"])


class AchievementOut(BaseModel):
    code: str
    title_es: str
    title_en: str
    earned: bool
    earned_at: str | None


class AchievementsOut(BaseModel):
    achievements: list[AchievementOut]


@router.get("/me/achievements", response_model=AchievementsOut)
async def my_achievements(user: CurrentUser, progress: ProgressDep) -> AchievementsOut:
    earned = {str(item["code"]): item for item in await progress.achievements_earned(user.user_id)}
    return AchievementsOut(
        achievements=[
            AchievementOut(
                code=rule.code,
                title_es=rule.title_es,
                title_en=rule.title_en,
                earned=rule.code in earned,
                earned_at=earned[rule.code]["earned_at"] if rule.code in earned else None,
            )
            for rule in RULES
        ]
    )
