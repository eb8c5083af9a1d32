"""Progress events about one review card: a scored camera practice (from the ML service's ``practice.scored``) and
a review answer. Each is one transaction (the card, its first-practice marker and the ledger's writes: see
``ledger.py``); the leaderboard and achievements follow from the outbox (``followups.py``). Lesson attempts are
``attempts.py``.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import structlog

from senas.contracts.progress import PracticeScored
from senas.core.errors import NotFoundError, ServiceUnavailableError
from senas.platform.errors import TransactionCancelled
from senas.platform.identity import Principal
from senas.platform.tables import Condition, Item, Put, WriteOp
from senas.users import keys
from senas.users.accounts.models import Profile
from senas.users.accounts.service import AccountsService
from senas.users.achievements.service import AchievementsService
from senas.users.clock import Clock
from senas.users.context import UsersContext
from senas.users.progress import ledger, xp
from senas.users.progress.followups import kick_followups, run_followup_now
from senas.users.progress.models import CardReview
from senas.users.progress.repository import ProgressRepository
from senas.users.progress.streaks import Streak
from senas.users.reviews.cards import RATINGS, ReviewCard, card_id, parse_card_id, rating_for_practice

log = structlog.get_logger(__name__)

MAX_TRIES = 200


def _no_card() -> NotFoundError:
    return NotFoundError("no existe esa tarjeta / no such review card", code="card_not_found")


class ProgressService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.clock = clock
        self.repository = ProgressRepository(context.ports.progress)
        self.accounts = AccountsService(context, clock)

    async def record_practice(self, message: PracticeScored) -> dict[str, Any] | None:
        """A scored camera practice: once per session, however often delivered."""
        if await self.accounts.repository.is_deleted(message.user_id):
            log.info("practice_for_deleted_account_ignored", user_id=message.user_id)
            return None
        profile = await self.accounts.profile(Principal(user_id=message.user_id))
        review = CardReview(message.sign_id, "perform", rating_for_practice(message.score, message.passed))
        request = ledger.request_hash(message.model_dump(mode="json"))
        awarded = xp.practice_xp(message.passed)

        def entry(was_due: bool, new_sign: bool, due: str) -> ledger.Entry:
            return ledger.Entry(
                user_id=message.user_id,
                profile=profile,
                occurred_at=message.scored_at,
                dedupe_key=f"practice:{message.session_id}",
                request_hash=request,
                kind="practice",
                xp=awarded,
                outcome={"xp_awarded": awarded, "card_due": due},
                stats={
                    "practice_sessions": 1,
                    "camera_passes": 1 if message.passed else 0,
                    "signs_practised": 1 if new_sign else 0,
                },
                details=message.model_dump(mode="json"),
                followup=_followup("practice", message.user_id, message.scored_at, profile),
            )

        outcome, _, followup = await self._record_card_event(profile, review, entry)
        if followup is not None:
            # A consumer has no one waiting on it: it runs the follow-up itself. One that fails stays in the outbox,
            # which tries it again; the scored practice itself is recorded, and the message is done.
            try:
                await run_followup_now(self.context, message.user_id, followup)
            except Exception:
                log.warning("practice_followup_deferred", user_id=message.user_id, session_id=message.session_id)
        return outcome

    async def answer_review(self, principal: Principal, card: str, rating: str) -> tuple[dict[str, Any], bool]:
        """(the outcome, whether it replays an earlier answer to the same state of the card)."""
        parsed = parse_card_id(card)
        stored = None if parsed is None else await self.repository.item(principal.user_id, keys.card(card))
        if parsed is None or stored is None:
            raise _no_card()
        version = ReviewCard.from_item(principal.user_id, stored).version
        profile = await self.accounts.profile(principal)
        review = CardReview(parsed[0], parsed[1], RATINGS[rating], must_exist=True)
        now = self.clock.now()

        def entry(was_due: bool, new_sign: bool, due: str) -> ledger.Entry:
            awarded = xp.review_xp(was_due)
            return ledger.Entry(
                user_id=principal.user_id,
                profile=profile,
                occurred_at=now,
                # Keyed by the card's state: of two simultaneous answers to the same state one is recorded and the
                # other replays it; an answer after that one reviews the new state.
                dedupe_key=f"review:{card}:{version}",
                request_hash=ledger.request_hash({"card": card, "rating": rating, "version": version}),
                kind="review",
                xp=awarded,
                outcome={"xp_awarded": awarded, "card_due": due},
                stats={"reviews": 1, "signs_practised": 1 if new_sign else 0},
                details={"card_id": card, "rating": rating},
                followup=_followup("review", principal.user_id, now, profile),
            )

        outcome, replayed, followup = await self._record_card_event(profile, review, entry, known_card=stored)
        if followup is not None:
            kick_followups(self.context, principal.user_id, followup)
        return outcome, replayed

    async def achievements_earned(self, user_id: str) -> list[Item]:
        return await AchievementsService(self.context, self.repository).earned(user_id)

    # ------------------------------------------------------------------ recording

    async def _record_card_event(
        self,
        profile: Profile,
        review: CardReview,
        entry_for: Any,
        *,
        known_card: Item | None = None,
    ) -> tuple[dict[str, Any], bool, Item | None]:
        """(the outcome, whether it is a replay, the follow-up it left to run)."""
        user = profile.user_id
        async with self.context.learner_turns.turn(user):  # see turns.py
            for attempt in range(MAX_TRIES):
                probe = entry_for(False, False, "")
                record = await self.repository.item(user, keys.idempotency(probe.dedupe_key))
                if record is not None:
                    return ledger.replayed_outcome(record, probe.request_hash), True, None
                at: datetime = probe.occurred_at
                day_key = ledger.today_of(at, profile)
                card_item, sign_item, streak_item, day_item = await asyncio.gather(
                    self._card(user, review, known_card if attempt == 0 else None),
                    self.repository.item(user, keys.sign_seen(review.sign_id)),
                    self.repository.item(user, keys.STREAK),
                    self.repository.item(user, keys.day(day_key)),
                )
                if card_item is None and review.must_exist:
                    raise _no_card()
                card = (
                    ReviewCard.new(user, review.sign_id, review.direction, at)
                    if card_item is None
                    else ReviewCard.from_item(user, card_item)
                )
                was_due = card.due <= at
                updated = card.reviewed(review.rating, at)
                entry = entry_for(was_due, sign_item is None, keys.iso(updated.due))
                planned = ledger.plan(
                    entry, ledger.DayState.from_item(day_key, day_item), Streak.from_item(streak_item)
                )
                condition = Condition.item_absent() if card.version == 0 else Condition.version_is(card.version)
                ops: list[WriteOp] = [*planned.ops, Put(updated.to_item(), condition)]
                if sign_item is None:
                    marker = {"pk": keys.user(user), "sk": keys.sign_seen(review.sign_id), "first_at": keys.iso(at)}
                    ops.append(Put(marker, Condition.item_absent()))
                try:
                    await self.repository.transact(ops)
                except TransactionCancelled:
                    # The same event was recorded meanwhile (the next loop replays it), or another event changed the
                    # card, the day or the streak first: read again and plan again.
                    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))  # noqa: S311
                    continue
                return entry.outcome, False, planned.followup
            raise ServiceUnavailableError(
                "hay demasiados cambios a la vez; reinténtalo / too many simultaneous changes; retry",
                code="busy",
                headers={"Retry-After": "1"},
            )

    async def _card(self, user: str, review: CardReview, known: Item | None) -> Item | None:
        if known is not None:
            return known
        return await self.repository.item(user, keys.card(card_id(review.sign_id, review.direction)))


def _followup(kind: str, user_id: str, at: datetime, profile: Profile) -> dict[str, Any]:
    return {
        "kind": kind,
        "user_id": user_id,
        "occurred_at": keys.iso(at),
        "language": profile.sign_language,
        "display_name": profile.display_name,
    }
