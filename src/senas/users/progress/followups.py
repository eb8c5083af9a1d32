"""What follows from a progress event once the learner has their answer: review cards, level completion,
achievements and the leaderboard.

The event's transaction leaves a follow-up message in the outbox (``ledger.py``); the outbox runs it (``Outbox``
with this handler) right after the response — ``kick_followups`` starts that in the background — or, if the process
stopped first, from its periodic sweep. A follow-up may thus run more than once (a lease that expired on a slow
process, a retry after a failure), and runs exactly once in effect:

- the review cards of a lesson's graded exercises are written in one transaction with a ``FOLLOWUP#<message>#…``
  marker (absent-condition): a second run finds the marker and skips them;
- the signs of a first completion join the deck with absent-conditions (a card that exists is left alone);
- a level and each achievement are recorded with absent-conditions, in the same transaction as the message that
  announces them (announced once, by whoever records it first);
- the leaderboard entry only ever rises to the week's counter.

A step that fails (the content service is down) fails the run: the outbox waits, then runs it again; the steps
done before are not repeated in effect.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import datetime
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict

from senas.core.errors import ServiceUnavailableError
from senas.core.messages import Envelope
from senas.platform.errors import TransactionCancelled
from senas.platform.tables import Add, Condition, Item, Put, WriteOp
from senas.users import keys
from senas.users.achievements.service import AchievementsService
from senas.users.context import UsersContext
from senas.users.outbox import Outbox
from senas.users.progress.ledger import FOLLOWUP_TYPE, IDEMPOTENCY_TTL_SECONDS
from senas.users.progress.levels import LevelTracker
from senas.users.progress.repository import ProgressRepository
from senas.users.progress.streaks import Streak
from senas.users.reviews.cards import DIRECTIONS, RATINGS, ReviewCard, card_id

log = structlog.get_logger(__name__)

MAX_TRIES = 50
CARDS_PER_TRANSACTION = 40  # with their first-practice markers and the step's own marker, under the 100 ops limit
NEW_CARDS_PER_TRANSACTION = 90


class ReviewData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sign_id: str
    direction: str
    correct: bool


class FollowUpData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["lesson", "practice", "review"]
    user_id: str
    occurred_at: datetime
    language: str
    display_name: str
    lesson_id: str | None = None
    level_id: str | None = None
    first_completion: bool = False
    sign_ids: tuple[str, ...] = ()  # a first completion's signs: they join the learner's review deck
    reviews: tuple[ReviewData, ...] = ()  # the graded choice exercises: each reviews its sign's card


class FollowUps:
    def __init__(self, context: UsersContext) -> None:
        self.context = context
        self.repository = ProgressRepository(context.ports.progress)
        self.levels = LevelTracker(context, self.repository)
        self.achievements = AchievementsService(context, self.repository)

    async def __call__(self, envelope: Envelope) -> bool:
        """Runs the follow-up; True when it left messages in the outbox to publish (a level, an achievement)."""
        if envelope.type != FOLLOWUP_TYPE:
            log.warning("unknown_followup_dropped", message_type=envelope.type, message_id=envelope.id)
            return False
        data = FollowUpData.model_validate(envelope.data)
        user, at = data.user_id, data.occurred_at
        week = keys.iso_week(at.date())
        # One read for the whole follow-up: the first review cards (with their first-practice markers), the week's
        # counter and leaderboard entry, the streak, the counters and the achievements held. The counters this
        # follow-up changes itself (new signs, a level) are added to what was read rather than read again.
        first_chunk = data.reviews[:CARDS_PER_TRANSACTION]
        card_sks = _card_sks(first_chunk)
        shared = [
            *self.repository.leaderboard_keys(week, data.language),
            keys.STREAK,
            keys.STATS,
            *self.achievements.achievement_keys(),
        ]
        found = await self.repository.items(user, [*card_sks, *shared])
        cards_read = found[: len(card_sks)]
        counter, entry, streak_item, stats_item, *held = found[len(card_sks) :]
        added: Counter[str] = Counter()
        if data.reviews:
            added["signs_practised"] += await self._review_cards(envelope.id, data, cards_read)
        announced = False
        if data.kind == "lesson" and data.first_completion:
            # Only a lesson's first completion can complete its level or bring new signs to review.
            await self._ensure_cards(user, data.sign_ids, at)
            if data.level_id and await self.levels.lesson_completed(user, data.level_id, at):
                announced = True
                added["levels_completed"] += 1
        await self.repository.raise_leaderboard_entry(
            user, week=week, language=data.language, display_name=data.display_name, read=(counter, entry)
        )
        stats = dict(stats_item or {})
        for name, amount in added.items():
            stats[name] = int(stats.get(name, 0)) + amount
        streak = Streak.from_item(streak_item)
        earned = await self.achievements.evaluate(
            user, streak_best=streak.best, at=at, stats=stats, have=self.achievements.held(held)
        )
        return announced or bool(earned)

    async def _review_cards(self, message_id: str, data: FollowUpData, first_read: list[Item | None]) -> int:
        """The cards of the graded exercises reviewed, a transaction a chunk; ``first_read``: the first chunk's
        items (``_card_sks``) as just read. How many signs were practised for the first time by this run."""
        user = data.user_id
        new_signs = 0
        for index in range(0, len(data.reviews), CARDS_PER_TRANSACTION):
            chunk = data.reviews[index : index + CARDS_PER_TRANSACTION]
            marker = keys.followup_done(message_id, f"cards-{index // CARDS_PER_TRANSACTION}")
            read: list[Item | None] | None = first_read if index == 0 else None
            for attempt in range(MAX_TRIES):
                if read is None:
                    read = await self.repository.items(user, _card_sks(chunk))
                ops, signs = self._card_ops(user, marker, chunk, data.occurred_at, read)
                read = None  # a retry reads again
                try:
                    await self.repository.transact(ops)
                except TransactionCancelled as exc:
                    if exc.reasons[0] is not None:
                        break  # an earlier run of this follow-up did it (its marker is there)
                    await _backoff(attempt)  # a card changed meanwhile (a review answer): read again
                    continue
                new_signs += signs
                break
            else:
                raise _busy()
        return new_signs

    @staticmethod
    def _card_ops(
        user: str, marker: str, reviews: tuple[ReviewData, ...], at: datetime, found: list[Item | None]
    ) -> tuple[list[WriteOp], int]:
        """The transaction reviewing ``reviews``' cards, from their items as read at ``_card_sks(reviews)``; and
        how many signs it records as practised for the first time."""
        card_ids, sign_ids = _card_and_sign_ids(reviews)
        first_review: dict[str, ReviewData] = {}
        for review in reviews:
            first_review.setdefault(card_id(review.sign_id, review.direction), review)
        stored, seen = found[: len(card_ids)], found[len(card_ids) :]
        before: dict[str, ReviewCard] = {}
        for cid, item in zip(card_ids, stored, strict=True):
            review = first_review[cid]
            before[cid] = (
                ReviewCard.new(user, review.sign_id, review.direction, at)
                if item is None
                else ReviewCard.from_item(user, item)
            )
        after = dict(before)
        for review in reviews:  # two exercises on the same card review it twice, in order
            cid = card_id(review.sign_id, review.direction)
            after[cid] = after[cid].reviewed(RATINGS["good" if review.correct else "again"], at)
        done = {"pk": keys.user(user), "sk": marker, "expires_at": int(time.time()) + IDEMPOTENCY_TTL_SECONDS}
        ops: list[WriteOp] = [Put(done, Condition.item_absent())]
        for cid, card in after.items():
            original = before[cid]
            condition = Condition.item_absent() if original.version == 0 else Condition.version_is(original.version)
            ops.append(Put(card.to_item(), condition))
        new_signs = [sid for sid, item in zip(sign_ids, seen, strict=True) if item is None]
        for sid in new_signs:
            first = {"pk": keys.user(user), "sk": keys.sign_seen(sid), "first_at": keys.iso(at)}
            ops.append(Put(first, Condition.item_absent()))
        if new_signs:
            ops.append(Add(keys.user(user), keys.STATS, {"signs_practised": len(new_signs)}))
        return ops, len(new_signs)

    async def _ensure_cards(self, user: str, sign_ids: tuple[str, ...], at: datetime) -> None:
        """The signs of a finished lesson join the learner's review deck, in every direction."""
        wanted = [(sid, direction) for sid in dict.fromkeys(sign_ids) for direction in DIRECTIONS]
        for attempt in range(MAX_TRIES):
            # A card's key is its sign and direction.
            found = await self.repository.items(user, [keys.card(card_id(sid, way)) for sid, way in wanted])
            missing = [
                ReviewCard.new(user, sid, direction, at).to_item()
                for (sid, direction), item in zip(wanted, found, strict=True)
                if item is None
            ]
            try:
                for index in range(0, len(missing), NEW_CARDS_PER_TRANSACTION):
                    chunk = missing[index : index + NEW_CARDS_PER_TRANSACTION]
                    await self.repository.transact([Put(item, Condition.item_absent()) for item in chunk])
            except TransactionCancelled:
                await _backoff(attempt)  # a card appeared meanwhile: look again
                continue
            return
        raise _busy()


def _card_and_sign_ids(reviews: tuple[ReviewData, ...]) -> tuple[list[str], list[str]]:
    """The cards the reviews touch and their signs, each once, in the order first met."""
    card_ids = list(dict.fromkeys(card_id(review.sign_id, review.direction) for review in reviews))
    sign_ids = list(dict.fromkeys(review.sign_id for review in reviews))
    return card_ids, sign_ids


def _card_sks(reviews: tuple[ReviewData, ...]) -> list[str]:
    """What ``FollowUps._card_ops`` needs read: the reviews' cards, then their signs' first-practice markers."""
    card_ids, sign_ids = _card_and_sign_ids(reviews)
    return [*(keys.card(cid) for cid in card_ids), *(keys.sign_seen(sid) for sid in sign_ids)]


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))  # noqa: S311 - jitter, not secrecy


def _busy() -> ServiceUnavailableError:
    return ServiceUnavailableError("too many simultaneous changes to the review cards", code="busy")


def outbox_with_followups(context: UsersContext) -> Outbox:
    return Outbox(context, FollowUps(context))


async def drain_outbox_of(context: UsersContext, user_id: str) -> int:
    return await outbox_with_followups(context).drain_user(user_id)


async def run_followup_now(context: UsersContext, user_id: str, item: Item) -> None:
    """Run the follow-up ``item`` (just written by this process) now, and publish what it announced."""
    outbox = outbox_with_followups(context)
    if await outbox.run_fresh(item):
        await outbox.drain_user(user_id)


def kick_followups(context: UsersContext, user_id: str, item: Item) -> None:
    """Run the follow-up ``item`` (just written by this process) soon, without making the response wait (see
    ``users/background.py``); then whatever else the learner's outbox holds when it announced something, or when a
    follow-up of the learner's failed before (retried now rather than at the next sweep)."""

    async def work() -> None:
        outbox = outbox_with_followups(context)
        retry = user_id in context.followup_failures
        try:
            announced = await outbox.run_fresh(item)
        except Exception:
            context.followup_failures.add(user_id)
            raise
        if announced or retry:
            context.followup_failures.discard(user_id)
            await outbox.drain_user(user_id)

    context.background.kick(user_id, work)
