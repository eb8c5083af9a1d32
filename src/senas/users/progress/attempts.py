"""Lesson attempts, graded by the server.

``start`` takes the published lesson's answer key from the content service (a route learners cannot read) into a new
attempt; ``answer`` grades what the learner chose against it — an option, the spelled letters, or a practice
session the ML service scored — records the verdict and returns it with the right answer; ``complete`` scores the
recorded verdicts and awards XP within the lesson's and the course's daily bounds. Nothing the client says about
being right is ever taken: XP, the streak, review cards, achievements and the leaderboard follow only from here.

Each write is one transaction with its idempotency record first: a repeated ``Idempotency-Key`` replays the first
outcome (``replayed: true``; a completion then awards 0 and reports the first award apart); the same key with
another request is a 409. The record is looked for only when it can matter — when the transaction was cancelled at
it, or before refusing a request (the retry of an answer is not "already answered") — so a new write reads nothing
it does not need.
"""

from __future__ import annotations

import asyncio
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import structlog

from senas.contracts.content_api import ContentUnavailable, LessonNotPublished
from senas.contracts.ml_api import MlUnavailable
from senas.core.errors import ConflictError, InvalidInputError, NotFoundError, ServiceUnavailableError
from senas.platform.errors import TransactionCancelled
from senas.platform.identity import Principal
from senas.platform.tables import Condition, Item, Put, WriteOp
from senas.users import keys
from senas.users.accounts.models import Profile
from senas.users.accounts.service import AccountsService
from senas.users.clock import Clock
from senas.users.context import UsersContext
from senas.users.progress import ledger, xp
from senas.users.progress.followups import kick_followups
from senas.users.progress.models import CHOICE_KINDS, DIRECTIONS, LessonAttempt
from senas.users.progress.repository import ProgressRepository
from senas.users.progress.schemas import (
    AnswerIn,
    AnswerOut,
    AttemptExerciseOut,
    AttemptOut,
    CompletionOut,
    CorrectAnswerOut,
)
from senas.users.progress.streaks import Streak

log = structlog.get_logger(__name__)

MAX_TRIES = 50
# Clocks of the user and ML services' tasks agree to well within this; a session made this long before the attempt
# started (by their clocks) still counts as made during it.
CLOCK_SKEW = timedelta(seconds=5)

BUSY = ServiceUnavailableError(
    "hay demasiados cambios a la vez; reinténtalo / too many simultaneous changes; retry",
    code="busy",
    headers={"Retry-After": "1"},
)


def _content_unavailable() -> ServiceUnavailableError:
    return ServiceUnavailableError(
        "no se pudo consultar la lección; inténtalo en un momento / the lesson could not be looked up; try again "
        "shortly",
        code="content_unavailable",
        headers={"Retry-After": "5"},
    )


def _attempt_not_found() -> NotFoundError:
    # Another learner's attempt is reported exactly like one that does not exist.
    return NotFoundError("ese intento no existe / no such attempt", code="attempt_not_found")


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))  # noqa: S311 - jitter, not secrecy


def normalise_letter(text: str) -> str:
    """A spelled letter as the answer key writes it: upper case, accents dropped, ``Ñ`` kept a letter of its own."""
    composed = unicodedata.normalize("NFC", text.strip()).upper()
    if composed == "Ñ":
        return composed
    return "".join(ch for ch in unicodedata.normalize("NFKD", composed) if not unicodedata.combining(ch))


@dataclass(frozen=True)
class _Seen:
    """What a completion read: what a replayed one answers with, as a fresh one would."""

    stats: Item
    streak: Streak
    day: ledger.DayState
    today: date
    profile: Profile


class AttemptsService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.clock = clock
        self.repository = ProgressRepository(context.ports.progress)
        self.accounts = AccountsService(context, clock)
        self.recent = context.recent_attempts

    # ------------------------------------------------------------------ start

    async def start(self, principal: Principal, lesson_id: str, key: str) -> AttemptOut:
        user = principal.user_id
        request = ledger.request_hash({"op": "start", "lesson_id": lesson_id})
        for _ in range(MAX_TRIES):
            try:
                attempt = await self._new_attempt(user, lesson_id)
            except (NotFoundError, ConflictError, ServiceUnavailableError):
                replay = await self._replayed_start(user, key, request)  # the retry of a start still gets its attempt
                if replay is None:
                    raise
                return replay
            idempotency = {
                "pk": keys.user(user),
                "sk": keys.idempotency(f"req:{key}"),
                "kind": "attempt_start",
                "request_hash": request,
                "outcome": {"attempt_id": attempt.attempt_id},
                "expires_at": ledger.idempotency_expiry(),
            }
            try:
                await self.repository.transact(
                    [Put(idempotency, Condition.item_absent()), Put(attempt.to_item(), Condition.item_absent())]
                )
            except TransactionCancelled:
                replay = await self._replayed_start(user, key, request)  # the key was used: a retry of that start
                if replay is None:
                    continue  # pragma: no cover - a new attempt id met an existing one: draw another
                return replay
            self.recent.remember(attempt)
            log.info("attempt_started", user_id=user, lesson_id=lesson_id, attempt_id=attempt.attempt_id)
            return self._attempt_out(attempt, replayed=False)
        raise BUSY

    async def _replayed_start(self, user: str, key: str, request: str) -> AttemptOut | None:
        record = await self.repository.item(user, keys.idempotency(f"req:{key}"))
        if record is None:
            return None
        outcome = ledger.replayed_outcome(record, request)
        stored = await self.repository.item(user, keys.lesson_attempt(str(outcome["attempt_id"])))
        if stored is None:
            raise _attempt_not_found()
        return self._attempt_out(LessonAttempt.from_item(user, stored), replayed=True)

    async def _new_attempt(self, user: str, lesson_id: str) -> LessonAttempt:
        try:
            answer_key = await self.context.content.answer_key(lesson_id)
        except LessonNotPublished:
            raise ConflictError(
                "esa lección no está publicada / that lesson is not published", code="lesson_not_published"
            ) from None
        except ContentUnavailable as exc:
            log.warning("answer_key_unavailable", lesson_id=lesson_id, error=str(exc))
            raise _content_unavailable() from None
        if answer_key is None:
            raise NotFoundError("esa lección no existe / no such lesson", code="lesson_not_found")
        window = self.context.config.attempt_window_seconds
        return LessonAttempt.start(user, answer_key, self.clock.now(), window)

    @staticmethod
    def _attempt_out(attempt: LessonAttempt, *, replayed: bool) -> AttemptOut:
        return AttemptOut(
            attempt_id=attempt.attempt_id,
            lesson_id=attempt.lesson_id,
            status=attempt.status,
            started_at=keys.iso(attempt.started_at),
            expires_at=keys.iso(attempt.expires_at),
            exercises=[
                AttemptExerciseOut(
                    exercise_id=exercise["id"],
                    kind=exercise["kind"],
                    option_ids=list(exercise["options"]),
                    answered=exercise["id"] in attempt.results,
                    correct=attempt.results.get(exercise["id"], {}).get("correct"),
                )
                for exercise in attempt.exercises
            ],
            replayed=replayed,
        )

    # ------------------------------------------------------------------ answer

    async def answer(
        self,
        principal: Principal,
        lesson_id: str,
        attempt_id: str,
        key: str,
        body: AnswerIn,
        access_token: str | None,
    ) -> AnswerOut:
        user = principal.user_id
        request = ledger.request_hash({"op": "answer", "attempt_id": attempt_id, **body.model_dump()})
        practice_checked: dict[str, Any] | None = None
        for attempt_no in range(MAX_TRIES):
            # As this process last wrote it (see recent.py), or else as stored; a retry reads it.
            remembered = self.recent.get(user, attempt_id) if attempt_no == 0 else None
            stored = None if remembered else await self.repository.item(user, keys.lesson_attempt(attempt_id))
            now = self.clock.now()
            try:
                attempt = self._owned(remembered or stored, user, lesson_id)
                exercise = self._answerable(attempt, body.exercise_id, now)
            except (NotFoundError, ConflictError):
                replay = await self._replayed_answer(user, key, request)  # the retry of a recorded answer
                if replay is None:
                    raise
                return replay
            extra_ops: list[WriteOp] = []
            if exercise["kind"] == "perform_sign":
                if practice_checked is None:  # the ML service is asked once, however often the write is retried
                    practice_checked = await self._practice_result(attempt, exercise, body, access_token)
                correct = bool(practice_checked["passed"])
                result = {"correct": correct, "at": keys.iso(now), "practice_session_id": body.practice_session_id}
                marker = {
                    "pk": keys.user(user),
                    "sk": keys.practice_used(str(body.practice_session_id)),
                    "attempt_id": attempt_id,
                    "expires_at": ledger.idempotency_expiry(),
                }
                extra_ops.append(Put(marker, Condition.item_absent()))
            else:
                correct = self._grade(exercise, body)
                result = {"correct": correct, "at": keys.iso(now)}
            updated = attempt.answered(exercise["id"], result)
            outcome = AnswerOut(
                attempt_id=attempt_id,
                exercise_id=exercise["id"],
                correct=correct,
                correct_answer=self._correct_answer(exercise),
                answered=len(updated.results),
                total=len(updated.exercises),
                replayed=False,
            )
            ops: list[WriteOp] = [
                Put(self._record(user, key, "attempt_answer", request, outcome), Condition.item_absent()),
                Put(updated.to_item(), Condition.version_is(attempt.version)),
                *extra_ops,
            ]
            try:
                await self.repository.transact(ops)
            except TransactionCancelled as exc:
                self.recent.forget(user, attempt_id)
                if exc.reasons[0] is not None:  # the key was used: a retry of an earlier answer
                    replay = await self._replayed_answer(user, key, request)
                    if replay is not None:
                        return replay
                if len(exc.reasons) > 2 and exc.reasons[2] is not None:
                    raise ConflictError(
                        "esa sesión de práctica ya contó para un ejercicio / that practice session already counted "
                        "for an exercise",
                        code="practice_session_already_used",
                    ) from None
                await _backoff(attempt_no)  # the attempt changed meanwhile (another answer): read again
                continue
            except BaseException:  # not known to be written, or not: read it next time
                self.recent.forget(user, attempt_id)
                raise
            self.recent.remember(updated)
            return outcome
        raise BUSY

    def _answerable(self, attempt: LessonAttempt, exercise_id: str, now: datetime) -> dict[str, Any]:
        self._check_open(attempt, now)
        exercise = attempt.exercise(exercise_id)
        if exercise is None:
            raise NotFoundError(
                "ese ejercicio no es de este intento / that exercise is not part of this attempt",
                code="exercise_not_in_attempt",
            )
        if exercise["id"] in attempt.results:
            raise ConflictError(
                "ese ejercicio ya tiene respuesta en este intento / that exercise is already answered in this attempt",
                code="exercise_already_answered",
            )
        return exercise

    async def _replayed_answer(self, user: str, key: str, request: str) -> AnswerOut | None:
        record = await self.repository.item(user, keys.idempotency(f"req:{key}"))
        if record is None:
            return None
        return AnswerOut.model_validate({**ledger.replayed_outcome(record, request), "replayed": True})

    def _grade(self, exercise: dict[str, Any], body: AnswerIn) -> bool:
        kind = exercise["kind"]
        if kind in CHOICE_KINDS:
            if body.option_id is None:
                raise InvalidInputError("esta pregunta se responde con option_id / answer with option_id")
            if body.option_id not in exercise["options"]:
                raise ConflictError(
                    "esa opción no es de este ejercicio / that option is not one of this exercise's choices",
                    code="option_not_offered",
                )
            return bool(body.option_id == exercise["correct_option"])
        if kind == "fingerspell":
            if body.letters is None:
                raise InvalidInputError("este ejercicio se responde con letters / answer with letters")
            return [normalise_letter(letter) for letter in body.letters] == list(exercise["letters"])
        raise InvalidInputError(f"unknown exercise kind {kind!r}")  # pragma: no cover - the key has four kinds

    async def _practice_result(
        self, attempt: LessonAttempt, exercise: dict[str, Any], body: AnswerIn, access_token: str | None
    ) -> dict[str, Any]:
        """The scored session that shows the learner performed the exercise's sign during the attempt."""
        if body.practice_session_id is None:
            raise InvalidInputError(
                "este ejercicio se responde con practice_session_id / answer with practice_session_id"
            )
        if access_token is None:  # pragma: no cover - the route requires a bearer token
            raise InvalidInputError("a bearer token is needed to check the practice session")
        try:
            session = await self.context.ml.session(body.practice_session_id, access_token)
        except MlUnavailable as exc:
            log.warning("practice_check_unavailable", session_id=body.practice_session_id, error=str(exc))
            raise ServiceUnavailableError(
                "no se pudo comprobar la sesión de práctica; inténtalo en un momento / the practice session could "
                "not be checked; try again shortly",
                code="ml_unavailable",
                headers={"Retry-After": "5"},
            ) from None
        if session is None:
            raise NotFoundError(
                "esa sesión de práctica no existe / no such practice session", code="practice_session_not_found"
            )
        if session.sign_id != exercise["sign_id"]:
            raise ConflictError(
                "esa sesión de práctica es de otra seña / that practice session is of another sign",
                code="practice_session_other_sign",
            )
        if session.status != "scored":
            raise ConflictError(
                "esa sesión de práctica no tiene puntuación (todavía) / that practice session is not scored (yet)",
                code="practice_session_not_scored",
            )
        if session.created_at < attempt.started_at - CLOCK_SKEW or session.updated_at > attempt.expires_at:
            raise ConflictError(
                "esa sesión de práctica no es de este intento / that practice session was not made during this attempt",
                code="practice_session_outside_attempt",
            )
        return {"passed": bool(session.passed), "score": session.score}

    @staticmethod
    def _correct_answer(exercise: dict[str, Any]) -> CorrectAnswerOut:
        answer = exercise.get("answer") or {}
        if exercise["kind"] == "fingerspell":
            return CorrectAnswerOut(letters=list(exercise["letters"]))
        return CorrectAnswerOut(
            option_id=exercise.get("correct_option"),
            gloss=answer.get("gloss"),
            meaning_es=answer.get("meaning_es"),
            meaning_en=answer.get("meaning_en"),
            options=exercise.get("revealed") if exercise["kind"] in CHOICE_KINDS else None,
        )

    # ------------------------------------------------------------------ complete

    async def complete(self, principal: Principal, lesson_id: str, attempt_id: str, key: str) -> CompletionOut:
        async with self.context.learner_turns.turn(principal.user_id):  # see turns.py
            return await self._complete(principal, lesson_id, attempt_id, key)

    async def _complete(self, principal: Principal, lesson_id: str, attempt_id: str, key: str) -> CompletionOut:
        user = principal.user_id
        request = ledger.request_hash({"op": "complete", "attempt_id": attempt_id})
        for attempt_no in range(MAX_TRIES):
            # Two reads: the profile (its time zone says which day it is), then everything else at once.
            profile = await self.accounts.profile(principal)
            now = self.clock.now()
            today = ledger.today_of(now, profile)
            # The attempt as this process last wrote it (see recent.py), or else as stored; a retry reads it.
            remembered = self.recent.get(user, attempt_id) if attempt_no == 0 else None
            wanted = [keys.lesson(lesson_id), keys.STREAK, keys.STATS, keys.day(today)]
            if remembered is None:
                wanted.append(keys.lesson_attempt(attempt_id))
            lesson_item, streak_item, stats_item, day_item, *rest = await self.repository.items(user, wanted)
            found: LessonAttempt | Item | None = remembered or (rest[0] if rest else None)
            stats = stats_item or {}
            day = ledger.DayState.from_item(today, day_item)
            streak = Streak.from_item(streak_item)

            seen = _Seen(stats, streak, day, today, profile)
            try:
                attempt = self._owned(found, user, lesson_id)
                self._check_open(attempt, now)
                planned, outcome = self._plan_completion(attempt, profile, lesson_item, day, streak, key, request, now)
            except (NotFoundError, ConflictError):
                replayed = await self._replayed_completion(user, key, request, seen)  # a retry gets the first
                if replayed is None:
                    raise
                return replayed
            try:
                await self.repository.transact(planned.ops)
            except TransactionCancelled as exc:
                if exc.reasons[0] is not None:  # the key was used: a retry of an earlier completion
                    replayed = await self._replayed_completion(user, key, request, seen)
                    if replayed is not None:
                        return replayed
                # Another event of this learner moved the day, the streak or the lesson first, or the attempt was
                # completed meanwhile: read again and plan again (or refuse).
                await _backoff(attempt_no)
                continue
            finally:
                # Completed (or not known to be): nothing will answer it again, and a retry reads it.
                self.recent.forget(user, attempt_id)
            if planned.followup is not None:
                kick_followups(self.context, user, planned.followup)
            return self._completion_out(outcome, stats, planned.streak, planned.day_xp, today, profile, fresh=True)
        raise BUSY

    async def _replayed_completion(self, user: str, key: str, request: str, seen: _Seen) -> CompletionOut | None:
        record = await self.repository.item(user, keys.idempotency(f"req:{key}"))
        if record is None:
            return None
        outcome = ledger.replayed_outcome(record, request)
        return self._completion_out(
            outcome, seen.stats, seen.streak, seen.day.xp, seen.today, seen.profile, replayed=True
        )

    def _plan_completion(
        self,
        attempt: LessonAttempt,
        profile: Profile,
        lesson_item: Item | None,
        day: ledger.DayState,
        streak: Streak,
        key: str,
        request: str,
        now: datetime,
    ) -> tuple[ledger.Planned, dict[str, Any]]:
        user = attempt.user_id
        total = len(attempt.exercises)
        answered = len(attempt.results)
        if total and not answered:
            raise ConflictError(
                "responde al menos un ejercicio antes de completar / answer at least one exercise before completing",
                code="nothing_answered",
            )
        correct = sum(1 for result in attempt.results.values() if result.get("correct"))
        skipped = sum(1 for e in attempt.exercises if e["kind"] == "perform_sign" and e["id"] not in attempt.results)
        graded = total - skipped  # an unanswered perform exercise (no camera) is skipped; anything else is wrong
        score = round(100 * correct / graded) if graded else 100
        perfect = total > 0 and correct == total
        first = lesson_item is None
        today = day.day.isoformat()
        lesson_today = int(lesson_item.get("xp_today", 0)) if lesson_item and lesson_item.get("xp_day") == today else 0
        raw = xp.attempt_xp(correct=correct, first=first, perfect=perfect)
        awarded = xp.bounded(
            raw,
            lesson_today=lesson_today,
            lesson_max=attempt.lesson_max_xp,
            lessons_today=day.lesson_xp,
            course_max=attempt.course_max_xp,
        )
        was_perfect = bool(lesson_item and lesson_item.get("perfect"))
        outcome = {
            "attempt_id": attempt.attempt_id,
            "lesson_id": attempt.lesson_id,
            "score": score,
            "correct": correct,
            "answered": answered,
            "total": total,
            "perfect": perfect,
            "first_completion": first,
            "xp_awarded": awarded,
            "xp_capped": awarded < raw,
        }
        reviews = [
            {"sign_id": exercise["sign_id"], "direction": DIRECTIONS[exercise["kind"]], "correct": result["correct"]}
            for exercise in attempt.exercises
            if exercise["kind"] in DIRECTIONS and (result := attempt.results.get(exercise["id"])) is not None
        ]
        entry = ledger.Entry(
            user_id=user,
            profile=profile,
            occurred_at=now,
            dedupe_key=f"req:{key}",
            request_hash=request,
            kind="lesson",
            xp=awarded,
            lesson_xp=awarded,
            outcome=outcome,
            stats={
                "exercises": answered,
                "correct_exercises": correct,
                "lesson_completions": 1,
                "lessons_completed": 1 if first else 0,
                "perfect_lessons": 1 if perfect and not was_perfect else 0,
            },
            details={"attempt_id": attempt.attempt_id, "lesson_id": attempt.lesson_id, "score": score},
            followup={
                "kind": "lesson",
                "user_id": user,
                "occurred_at": keys.iso(now),
                "language": profile.sign_language,
                "display_name": profile.display_name,
                "lesson_id": attempt.lesson_id,
                "level_id": attempt.level_id,
                "first_completion": first,
                "sign_ids": attempt.sign_ids if first else [],
                "reviews": reviews,
            },
        )
        planned = ledger.plan(entry, day, streak)
        ops = [*planned.ops, Put(attempt.completed(outcome).to_item(), Condition.version_is(attempt.version))]
        ops.append(self._lesson_op(user, attempt.lesson_id, lesson_item, score, perfect, awarded, today, now))
        return ledger.Planned(ops, planned.streak, planned.day_xp, planned.followup), outcome

    @staticmethod
    def _lesson_op(
        user: str,
        lesson_id: str,
        stored: Item | None,
        score: int,
        perfect: bool,
        awarded: int,
        today: str,
        now: datetime,
    ) -> Put:
        """The lesson's best score and completions, and its XP of the day (what bounds the next attempts today)."""
        if stored is None:
            item = {
                "pk": keys.user(user),
                "sk": keys.lesson(lesson_id),
                "lesson_id": lesson_id,
                "best_score": score,
                "perfect": perfect,
                "completions": 1,
                "first_completed_at": keys.iso(now),
                "xp_day": today,
                "xp_today": awarded,
                "version": 1,
            }
            return Put(item, Condition.item_absent())
        same_day = stored.get("xp_day") == today
        item = {
            **stored,
            "best_score": max(score, float(stored["best_score"])),
            "perfect": bool(stored.get("perfect")) or perfect,
            "completions": int(stored["completions"]) + 1,
            "xp_day": today,
            "xp_today": (int(stored.get("xp_today", 0)) if same_day else 0) + awarded,
            "version": int(stored["version"]) + 1,
        }
        return Put(item, Condition.version_is(int(stored["version"])))

    def _completion_out(
        self,
        outcome: dict[str, Any],
        stats: Item,
        streak: Streak,
        day_xp: int,
        today: Any,
        profile: Profile,
        *,
        replayed: bool = False,
        fresh: bool = False,
    ) -> CompletionOut:
        awarded = int(outcome["xp_awarded"])
        return CompletionOut.model_validate(
            {
                **outcome,
                "xp_awarded": 0 if replayed else awarded,
                "original_xp_awarded": awarded if replayed else None,
                "replayed": replayed,
                "xp_total": int(stats.get("xp", 0)) + (awarded if fresh else 0),
                "streak": ledger.streak_out(streak, today, day_xp, profile),
            }
        )

    # ------------------------------------------------------------------ shared

    @staticmethod
    def _owned(found: LessonAttempt | Item | None, user: str, lesson_id: str) -> LessonAttempt:
        """The attempt of ``lesson_id``, remembered (see recent.py) or as stored; 404 for anything else."""
        # Keys name the caller's own partition (and remembered attempts are per learner): another learner's attempt
        # id finds nothing here.
        if isinstance(found, LessonAttempt):
            if found.lesson_id != lesson_id:
                raise _attempt_not_found()
            return found
        if found is None or found.get("lesson_id") != lesson_id:
            raise _attempt_not_found()
        return LessonAttempt.from_item(user, found)

    @staticmethod
    def _check_open(attempt: LessonAttempt, now: datetime) -> None:
        if attempt.status == "completed":
            raise ConflictError(
                "este intento ya se completó; empieza otro / this attempt is already completed; start another",
                code="attempt_completed",
            )
        if now >= attempt.expires_at:
            raise ConflictError(
                "este intento caducó; empieza otro / this attempt has expired; start another",
                code="attempt_expired",
            )

    @staticmethod
    def _record(user: str, key: str, kind: str, request: str, outcome: AnswerOut) -> Item:
        return {
            "pk": keys.user(user),
            "sk": keys.idempotency(f"req:{key}"),
            "kind": kind,
            "request_hash": request,
            "outcome": ledger.outcome_text(outcome.model_dump(exclude={"replayed"})),
            "expires_at": ledger.idempotency_expiry(),
        }
