"""The progress summary: XP, streak as of today, per-level percentages and the learner's signs."""

from __future__ import annotations

from senas.contracts.content_api import ContentApi, ContentUnavailable
from senas.users.accounts.models import Profile
from senas.users.clock import Clock
from senas.users.progress.ledger import streak_out
from senas.users.progress.repository import ProgressRepository
from senas.users.progress.schemas import LevelProgressOut, SignsOut, StreakOut, SummaryOut
from senas.users.progress.streaks import local_day
from senas.users.reviews.cards import MASTERED_STABILITY_DAYS, ReviewCard


async def streak_status(repository: ProgressRepository, profile: Profile, clock: Clock) -> StreakOut:
    today = local_day(clock.now(), profile.zone)
    streak = await repository.streak(profile.user_id)
    return streak_out(streak, today, await repository.day_xp(profile.user_id, today), profile)


async def summary(repository: ProgressRepository, content: ContentApi, profile: Profile, clock: Clock) -> SummaryOut:
    user = profile.user_id
    stats = await repository.stats(user)
    lessons = await repository.completed_lessons(user)
    completed_levels = {str(i["level_id"]) for i in await repository.items_with_prefix(user, "LEVEL#")}
    levels: list[LevelProgressOut] = []
    available = True
    try:
        level_ids: list[str] = []
        for lesson_id in lessons:
            lesson = await content.lesson(lesson_id)
            if lesson is not None and lesson.level_id not in level_ids:
                level_ids.append(lesson.level_id)
        for level_id in level_ids:
            level = await content.level(level_id)
            if level is None or not level.lesson_ids:
                continue
            done = sum(1 for lesson_id in level.lesson_ids if lesson_id in lessons)
            levels.append(
                LevelProgressOut(
                    level_id=level_id,
                    lessons_completed=done,
                    lessons_total=len(level.lesson_ids),
                    percent=round(100 * done / len(level.lesson_ids), 1),
                    completed=level_id in completed_levels,
                )
            )
    except ContentUnavailable:
        available = False
    learned: set[str] = set()
    mastered: set[str] = set()
    for item in await repository.items_with_prefix(user, "CARD#"):
        card = ReviewCard.from_item(user, item)
        if card.state == "review":
            learned.add(card.sign_id)
        if card.stability >= MASTERED_STABILITY_DAYS:
            mastered.add(card.sign_id)
    achievements = await repository.items_with_prefix(user, "ACH#")
    return SummaryOut(
        xp_total=int(stats.get("xp", 0)),
        streak=await streak_status(repository, profile, clock),
        lessons_completed=int(stats.get("lessons_completed", 0)),
        perfect_lessons=int(stats.get("perfect_lessons", 0)),
        levels_completed=int(stats.get("levels_completed", 0)),
        levels=levels,
        levels_available=available,
        signs=SignsOut(practised=int(stats.get("signs_practised", 0)), learned=len(learned), mastered=len(mastered)),
        achievements=len(achievements),
    )
