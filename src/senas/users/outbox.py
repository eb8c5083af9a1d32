"""The transactional outbox of the user service.

An achievement or a level completion is recorded by a conditional write that *also* stores the message to
announce it (``USER#<id>/OUTBOX#<message id>``), in one transaction. Only the request whose conditional write
succeeded creates the message, so it exists once; publishing it is then retried until it succeeds: right after
the event, at the user's next event, and by a background sweep over the ``OUTBOX`` index. A message is claimed
with a short lease before publishing (so two sweepers do not both publish it) and deleted once published.
If a process dies between publishing and deleting, the message is published again with the *same envelope id*;
subscribers dedupe on the natural key (user + achievement code, user + level), so the inbox still gets it once.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import structlog

from senas.core.messages import Envelope, publish
from senas.platform.errors import ConditionFailed, PortError
from senas.platform.tables import GSI1, Condition, Item, KeyRange, Put, Table
from senas.users import keys
from senas.users.context import UsersContext

log = structlog.get_logger(__name__)

LEASE_SECONDS = 30


def outbox_put(user_id: str, topic: str, envelope: Envelope) -> Put:
    """The write to add to the transaction that decides the message should exist."""
    created = keys.iso(envelope.occurred_at)
    item: dict[str, Any] = {
        "pk": keys.user(user_id),
        "sk": keys.outbox(envelope.id),
        "topic": topic,
        "envelope": envelope.to_json(),
        "lease_until": 0,
        "version": 1,
        "gsi1pk": keys.OUTBOX_INDEX,
        "gsi1sk": f"{created}#{user_id}#{envelope.id}",
    }
    return Put(item, Condition.item_absent())


class Outbox:
    def __init__(self, context: UsersContext) -> None:
        self.context = context

    @property
    def table(self) -> Table:
        return self.context.ports.progress

    async def drain_user(self, user_id: str) -> int:
        page = await self.table.query(keys.user(user_id), sk=KeyRange.prefix("OUTBOX#"), limit=100)
        return await self._publish_all(page.items)

    async def drain_all(self, *, limit: int = 100) -> int:
        page = await self.table.query(keys.OUTBOX_INDEX, index=GSI1, limit=limit)
        return await self._publish_all(page.items)

    async def _publish_all(self, items: list[Item]) -> int:
        published = 0
        for item in items:
            try:
                published += await self._publish_one(item)
            except PortError as exc:  # left for the next drain
                log.warning("outbox_publish_failed", sk=item["sk"], error=str(exc))
        return published

    async def _publish_one(self, item: Item) -> int:
        now = time.time()
        if float(item.get("lease_until", 0)) > now:
            return 0  # another drainer holds it
        version = int(item["version"])
        claimed = {**item, "lease_until": now + LEASE_SECONDS, "version": version + 1}
        try:
            await self.table.put(claimed, condition=Condition.version_is(version))
        except ConditionFailed:
            return 0
        envelope = Envelope.from_json(str(item["envelope"]))
        await publish(self.context.topic(str(item["topic"])), envelope)
        with contextlib.suppress(ConditionFailed):  # already gone (e.g. the account was deleted meanwhile)
            await self.table.delete(str(item["pk"]), str(item["sk"]), condition=Condition.version_is(version + 1))
        log.info("outbox_published", message_type=envelope.type, message_id=envelope.id)
        return 1
