"""Deliberately broken variants of the SQLite tables, each wrong in exactly one way.

``test_tables_catches_broken.py`` runs the contract suite against each of them (selected through
``SENAS_CONTRACT_TABLES_IMPL=broken-…``) to prove that the suite notices the breakage.
"""

from __future__ import annotations

import asyncio
import pathlib
import time
from collections.abc import Callable, Iterable, Sequence

from senas.platform.errors import ConditionFailed, TransactionCancelled
from senas.platform.tables import Add, Condition, ConditionCheck, Delete, Item, KeyRange, Page, Put, WriteOp
from senas.platform.tables.local import SqliteTable, SqliteTables
from senas.platform.tables.rules import check_amounts, with_amounts_added


class IgnoresConditions(SqliteTable):
    async def put(self, item: Item, *, condition: Condition | None = None) -> None:
        await super().put(item)

    async def delete(self, pk: str, sk: str, *, condition: Condition | None = None) -> bool:
        return await super().delete(pk, sk)


class NonAtomicCounter(SqliteTable):
    """Reads, then writes: correct one call at a time, but concurrent adds overwrite each other."""

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        checked = check_amounts(amounts)
        item = await self.get(pk, sk) or {"pk": pk, "sk": sk}
        await asyncio.sleep(0)  # another coroutine reads the same value meanwhile
        after = with_amounts_added(item, checked)
        await self.put(after)
        return after


class IgnoresDescending(SqliteTable):
    async def query(
        self,
        pk: str,
        *,
        sk: KeyRange | None = None,
        index: str | None = None,
        ascending: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        return await super().query(pk, sk=sk, index=index, ascending=True, limit=limit, cursor=cursor)


class SkipsItemsBetweenPages(SqliteTable):
    """Returns the page without its last item but continues after it: one item per page is never seen."""

    async def query(
        self,
        pk: str,
        *,
        sk: KeyRange | None = None,
        index: str | None = None,
        ascending: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        page = await super().query(pk, sk=sk, index=index, ascending=ascending, limit=limit, cursor=cursor)
        if page.cursor is not None and len(page.items) > 1:
            return Page(items=page.items[:-1], cursor=page.cursor)
        return page


class NoRollback(SqliteTable):
    """Applies the operations one by one and stops at the first failed condition, keeping what it did."""

    async def transact_write(self, ops: Sequence[WriteOp]) -> None:
        for position, op in enumerate(ops):
            try:
                if isinstance(op, Put):
                    await self.put(op.item, condition=op.condition)
                elif isinstance(op, Delete):
                    await self.delete(op.pk, op.sk, condition=op.condition)
                elif isinstance(op, Add | ConditionCheck):
                    await super().transact_write([op])
            except (ConditionFailed, TransactionCancelled):
                reasons: list[str | None] = [None] * len(ops)
                reasons[position] = "ConditionalCheckFailed"
                raise TransactionCancelled(reasons) from None


class GetManyInStoredOrder(SqliteTable):
    """Answers ``get_many`` with what it found in the table's order, without the gaps for absent keys: right only
    when every key is there and asked in that order."""

    async def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item | None]:
        found = [item for item in await super().get_many(keys) if item is not None]
        return sorted(found, key=lambda item: (str(item["pk"]), str(item["sk"])))


class IgnoresTtl(SqliteTables):
    """Its clock is stuck in 1970, so nothing ever expires."""

    def __init__(
        self, path: pathlib.Path, table_names: Iterable[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(path, table_names, clock=lambda: 0.0)


def _with_table(table_class: type[SqliteTable]) -> type[SqliteTables]:
    return type(f"{table_class.__name__}Tables", (SqliteTables,), {"table_class": table_class})


BROKEN: dict[str, type[SqliteTables]] = {
    "broken-conditions": _with_table(IgnoresConditions),
    "broken-counter": _with_table(NonAtomicCounter),
    "broken-ordering": _with_table(IgnoresDescending),
    "broken-pagination": _with_table(SkipsItemsBetweenPages),
    "broken-transactions": _with_table(NoRollback),
    "broken-get-many": _with_table(GetManyInStoredOrder),
    "broken-ttl": IgnoresTtl,
}
