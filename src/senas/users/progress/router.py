"""HTTP routes of the caller's progress: lesson attempts graded by the server, and the summary.

A lesson is played as an attempt: ``POST /users/me/lessons/{lesson_id}/attempts`` starts it (the server keeps the
lesson's answer key; the client gets the order of each exercise's options), ``…/attempts/{attempt_id}/answers``
sends what the learner chose and gets the server's verdict with the right answer, ``…/attempts/{attempt_id}/complete``
scores the verdicts and awards XP. The old routes that took results on the client's word answer 410.

Writes need an ``Idempotency-Key`` header (8–128 characters of letters, digits and ``_.:-``): sending the same key
again returns the first outcome, marked ``replayed: true`` — a completion then says ``xp_awarded: 0`` (this call
awarded nothing) and the first award in ``original_xp_awarded``; the same key with another request is a 409. Every
write spends one unit of the learner's progress-write budget (429 past it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from senas.core.auth import CurrentUser, current_principal, optional_principal
from senas.core.deps import get_token_verifier
from senas.core.lean_routes import LeanRoute, full_match, json_body, lean_path
from senas.platform.identity import Principal
from senas.users.deps import ClockDep, ContextDep, get_clock, get_context
from senas.users.progress.attempts import AttemptsService
from senas.users.progress.rate_limits import RATE_LIMITED_RESPONSE, spend
from senas.users.progress.schemas import (
    ATTEMPT_ID,
    ID,
    IDEMPOTENCY_KEY,
    AnswerIn,
    AnswerOut,
    AttemptOut,
    CompletionOut,
    SummaryOut,
)
from senas.users.progress.service import ProgressService
from senas.users.progress.summary import summary

router = APIRouter(tags=["progress"])
# The attempt writes, a lesson's every request, take a lean path when they are plainly valid (senas.core.lean_routes).
attempts_router = APIRouter(tags=["progress"], route_class=LeanRoute)


# ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop that costs more than they do.
async def get_progress_service(context: ContextDep, clock: ClockDep) -> ProgressService:
    return ProgressService(context, clock)


ProgressDep = Annotated[ProgressService, Depends(get_progress_service)]
_bearer = HTTPBearer(auto_error=False, description="Access token from POST /users/auth/login")


@dataclass(frozen=True)
class AttemptWrite:
    """What a write of a lesson attempt needs, resolved as ONE dependency (FastAPI's cost per dependency was a good
    part of a small write's): the caller (401 without a valid token), their raw token (a perform exercise is
    checked with it at the ML service), the attempts service; and one unit of the learner's progress-write budget
    spent (429 past it), after authentication and before the body is validated."""

    user: Principal
    token: str
    attempts: AttemptsService


async def attempt_write(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    context: ContextDep,
    clock: ClockDep,
) -> AttemptWrite:
    user = await current_principal(await optional_principal(await get_token_verifier(request), credentials))
    assert credentials is not None  # a principal came from it
    await spend(user, context, clock)
    return AttemptWrite(user, credentials.credentials, AttemptsService(context, clock))


AttemptWriteDep = Annotated[AttemptWrite, Depends(attempt_write)]


async def lean_attempt_write(request: Request) -> AttemptWrite:
    """:func:`attempt_write` with its dependencies called directly (the lean path: no override is in force)."""
    context = await get_context(request)
    return await attempt_write(request, await _bearer(request), context, await get_clock(context))


IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY, description="unique per intended write")
]
LessonId = Annotated[str, Path(pattern=ID)]
AttemptId = Annotated[str, Path(pattern=ATTEMPT_ID)]

_BUSY: dict[int | str, dict[str, Any]] = {
    503: {"description": "A service this needs is unavailable, or too many simultaneous changes; retry"}
}
_KEY_REUSED = "the Idempotency-Key was already used with another request"
START_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such lesson (`lesson_not_found`)"},
    409: {"description": f"The lesson is not published (`lesson_not_published`); {_KEY_REUSED}"},
    **RATE_LIMITED_RESPONSE,
    **_BUSY,
}
ANSWER_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such attempt of the caller's for this lesson (`attempt_not_found`), an exercise not "
        "in the attempt (`exercise_not_in_attempt`), or no such practice session of the caller's "
        "(`practice_session_not_found`)"
    },
    409: {
        "description": "The attempt is completed or expired; the exercise is already answered; the option is not "
        "one of the exercise's; the practice session is of another sign, not scored, not made during the "
        f"attempt, or already counted; {_KEY_REUSED}"
    },
    422: {"description": "Not exactly one answer, or not the kind of answer the exercise takes"},
    **RATE_LIMITED_RESPONSE,
    **_BUSY,
}
COMPLETE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such attempt of the caller's for this lesson (`attempt_not_found`)"},
    409: {
        "description": "The attempt is already completed (`attempt_completed`) or expired (`attempt_expired`); "
        f"nothing was answered (`nothing_answered`); {_KEY_REUSED}"
    },
    **RATE_LIMITED_RESPONSE,
    **_BUSY,
}


_LESSON_ID = re.compile(ID)
_ATTEMPT_ID = re.compile(ATTEMPT_ID)
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY)


def _lean_params(request: Request, *, attempt: bool) -> tuple[str, str, str] | None:
    """The lesson id, attempt id ('' when ``attempt`` is false) and Idempotency-Key, when all are valid."""
    params = request.path_params
    lesson_id = full_match(_LESSON_ID, params.get("lesson_id"))
    attempt_id = full_match(_ATTEMPT_ID, params.get("attempt_id")) if attempt else ""
    key = full_match(_IDEMPOTENCY_KEY, request.headers.get("idempotency-key"))
    if lesson_id is None or attempt_id is None or key is None:
        return None
    return lesson_id, attempt_id, key


async def _lean_start(request: Request, endpoint: Callable[..., Any]) -> AttemptOut | None:
    params = _lean_params(request, attempt=False)
    if params is None:
        return None
    lesson_id, _, key = params
    started: AttemptOut = await endpoint(lesson_id=lesson_id, key=key, write=await lean_attempt_write(request))
    return started


async def _lean_answer(request: Request, endpoint: Callable[..., Any]) -> AnswerOut | None:
    params = _lean_params(request, attempt=True)
    if params is None:
        return None
    body = await json_body(request, AnswerIn)
    if body is None:
        return None
    lesson_id, attempt_id, key = params
    write = await lean_attempt_write(request)
    answered: AnswerOut = await endpoint(lesson_id=lesson_id, attempt_id=attempt_id, body=body, key=key, write=write)
    return answered


async def _lean_complete(request: Request, endpoint: Callable[..., Any]) -> CompletionOut | None:
    params = _lean_params(request, attempt=True)
    if params is None:
        return None
    lesson_id, attempt_id, key = params
    write = await lean_attempt_write(request)
    completed: CompletionOut = await endpoint(lesson_id=lesson_id, attempt_id=attempt_id, key=key, write=write)
    return completed


@attempts_router.post(
    "/me/lessons/{lesson_id}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptOut,
    response_model_exclude_none=True,
    responses=START_RESPONSES,
    summary="Start an attempt at a published lesson",
)
@lean_path(_lean_start)
async def start_attempt(lesson_id: LessonId, key: IdempotencyKey, write: AttemptWriteDep) -> AttemptOut:
    """The server takes the lesson's exercises with their answers (which it keeps) from the content service; the
    answer gives each choice exercise's options in this attempt's order (the ids of the lesson's choices)."""
    return await write.attempts.start(write.user, lesson_id, key)


@attempts_router.post(
    "/me/lessons/{lesson_id}/attempts/{attempt_id}/answers",
    response_model=AnswerOut,
    response_model_exclude_none=True,
    responses=ANSWER_RESPONSES,
    summary="Answer one exercise of the attempt: the server grades it",
)
@lean_path(_lean_answer)
async def answer_exercise(
    lesson_id: LessonId, attempt_id: AttemptId, body: AnswerIn, key: IdempotencyKey, write: AttemptWriteDep
) -> AnswerOut:
    """Send what the learner chose; the verdict and the right answer come back. Each exercise is answered once
    per attempt. A perform exercise takes a practice session of the exercise's sign that the ML service scored,
    made during this attempt (it is checked with the caller's own token)."""
    return await write.attempts.answer(write.user, lesson_id, attempt_id, key, body, write.token)


@attempts_router.post(
    "/me/lessons/{lesson_id}/attempts/{attempt_id}/complete",
    response_model=CompletionOut,
    response_model_exclude_none=True,
    responses=COMPLETE_RESPONSES,
    summary="Complete the attempt: score, XP and streak",
)
@lean_path(_lean_complete)
async def complete_attempt(
    lesson_id: LessonId, attempt_id: AttemptId, key: IdempotencyKey, write: AttemptWriteDep
) -> CompletionOut:
    """The score is computed from the verdicts recorded; XP follows from it, within the lesson's and the course's
    daily bounds. Review cards, level completion, achievements and the leaderboard follow moments later."""
    return await write.attempts.complete(write.user, lesson_id, attempt_id, key)


@router.get("/me/progress", response_model=SummaryOut)
async def read_summary(user: CurrentUser, progress: ProgressDep) -> SummaryOut:
    profile = await progress.accounts.profile(user)
    return await summary(progress.repository, progress.context.content, profile, progress.clock)


# -- the routes that took results on the client's word ---------------------------------------------------------------


class GoneOut(BaseModel):
    error: str
    detail: str


def _gone(what_es: str, what_en: str) -> GoneOut:
    route = "POST /users/me/lessons/{lesson_id}/attempts, …/answers, …/complete"
    return GoneOut(
        error="gone",
        detail=f"ya no se aceptan {what_es}: juega la lección como un intento que corrige el servidor ({route}) / "
        f"{what_en} are no longer accepted: play the lesson as an attempt the server grades ({route})",
    )


@router.post(
    "/me/progress/exercise-results",
    status_code=status.HTTP_410_GONE,
    response_model=GoneOut,
    include_in_schema=False,  # retired: not part of the API any more, answered only to tell old clients why
    summary="Gone: exercise results are graded by the server (lesson attempts)",
)
async def exercise_results_gone() -> GoneOut:
    return _gone("resultados de ejercicios enviados por el cliente", "exercise results sent by the client")


@router.post(
    "/me/progress/lesson-completions",
    status_code=status.HTTP_410_GONE,
    response_model=GoneOut,
    include_in_schema=False,  # retired: not part of the API any more, answered only to tell old clients why
    summary="Gone: lessons are completed as server-graded attempts",
)
async def lesson_completions_gone() -> GoneOut:
    return _gone("lecciones completadas según el cliente", "lesson completions sent by the client")
