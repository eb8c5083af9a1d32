"""The progress repository reads many items of a learner's partition at once, past the port's limit per read."""

from __future__ import annotations

from senas.platform import catalog
from senas.platform.tables import MAX_GET_MANY_KEYS, Put
from senas.users import keys
from senas.users.progress.repository import ProgressRepository
from senas.wiring import Platform


async def test_items_come_back_in_order_across_several_reads(platform: Platform) -> None:
    table = platform.tables.table(platform.settings.table_name(catalog.USER_PROGRESS))
    repository = ProgressRepository(table)
    count = 2 * MAX_GET_MANY_KEYS + 17
    stored = [f"CARD#s{n:04d}:perform" for n in range(0, count, 2)]  # every other key exists
    for start in range(0, len(stored), 50):
        await table.transact_write(
            [Put({"pk": keys.user("u-1"), "sk": sk, "n": int(sk[6:10])}) for sk in stored[start : start + 50]]
        )
    asked = [f"CARD#s{n:04d}:perform" for n in reversed(range(count))]
    found = await repository.items("u-1", asked)
    assert len(found) == count
    assert [item["n"] if item else None for item in found] == [
        n if n % 2 == 0 else None for n in reversed(range(count))
    ]
    assert await repository.items("u-1", []) == []
