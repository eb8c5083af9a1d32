"""Counters that the table forgets on their own: the rate limits' and the login throttle's windows."""

from __future__ import annotations

import contextlib

from senas.platform.errors import ConditionFailed
from senas.platform.tables import Condition, Table


async def increment_expiring(table: Table, pk: str, sk: str, field: str, *, expires_at: int) -> int:
    """Adds 1 to ``field`` of the item and returns the new count. The first increment creates the item with a
    conditional put carrying ``expires_at`` (``add`` alone would leave it without one, and the table would keep it
    for ever); every later one is the table's atomic ``add``. Each is a single atomic write on DynamoDB and on the
    embedded tables, so concurrent increments from many processes are all counted."""
    with contextlib.suppress(ConditionFailed):
        await table.put({"pk": pk, "sk": sk, field: 1, "expires_at": expires_at}, condition=Condition.item_absent())
        return 1
    counter = await table.add(pk, sk, {field: 1})
    return int(counter[field])
