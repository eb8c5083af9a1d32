"""The transactional outbox of the user service.

An achievement or a level completion is recorded by a conditional write that *also* stores the message to
announce it (``USER#<id>/OUTBOX#<message id>``), in one transaction. Only the request whose conditional write
succeeded creates the message, so it exists once; publishing it is then retried until it succeeds: right after
the event, at the user's next event, and by a background sweep over the ``OUTBOX`` index. A message is claimed
with a short lease before publishing (so two sweepers do not both publish it) and deleted once published.
If a process dies between publishing and deleting, the message is published again with the *same envelope id*;
subscribers dedupe on the natural key (user + achievement code, user + level), so the inbox still gets it once.

The outbox also holds the user service's own follow-up work (``followup_put``): a progress event is stored with
what the learner must see at once (verdict, XP, streak) and, in the same transaction, a follow-up message for the
rest (review cards, level completion, achievements, leaderboard). Draining runs it instead of publishing it, with
the same claim, lease and delete; each step of it is idempotent, so a follow-up run twice (a lease that expired
on a slow or dead process) changes nothing the second time. One that fails waits before it is tried again.

A follow-up is written already leased to the process that writes it, which runs it right after its response
(``run_fresh``: no query to find it, no claim); if that process stops first, the lease runs out and the sweep (or
the learner's next drain) claims it as any other.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from senas.core.messages import Envelope, publish
from senas.platform.errors import ConditionFailed, PortError
from senas.platform.tables import GSI1, Condition, Item, KeyRange, Put, Table
from senas.users import keys
from senas.users.context import UsersContext

log = structlog.get_logger(__name__)

LEASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# Runs one follow-up; True when it left messages of its own in the outbox (to publish in the same drain).
FollowUpHandler = Callable[[Envelope], Awaitable[bool]]


def outbox_put(user_id: str, topic: str, envelope: Envelope) -> Put:
    """The write to add to the transaction that decides the message should exist."""
    return Put(_item(user_id, envelope, topic=topic), Condition.item_absent())


def followup_put(user_id: str, envelope: Envelope) -> Put:
    """The write that leaves follow-up work for the outbox to run (not to publish), leased to this process."""
    item = _item(user_id, envelope, topic=None)
    item["lease_until"] = time.time() + LEASE_SECONDS
    return Put(item, Condition.item_absent())


def _item(user_id: str, envelope: Envelope, *, topic: str | None) -> dict[str, Any]:
    created = keys.iso(envelope.occurred_at)
    item: dict[str, Any] = {
        "pk": keys.user(user_id),
        "sk": keys.outbox(envelope.id),
        "envelope": envelope.to_json(),
        "lease_until": 0,
        "version": 1,
        "gsi1pk": keys.OUTBOX_INDEX,
        "gsi1sk": f"{created}#{user_id}#{envelope.id}",
    }
    if topic is None:
        item["followup"] = True
    else:
        item["topic"] = topic
    return item


class Outbox:
    """``followups`` runs the follow-up items; an outbox without it only publishes (and leaves them)."""

    def __init__(self, context: UsersContext, followups: FollowUpHandler | None = None) -> None:
        self.context = context
        self.followups = followups
        self._added = False  # a follow-up of this drain left messages to publish

    @property
    def table(self) -> Table:
        return self.context.ports.progress

    async def drain_user(self, user_id: str) -> int:
        """Everything the user's outbox holds, oldest first; then what the follow-ups added (their
        achievement and level messages)."""
        done = 0
        for _ in range(3):
            page = await self.table.query(keys.user(user_id), sk=KeyRange.prefix("OUTBOX#"), limit=100)
            items = sorted(page.items, key=lambda item: str(item.get("gsi1sk", "")))
            self._added = False
            done += await self._process_all(items)
            if not self._added:
                break
        return done

    async def run_fresh(self, item: Item) -> bool:
        """Run a follow-up this process just wrote (and holds the lease of); whether it left messages to publish
        (then ``drain_user`` publishes them)."""
        assert self.followups is not None
        self._added = False
        envelope = Envelope.from_json(str(item["envelope"]))
        try:
            self._added = await self.followups(envelope)
        except Exception as exc:
            await self._retry_later(item, exc)
            raise
        with contextlib.suppress(ConditionFailed):  # taken over meanwhile (a lease that ran out), or deleted
            await self.table.delete(str(item["pk"]), str(item["sk"]), condition=Condition.version_is(item["version"]))
        log.info("outbox_done", message_type=envelope.type, message_id=envelope.id)
        return self._added

    async def drain_all(self, *, limit: int = 100) -> int:
        page = await self.table.query(keys.OUTBOX_INDEX, index=GSI1, limit=limit)
        return await self._process_all(page.items)

    async def _process_all(self, items: list[Item]) -> int:
        processed = 0
        for item in items:
            try:
                processed += await self._process_one(item)
            except PortError as exc:  # left for the next drain
                log.warning("outbox_publish_failed", sk=item["sk"], error=str(exc))
        return processed

    async def _process_one(self, item: Item) -> int:
        followup = bool(item.get("followup"))
        if followup and self.followups is None:
            return 0
        now = time.time()
        if float(item.get("lease_until", 0)) > now:
            return 0  # another drainer holds it, or it failed and waits before it is tried again
        version = int(item["version"])
        claimed = {**item, "lease_until": now + LEASE_SECONDS, "version": version + 1}
        try:
            await self.table.put(claimed, condition=Condition.version_is(version))
        except ConditionFailed:
            return 0
        envelope = Envelope.from_json(str(item["envelope"]))
        if followup:
            assert self.followups is not None
            try:
                self._added = await self.followups(envelope) or self._added
            except Exception as exc:
                await self._retry_later(claimed, exc)
                return 0
        else:
            await publish(self.context.topic(str(item["topic"])), envelope)
        with contextlib.suppress(ConditionFailed):  # already gone (e.g. the account was deleted meanwhile)
            await self.table.delete(str(item["pk"]), str(item["sk"]), condition=Condition.version_is(version + 1))
        log.info("outbox_done" if followup else "outbox_published", message_type=envelope.type, message_id=envelope.id)
        return 1

    async def _retry_later(self, claimed: Item, exc: Exception) -> None:
        """A follow-up that failed (the content service down, a conflict that kept losing) is tried again after a
        wait that doubles with every failure, up to an hour; it is never dropped."""
        failures = int(claimed.get("failures", 0)) + 1
        wait = min(RETRY_MAX_SECONDS, self.context.config.followup_retry_seconds * 2 ** (failures - 1))
        version = int(claimed["version"])
        later = {**claimed, "lease_until": time.time() + wait, "failures": failures, "version": version + 1}
        log.warning("followup_failed", sk=claimed["sk"], failures=failures, retry_in=wait, error=repr(exc)[:300])
        with contextlib.suppress(ConditionFailed):
            await self.table.put(later, condition=Condition.version_is(version))
