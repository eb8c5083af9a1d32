"""Recording progress events and everything that follows from them.

``record`` writes one event in one transaction (see the repository); then ``follow_up`` brings the derived state
up to date — streak, leaderboard entry, level completion, review cards of a finished lesson, achievements —
and publishes what the outbox holds. Every follow-up step is idempotent and also runs when a duplicate is
replayed, so a request that died after its transaction is finished by its retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from typing import Any

import structlog

from senas.contracts.progress import PracticeScored
from senas.core.errors import ConflictError, NotFoundError, ServiceUnavailableError
from senas.platform.errors import ConditionFailed, TransactionCancelled
from senas.platform.identity import Principal
from senas.platform.tables import Add, Condition, Put, WriteOp
from senas.users import keys
from senas.users.accounts.models import Profile
from senas.users.accounts.service import AccountsService
from senas.users.achievements.service import AchievementsService
from senas.users.clock import Clock
from senas.users.context import UsersContext
from senas.users.outbox import Outbox
from senas.users.progress import xp
from senas.users.progress.levels import LevelTracker
from senas.users.progress.models import CardReview, Outcome, ProgressEvent
from senas.users.progress.repository import ProgressRepository
from senas.users.progress.streaks import local_day
from senas.users.reviews.cards import RATINGS, ReviewCard, card_id, parse_card_id, rating_for_practice

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 200
IDEMPOTENCY_TTL_SECONDS = 30 * 86400


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class ProgressService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.clock = clock
        self.repository = ProgressRepository(context.ports.progress)
        self.accounts = AccountsService(context, clock)
        self.outbox = Outbox(context)
        self.levels = LevelTracker(context, self.repository, self.outbox)
        self.achievements = AchievementsService(context, self.repository, self.outbox)

    # ------------------------------------------------------------------ entry points

    async def record_exercise(self, principal: Principal, key: str, payload: dict[str, Any]) -> tuple[Outcome, Profile]:
        card = None
        if payload.get("sign_id") and payload.get("direction"):
            rating = RATINGS["good"] if payload["correct"] else RATINGS["again"]
            card = CardReview(str(payload["sign_id"]), str(payload["direction"]), rating)
        event = ProgressEvent(
            user_id=principal.user_id,
            kind="exercise",
            dedupe_key=f"req:{key}",
            request_hash=request_hash({"kind": "exercise", **payload}),
            occurred_at=self.clock.now(),
            details=payload,
            lesson_id=str(payload["lesson_id"]),
            correct=bool(payload["correct"]),
            card=card,
        )
        return await self._record_and_follow(principal, event)

    async def record_lesson(self, principal: Principal, key: str, payload: dict[str, Any]) -> tuple[Outcome, Profile]:
        score = float(payload["score"])
        event = ProgressEvent(
            user_id=principal.user_id,
            kind="lesson",
            dedupe_key=f"req:{key}",
            request_hash=request_hash({"kind": "lesson", **payload}),
            occurred_at=self.clock.now(),
            details=payload,
            lesson_id=str(payload["lesson_id"]),
            score=score,
            perfect=score >= 100 and int(payload.get("mistakes", 0)) == 0,
        )
        return await self._record_and_follow(principal, event)

    async def record_practice(self, message: PracticeScored) -> Outcome | None:
        """A scored camera practice (from the ML service): once per session, however often delivered."""
        if await self.accounts.repository.is_deleted(message.user_id):
            log.info("practice_for_deleted_account_ignored", user_id=message.user_id)
            return None
        event = ProgressEvent(
            user_id=message.user_id,
            kind="practice",
            dedupe_key=f"practice:{message.session_id}",
            request_hash=request_hash(message.model_dump(mode="json")),
            occurred_at=message.scored_at,
            details=message.model_dump(mode="json"),
            passed=message.passed,
            score=message.score,
            card=CardReview(message.sign_id, "perform", rating_for_practice(message.score, message.passed)),
        )
        outcome, _ = await self._record_and_follow(Principal(user_id=message.user_id), event)
        return outcome

    async def answer_review(self, principal: Principal, card: str, rating: str) -> tuple[Outcome, Profile]:
        parsed = parse_card_id(card)
        stored = None if parsed is None else await self.repository.item(principal.user_id, keys.card(card))
        if parsed is None or stored is None:
            raise NotFoundError("no existe esa tarjeta / no such review card", code="card_not_found")
        review = ReviewCard.from_item(principal.user_id, stored)
        event = ProgressEvent(
            user_id=principal.user_id,
            kind="review",
            # Keyed by the card's state: of two simultaneous answers to the same state one is recorded and the
            # other replays it; an answer after that one reviews the new state.
            dedupe_key=f"review:{card}:{review.version}",
            request_hash=request_hash({"card": card, "rating": rating, "version": review.version}),
            occurred_at=self.clock.now(),
            details={"card_id": card, "rating": rating},
            card=CardReview(parsed[0], parsed[1], RATINGS[rating], must_exist=True),
        )
        return await self._record_and_follow(principal, event)

    # ------------------------------------------------------------------ recording

    async def _record_and_follow(self, principal: Principal, event: ProgressEvent) -> tuple[Outcome, Profile]:
        profile = await self.accounts.profile(principal)
        outcome = await self.record(event, profile)
        await self.follow_up(event, profile, first_completion=outcome.first_completion)
        return outcome, profile

    async def record(self, event: ProgressEvent, profile: Profile) -> Outcome:
        for attempt in range(MAX_ATTEMPTS):
            previous = await self.repository.item(event.user_id, keys.idempotency(event.dedupe_key))
            if previous is not None:
                return self._replay(event, previous)
            ops, outcome = await self._plan(event, profile)
            try:
                await self.repository.transact(ops)
            except TransactionCancelled as exc:
                if exc.reasons[0] is not None:
                    continue  # the same key was recorded meanwhile: the next loop replays it
                # Another event changed the same lesson, card or marker first: re-read and plan again.
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))  # noqa: S311
                continue
            return outcome
        raise ServiceUnavailableError(
            "hay demasiados cambios a la vez; reinténtalo / too many simultaneous changes; retry",
            code="busy",
            headers={"Retry-After": "1"},
        )

    def _replay(self, event: ProgressEvent, previous: dict[str, Any]) -> Outcome:
        if previous["request_hash"] != event.request_hash:
            raise ConflictError(
                "esa clave de idempotencia ya se usó con otros datos / "
                "that idempotency key was already used with a different request",
                code="idempotency_key_reused",
            )
        return Outcome(
            event_id=event.dedupe_key,
            kind=event.kind,
            xp_awarded=int(previous["xp_awarded"]),
            replayed=True,
            first_completion=previous.get("first_completion"),
            card_due=previous.get("card_due"),
        )

    async def _plan(self, event: ProgressEvent, profile: Profile) -> tuple[list[WriteOp], Outcome]:
        user = event.user_id
        pk = keys.user(user)
        now = event.occurred_at
        stats: dict[str, int | float] = {}
        ops: list[WriteOp] = []
        awarded = 0
        first_completion: bool | None = None
        card_due: str | None = None

        if event.kind == "exercise":
            awarded = xp.exercise_xp(bool(event.correct))
            stats.update(exercises=1, correct_exercises=1 if event.correct else 0)
        elif event.kind == "lesson":
            assert event.lesson_id is not None
            assert event.score is not None
            lesson_ops, first_completion = await self._lesson_ops(event, event.lesson_id, event.score)
            ops += lesson_ops
            awarded = xp.lesson_xp(first=first_completion, perfect=event.perfect)
            stats.update(
                lesson_completions=1,
                lessons_completed=1 if first_completion else 0,
                perfect_lessons=1 if event.perfect else 0,
            )
        elif event.kind == "practice":
            awarded = xp.practice_xp(bool(event.passed))
            stats.update(practice_sessions=1, camera_passes=1 if event.passed else 0)

        if event.card is not None:
            card_ops, was_due, card_due, new_sign = await self._card_ops(event, event.card)
            ops += card_ops
            if event.kind == "review":
                awarded = xp.review_xp(was_due)
                stats.update(reviews=1)
            if new_sign:
                stats.update(signs_practised=1)

        stats["xp"] = awarded
        week, language = keys.iso_week(now.date()), profile.sign_language
        record = {
            "pk": pk,
            "sk": keys.idempotency(event.dedupe_key),
            "kind": event.kind,
            "request_hash": event.request_hash,
            "xp_awarded": awarded,
            "first_completion": first_completion,
            "card_due": card_due,
            "recorded_at": keys.iso(now),
            # The table's TTL runs on the wall clock, whatever instant the event is dated.
            "expires_at": int(time.time()) + IDEMPOTENCY_TTL_SECONDS,
        }
        attempt = {
            "pk": pk,
            "sk": keys.attempt(now, event.dedupe_key),
            "kind": event.kind,
            "xp": awarded,
            "details": event.details,
            "local_day": local_day(now, profile.zone).isoformat(),
        }
        ops = [
            Put(record, Condition.item_absent()),  # index 0: the idempotency record, checked first
            Put(attempt),
            Add(pk, keys.STATS, stats),
            Add(pk, keys.day(local_day(now, profile.zone)), {"xp": awarded}),
            Add(pk, keys.week_counter(week, language), {"xp": awarded}),
            *ops,
        ]
        outcome = Outcome(
            event_id=event.dedupe_key,
            kind=event.kind,
            xp_awarded=awarded,
            replayed=False,
            first_completion=first_completion,
            card_due=card_due,
        )
        return ops, outcome

    async def _lesson_ops(self, event: ProgressEvent, lesson_id: str, score: float) -> tuple[list[WriteOp], bool]:
        pk = keys.user(event.user_id)
        stored = await self.repository.item(event.user_id, keys.lesson(lesson_id))
        at = keys.iso(event.occurred_at)
        if stored is None:
            item = {
                "pk": pk,
                "sk": keys.lesson(lesson_id),
                "lesson_id": lesson_id,
                "best_score": score,
                "perfect": event.perfect,
                "completions": 1,
                "first_completed_at": at,
                "version": 1,
            }
            return [Put(item, Condition.item_absent())], True
        if score > float(stored["best_score"]) or (event.perfect and not stored["perfect"]):
            item = {
                **stored,
                "best_score": max(score, float(stored["best_score"])),
                "perfect": bool(stored["perfect"]) or event.perfect,
                "completions": int(stored["completions"]) + 1,
                "version": int(stored["version"]) + 1,
            }
            return [Put(item, Condition.version_is(int(stored["version"])))], False
        # Not better: only the count moves, and the version with it so a concurrent "better" write re-reads.
        return [Add(pk, keys.lesson(lesson_id), {"completions": 1, "version": 1})], False

    async def _card_ops(self, event: ProgressEvent, review: CardReview) -> tuple[list[WriteOp], bool, str, bool]:
        user = event.user_id
        cid = card_id(review.sign_id, review.direction)
        stored = await self.repository.item(user, keys.card(cid))
        if stored is None and review.must_exist:
            raise NotFoundError("no existe esa tarjeta / no such review card", code="card_not_found")
        card = (
            ReviewCard.new(user, review.sign_id, review.direction, event.occurred_at)
            if stored is None
            else ReviewCard.from_item(user, stored)
        )
        was_due = card.due <= event.occurred_at
        updated = card.reviewed(review.rating, event.occurred_at)
        condition = Condition.item_absent() if card.version == 0 else Condition.version_is(card.version)
        ops: list[WriteOp] = [Put(updated.to_item(), condition)]
        new_sign = False
        if await self.repository.item(user, keys.sign_seen(review.sign_id)) is None:
            new_sign = True
            marker = {
                "pk": keys.user(user),
                "sk": keys.sign_seen(review.sign_id),
                "first_at": keys.iso(event.occurred_at),
            }
            ops.append(Put(marker, Condition.item_absent()))
        return ops, was_due, keys.iso(updated.due), new_sign

    # ------------------------------------------------------------------ follow-up

    async def follow_up(self, event: ProgressEvent, profile: Profile, *, first_completion: bool | None = None) -> None:
        user = event.user_id
        await self._advance_streak(user, profile, event)
        week = keys.iso_week(event.occurred_at.date())
        await self.repository.raise_leaderboard_entry(
            user, week=week, language=profile.sign_language, display_name=profile.display_name
        )
        if event.kind == "lesson" and event.lesson_id is not None and first_completion:
            # Only a lesson's first completion can complete its level or bring new signs to review; a decision
            # the content service could not give then is retried by recheck_pending.
            await self.levels.lesson_completed(user, event.lesson_id, event.occurred_at)
        await self.levels.recheck_pending(user, event.occurred_at)
        streak = await self.repository.streak(user)
        await self.achievements.evaluate(user, streak_best=streak.best, at=event.occurred_at)
        await self.outbox.drain_user(user)

    async def _advance_streak(self, user: str, profile: Profile, event: ProgressEvent) -> None:
        day = local_day(event.occurred_at, profile.zone)
        if await self.repository.day_xp(user, day) < profile.daily_goal_xp:
            return
        for _ in range(50):
            streak = await self.repository.streak(user)
            advanced = streak.goal_met_on(day)
            if advanced is streak:
                return
            try:
                await self.repository.save_streak(user, advanced, previous_version=streak.version)
                return
            except ConditionFailed:
                continue
