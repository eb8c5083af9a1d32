"""HTTP routes of the caller's progress. Writes need an ``Idempotency-Key`` header (8–128 characters of
letters, digits and ``_.:-``): sending the same key again returns the first answer (``replayed: true``) without
counting anything twice; the same key with a different body is refused with 409."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from senas.core.auth import CurrentUser
from senas.users.accounts.models import Profile
from senas.users.deps import ClockDep, ContextDep
from senas.users.progress.models import Outcome
from senas.users.progress.schemas import (
    IDEMPOTENCY_KEY,
    EventOut,
    ExerciseResultIn,
    LessonCompletionIn,
    SummaryOut,
)
from senas.users.progress.service import ProgressService
from senas.users.progress.summary import streak_status, summary

router = APIRouter(tags=["progress"])


def get_progress_service(context: ContextDep, clock: ClockDep) -> ProgressService:
    return ProgressService(context, clock)


ProgressDep = Annotated[ProgressService, Depends(get_progress_service)]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY, description="unique per intended write")
]


async def _event_out(progress: ProgressService, outcome: Outcome, profile: Profile) -> EventOut:
    stats = await progress.repository.stats(profile.user_id)
    return EventOut(
        event_id=outcome.event_id.removeprefix("req:"),
        xp_awarded=outcome.xp_awarded,
        replayed=outcome.replayed,
        first_completion=outcome.first_completion,
        xp_total=int(stats.get("xp", 0)),
        streak=await streak_status(progress.repository, profile, progress.clock),
    )


@router.post(
    "/me/progress/exercise-results", response_model=EventOut, response_model_exclude_none=True, responses={409: {}}
)
async def record_exercise(
    body: ExerciseResultIn, key: IdempotencyKey, user: CurrentUser, progress: ProgressDep
) -> EventOut:
    outcome, profile = await progress.record_exercise(user, key, body.model_dump(exclude_none=True))
    return await _event_out(progress, outcome, profile)


@router.post(
    "/me/progress/lesson-completions", response_model=EventOut, response_model_exclude_none=True, responses={409: {}}
)
async def record_lesson(
    body: LessonCompletionIn, key: IdempotencyKey, user: CurrentUser, progress: ProgressDep
) -> EventOut:
    outcome, profile = await progress.record_lesson(user, key, body.model_dump())
    return await _event_out(progress, outcome, profile)


@router.get("/me/progress", response_model=SummaryOut)
async def read_summary(user: CurrentUser, progress: ProgressDep) -> SummaryOut:
    profile = await progress.accounts.profile(user)
    return await summary(progress.repository, progress.context.content, profile, progress.clock)
