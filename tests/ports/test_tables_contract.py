"""The contract of the key-value tables port (:mod:`senas.platform.tables`), run against every implementation.

Written only against the Protocol, so it runs unchanged against the embedded SQLite tables and against
DynamoDB (moto, DynamoDB Local). To add an implementation, add a factory to ``IMPLEMENTATIONS``: an async
context manager that takes a temporary folder and yields a :class:`Harness` whose ``tables`` has the tables
named in ``TABLE_NAMES``.

``SENAS_CONTRACT_TABLES_IMPL`` (comma-separated names) restricts the run to some implementations; names
starting with ``broken-`` pick the deliberately broken variants of ``broken_tables.py`` (see
``test_tables_catches_broken.py``).

Time: ``harness.now()`` is the implementation's "now"; ``await harness.advance(seconds)`` moves it forward —
a fake clock for the embedded implementation, a real sleep for implementations whose clock cannot be
faked — so TTL tests only use offsets of a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from senas.platform.errors import ConditionFailed, InvalidRequest, NotFound, TransactionCancelled
from senas.platform.tables import (
    MAX_GET_MANY_KEYS,
    MAX_TRANSACTION_ITEMS,
    Add,
    Condition,
    ConditionCheck,
    Delete,
    Item,
    KeyRange,
    Page,
    Put,
    Table,
    Tables,
)
from senas.platform.tables.local import SqliteTables

TABLE = "contract"
OTHER_TABLE = "contract-other"
TABLE_NAMES = (TABLE, OTHER_TABLE)
IMPL_ENV = "SENAS_CONTRACT_TABLES_IMPL"


# -------------------------------------------------------------------------------------- implementations


@dataclass
class Harness:
    tables: Tables
    now: Callable[[], float]
    advance: Callable[[float], Awaitable[None]]


Factory = Callable[[Path], AbstractAsyncContextManager[Harness]]


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.time = start

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


def sqlite_factory(tables_class: type[SqliteTables]) -> Factory:
    @asynccontextmanager
    async def make(tmp_path: Path) -> AsyncIterator[Harness]:
        clock = FakeClock()

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        tables = tables_class(tmp_path / "tables" / "kv.sqlite3", TABLE_NAMES, clock=clock)
        try:
            yield Harness(tables=tables, now=clock, advance=advance)
        finally:
            await tables.close()

    return make


make_sqlite = sqlite_factory(SqliteTables)

from aws.aws_harness import tables_implementations  # noqa: E402 - DynamoDB on moto (and DynamoDB Local)

IMPLEMENTATIONS: dict[str, Factory] = {"sqlite": make_sqlite, **tables_implementations()}


def _selected() -> list[str]:
    names = [name.strip() for name in os.environ.get(IMPL_ENV, "").split(",") if name.strip()]
    return names or list(IMPLEMENTATIONS)


def _factory(name: str) -> Factory:
    if name in IMPLEMENTATIONS:
        return IMPLEMENTATIONS[name]
    if name.startswith("broken-"):
        import broken_tables  # next to this module; only the self-test uses it

        return sqlite_factory(broken_tables.BROKEN[name])
    raise pytest.UsageError(f"{IMPL_ENV}: unknown tables implementation {name!r}")


@pytest.fixture(params=_selected())
async def tables_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with _factory(request.param)(tmp_path) as harness:
        yield harness


@pytest.fixture
def table(tables_factory: Harness) -> Table:
    return tables_factory.tables.table(TABLE)


@pytest.fixture
def harness(tables_factory: Harness) -> Harness:
    return tables_factory


def keys(items: list[Item]) -> list[str]:
    return [item["sk"] for item in items]


async def collect(
    table: Table, pk: str, *, page_size: int, cursor: str | None = None, **kwargs: object
) -> tuple[list[Item], list[Page]]:
    """Every item of a query (from ``cursor`` on), following cursors; also the pages, to check their sizes."""
    items: list[Item] = []
    pages: list[Page] = []
    while True:
        page = await table.query(pk, limit=page_size, cursor=cursor, **kwargs)  # type: ignore[arg-type]
        pages.append(page)
        assert len(page.items) <= page_size
        items += page.items
        cursor = page.cursor
        if cursor is None:
            return items, pages
        assert len(pages) < 1000, "the cursor never ends"


# ---------------------------------------------------------------------------------------------- basics


def test_implements_the_protocol(harness: Harness, table: Table) -> None:
    assert isinstance(harness.tables, Tables)
    assert isinstance(table, Table)
    assert table.name == TABLE


def test_unknown_table_raises_not_found(harness: Harness) -> None:
    with pytest.raises(NotFound):
        harness.tables.table("no-such-table")


async def test_put_then_get_returns_the_item(table: Table) -> None:
    item = {"pk": "user#1", "sk": "profile", "name": "Ana", "langs": ["LSE", "LSM"], "meta": {"a": 1}}
    await table.put(item)
    assert await table.get("user#1", "profile") == item


async def test_get_absent_returns_none(table: Table) -> None:
    assert await table.get("user#1", "nothing") is None


async def test_get_many_answers_in_the_order_asked(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "u#1", "sk": "a", "n": 1, "nested": {"x": [1.5, "y"]}})
    await table.put({"pk": "u#1", "sk": "b", "n": 2})
    await table.put({"pk": "u#2", "sk": "a", "n": 3, "expires_at": now + 2})
    await table.put({"pk": "u#2", "sk": "gone", "expires_at": now - 10})
    asked = [("u#2", "a"), ("u#1", "missing"), ("u#1", "b"), ("u#2", "gone"), ("u#1", "a")]
    assert await table.get_many(asked) == [
        {"pk": "u#2", "sk": "a", "n": 3, "expires_at": now + 2},
        None,
        {"pk": "u#1", "sk": "b", "n": 2},
        None,  # expired: absent, as for get
        {"pk": "u#1", "sk": "a", "n": 1, "nested": {"x": [1.5, "y"]}},
    ]
    await harness.advance(3)
    assert await table.get_many([("u#2", "a"), ("u#1", "b")]) == [None, {"pk": "u#1", "sk": "b", "n": 2}]
    assert await table.get_many([]) == []
    many = [(f"p#{number}", "s") for number in range(MAX_GET_MANY_KEYS)]
    await table.put({"pk": "p#99", "sk": "s", "last": True})
    assert (await table.get_many(many))[-1] == {"pk": "p#99", "sk": "s", "last": True}


@pytest.mark.parametrize(
    "keys",
    [
        [("p", "s"), ("p", "s")],  # the same key twice
        [(f"p#{number}", "s") for number in range(MAX_GET_MANY_KEYS + 1)],
        [("", "s")],
        [("p",)],
        "ps",
    ],
    ids=["twice", "too-many", "empty-pk", "not-a-pair", "a-string"],
)
async def test_get_many_refuses_what_batch_get_refuses(table: Table, keys: object) -> None:
    with pytest.raises(InvalidRequest):
        await table.get_many(keys)  # type: ignore[arg-type]


async def test_put_replaces_the_whole_item(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "a": 1, "b": 2})
    await table.put({"pk": "p", "sk": "s", "c": 3})
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "c": 3}


async def test_returned_items_are_copies(table: Table) -> None:
    item: Item = {"pk": "p", "sk": "s", "list": [1], "map": {"x": 1}}
    await table.put(item)
    item["list"].append(2)  # mutating the caller's dict after the put changes nothing stored
    got = await table.get("p", "s")
    assert got is not None
    got["map"]["x"] = 99
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "list": [1], "map": {"x": 1}}


async def test_delete_returns_true_when_present_then_false(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s"})
    assert await table.delete("p", "s") is True
    assert await table.get("p", "s") is None
    assert await table.delete("p", "s") is False


async def test_delete_absent_returns_false(table: Table) -> None:
    assert await table.delete("p", "never") is False


async def test_tables_are_independent(harness: Harness) -> None:
    one, other = harness.tables.table(TABLE), harness.tables.table(OTHER_TABLE)
    await one.put({"pk": "p", "sk": "s", "where": "one"})
    await other.put({"pk": "p", "sk": "s", "where": "other"})
    assert await one.get("p", "s") == {"pk": "p", "sk": "s", "where": "one"}
    assert await other.get("p", "s") == {"pk": "p", "sk": "s", "where": "other"}
    await one.delete("p", "s")
    assert await other.get("p", "s") is not None
    assert keys((await other.query("p")).items) == ["s"]


async def test_number_types_are_preserved(table: Table) -> None:
    item = {
        "pk": "p",
        "sk": "numbers",
        "int": 1,
        "float_integral": 1.0,
        "float": 0.1,
        "negative": -3,
        "negative_float": -2.5,
        "zero": 0,
        "zero_float": 0.0,
        "big": 2**53 + 1,
        "list": [1, 2.5, 3.0],
        "map": {"i": 7, "f": 7.5},
    }
    await table.put(item)
    got = await table.get("p", "numbers")
    assert got == item
    assert got is not None
    for name in ("int", "negative", "zero", "big"):
        assert type(got[name]) is int, name
    for name in ("float_integral", "float", "negative_float", "zero_float"):
        assert type(got[name]) is float, name
    assert [type(value) for value in got["list"]] == [int, float, float]
    assert type(got["map"]["i"]) is int
    assert type(got["map"]["f"]) is float


async def test_integers_beyond_64_bits_keep_every_digit(table: Table) -> None:
    # DynamoDB holds 38 digits; a 64-bit integer is not the limit (nor a float's 17 digits).
    item = {"pk": "p", "sk": "wide", "up": 10**37 + 1, "down": -(2**64) - 1, "nested": [{"n": 2**70}], "id": "9" * 25}
    await table.put(item)
    assert await table.get("p", "wide") == item
    assert await table.get_many([("p", "wide")]) == [item]
    assert (await table.query("p")).items == [item]
    await table.add("p", "wide", {"up": 1})
    got = await table.get("p", "wide")
    assert got is not None
    assert got["up"] == 10**37 + 2
    assert type(got["up"]) is int


async def test_json_like_values_round_trip(table: Table) -> None:
    item = {
        "pk": "p",
        "sk": "values",
        "empty": "",
        "text": "señas ✋ 手話",
        "yes": True,
        "no": False,
        "nothing": None,
        "empty_list": [],
        "empty_map": {},
        "nested": {"a": [{"b": [None, True, "x", 1, 1.5]}]},
    }
    await table.put(item)
    got = await table.get("p", "values")
    assert got == item
    assert got is not None
    assert got["yes"] is True
    assert got["no"] is False


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"sk": "s"}, id="missing-pk"),
        pytest.param({"pk": "p"}, id="missing-sk"),
        pytest.param({"pk": "", "sk": "s"}, id="empty-pk"),
        pytest.param({"pk": "p", "sk": ""}, id="empty-sk"),
        pytest.param({"pk": 1, "sk": "s"}, id="numeric-pk"),
        pytest.param({"pk": "p", "sk": None}, id="none-sk"),
    ],
)
async def test_put_with_bad_key_is_invalid(table: Table, item: Item) -> None:
    with pytest.raises(InvalidRequest):
        await table.put(item)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda t: t.get("", "s"), id="get-empty-pk"),
        pytest.param(lambda t: t.get("p", ""), id="get-empty-sk"),
        pytest.param(lambda t: t.delete("", "s"), id="delete-empty-pk"),
        pytest.param(lambda t: t.add("p", "", {"n": 1}), id="add-empty-sk"),
        pytest.param(lambda t: t.query(""), id="query-empty-pk"),
    ],
)
async def test_empty_keys_are_invalid(table: Table, call: Callable[[Table], Awaitable[object]]) -> None:
    with pytest.raises(InvalidRequest):
        await call(table)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(object(), id="object"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param({1: "x"}, id="non-string-map-key"),
        pytest.param(b"bytes", id="bytes"),
    ],
)
async def test_values_that_are_not_json_like_are_invalid(table: Table, value: object) -> None:
    with pytest.raises(InvalidRequest):
        await table.put({"pk": "p", "sk": "s", "value": value})
    assert await table.get("p", "s") is None


async def test_oversized_item_is_invalid(table: Table) -> None:
    with pytest.raises(InvalidRequest):
        await table.put({"pk": "p", "sk": "s", "blob": "x" * 500_000})
    assert await table.get("p", "s") is None


# ------------------------------------------------------------------------------------------ conditions


async def test_put_if_absent_succeeds_when_absent(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "v": 1}, condition=Condition.item_absent())
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "v": 1}


async def test_put_if_absent_fails_when_present(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "v": 1})
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "s", "v": 2}, condition=Condition.item_absent())
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "v": 1}


async def test_put_if_absent_races_have_one_winner(table: Table) -> None:
    async def claim(who: int) -> bool:
        try:
            await table.put({"pk": "p", "sk": "lock", "owner": who}, condition=Condition.item_absent())
        except ConditionFailed:
            return False
        return True

    wins = await asyncio.gather(*(claim(who) for who in range(20)))
    assert wins.count(True) == 1
    stored = await table.get("p", "lock")
    assert stored is not None
    assert stored["owner"] == wins.index(True)


async def test_put_with_matching_version_succeeds(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "version": 1, "v": "a"})
    await table.put({"pk": "p", "sk": "s", "version": 2, "v": "b"}, condition=Condition.version_is(1))
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "version": 2, "v": "b"}


async def test_put_with_version_mismatch_fails(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "version": 3, "v": "a"})
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "s", "version": 3, "v": "b"}, condition=Condition.version_is(2))
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "version": 3, "v": "a"}


async def test_put_with_version_fails_when_absent(table: Table) -> None:
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "s", "version": 1}, condition=Condition.version_is(0))
    assert await table.get("p", "s") is None


async def test_put_with_version_fails_when_item_has_no_version(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s"})
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "s", "version": 1}, condition=Condition.version_is(0))


async def test_version_races_have_one_winner(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "version": 1})

    async def bump(who: int) -> bool:
        try:
            await table.put({"pk": "p", "sk": "s", "version": 2, "by": who}, condition=Condition.version_is(1))
        except ConditionFailed:
            return False
        return True

    wins = await asyncio.gather(*(bump(who) for who in range(20)))
    assert wins.count(True) == 1


async def test_empty_condition_always_holds(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "v": 1}, condition=Condition())
    await table.put({"pk": "p", "sk": "s", "v": 2}, condition=Condition())
    assert await table.delete("p", "s", condition=Condition()) is True


async def test_combined_condition_is_invalid(table: Table) -> None:
    with pytest.raises(InvalidRequest):
        await table.put({"pk": "p", "sk": "s"}, condition=Condition(not_exists=True, version=1))


async def test_conditional_delete_with_matching_version(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "version": 5})
    assert await table.delete("p", "s", condition=Condition.version_is(5)) is True
    assert await table.get("p", "s") is None


async def test_conditional_delete_with_version_mismatch_fails(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "version": 5})
    with pytest.raises(ConditionFailed):
        await table.delete("p", "s", condition=Condition.version_is(4))
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "version": 5}


async def test_conditional_delete_of_absent_item_with_version_fails(table: Table) -> None:
    with pytest.raises(ConditionFailed):
        await table.delete("p", "s", condition=Condition.version_is(1))


async def test_conditional_delete_if_absent(table: Table) -> None:
    assert await table.delete("p", "s", condition=Condition.item_absent()) is False
    await table.put({"pk": "p", "sk": "s"})
    with pytest.raises(ConditionFailed):
        await table.delete("p", "s", condition=Condition.item_absent())
    assert await table.get("p", "s") is not None


# -------------------------------------------------------------------------------------------- counters


async def test_add_creates_the_item_at_zero(table: Table) -> None:
    after = await table.add("p", "counter", {"n": 3})
    assert after == {"pk": "p", "sk": "counter", "n": 3}
    assert await table.get("p", "counter") == after


async def test_add_to_existing_item_keeps_other_attributes(table: Table) -> None:
    await table.put({"pk": "p", "sk": "stats", "xp": 10, "name": "Ana"})
    after = await table.add("p", "stats", {"xp": 5, "lessons": 1})
    assert after == {"pk": "p", "sk": "stats", "xp": 15, "lessons": 1, "name": "Ana"}
    assert await table.get("p", "stats") == after


async def test_add_negative_and_float_amounts(table: Table) -> None:
    await table.add("p", "c", {"i": 10, "f": 1.5})
    after = await table.add("p", "c", {"i": -4, "f": 0.25})
    assert after["i"] == 6
    assert type(after["i"]) is int
    assert after["f"] == 1.75
    assert type(after["f"]) is float


async def test_add_concurrent_increments_are_atomic(table: Table) -> None:
    results = await asyncio.gather(*(table.add("p", "hits", {"n": 1}) for _ in range(50)))
    assert sorted(result["n"] for result in results) == list(range(1, 51))
    assert await table.get("p", "hits") == {"pk": "p", "sk": "hits", "n": 50}


async def test_add_to_non_numeric_attribute_is_invalid(table: Table) -> None:
    await table.put({"pk": "p", "sk": "s", "n": "ten"})
    with pytest.raises(InvalidRequest):
        await table.add("p", "s", {"n": 1})
    assert await table.get("p", "s") == {"pk": "p", "sk": "s", "n": "ten"}


@pytest.mark.parametrize("amounts", [{"pk": 1}, {"sk": 1}, {"n": "1"}, {"n": None}, {"n": float("nan")}])
async def test_add_with_bad_amounts_is_invalid(table: Table, amounts: dict[str, int | float]) -> None:
    with pytest.raises(InvalidRequest):
        await table.add("p", "s", amounts)


# ---------------------------------------------------------------------------------------------- queries

SORT_KEYS = ["a", "a#1", "a#2", "a#3", "a$", "ab", "b", "b#1", "c"]


@pytest.fixture
async def partition(table: Table) -> Table:
    for sk in reversed(SORT_KEYS):  # written out of order on purpose
        await table.put({"pk": "part", "sk": sk, "v": sk})
    await table.put({"pk": "part-other", "sk": "a#1"})
    await table.put({"pk": "par", "sk": "a#1"})
    return table


async def test_query_returns_the_partition_in_ascending_order(partition: Table) -> None:
    page = await partition.query("part")
    assert keys(page.items) == SORT_KEYS
    assert page.cursor is None
    assert page.items[0] == {"pk": "part", "sk": "a", "v": "a"}


async def test_query_descending(partition: Table) -> None:
    page = await partition.query("part", ascending=False)
    assert keys(page.items) == list(reversed(SORT_KEYS))


async def test_query_empty_partition(partition: Table) -> None:
    page = await partition.query("nobody")
    assert page.items == []
    assert page.cursor is None


RANGES = [
    pytest.param(KeyRange.prefix("a#"), ["a#1", "a#2", "a#3"], id="begins_with"),
    pytest.param(KeyRange.prefix("a"), ["a", "a#1", "a#2", "a#3", "a$", "ab"], id="begins_with-short"),
    pytest.param(KeyRange.prefix("zz"), [], id="begins_with-nothing"),
    pytest.param(KeyRange.between("a#2", "b"), ["a#2", "a#3", "a$", "ab", "b"], id="between-inclusive"),
    pytest.param(KeyRange.between("a#10", "a#25"), ["a#2"], id="between-non-keys"),
    pytest.param(KeyRange.between("b", "b"), ["b"], id="between-one"),
    pytest.param(KeyRange(gte="ab"), ["ab", "b", "b#1", "c"], id="gte"),
    pytest.param(KeyRange(lte="a#2"), ["a", "a#1", "a#2"], id="lte"),
    pytest.param(KeyRange(gte="a#1z"), ["a#2", "a#3", "a$", "ab", "b", "b#1", "c"], id="gte-non-key"),
]


@pytest.mark.parametrize(("key_range", "expected"), RANGES)
async def test_query_key_range_ascending(partition: Table, key_range: KeyRange, expected: list[str]) -> None:
    assert keys((await partition.query("part", sk=key_range)).items) == expected


@pytest.mark.parametrize(("key_range", "expected"), RANGES)
async def test_query_key_range_descending(partition: Table, key_range: KeyRange, expected: list[str]) -> None:
    page = await partition.query("part", sk=key_range, ascending=False)
    assert keys(page.items) == list(reversed(expected))


@pytest.mark.parametrize(
    "key_range",
    [
        pytest.param(KeyRange(begins_with="a", gte="a"), id="begins_with-and-gte"),
        pytest.param(KeyRange.between("b", "a"), id="between-reversed"),
    ],
)
async def test_query_with_impossible_range_is_invalid(partition: Table, key_range: KeyRange) -> None:
    with pytest.raises(InvalidRequest):
        await partition.query("part", sk=key_range)


@pytest.mark.parametrize("limit", [0, -1])
async def test_query_with_bad_limit_is_invalid(partition: Table, limit: int) -> None:
    with pytest.raises(InvalidRequest):
        await partition.query("part", limit=limit)


async def test_query_unknown_index_is_invalid(partition: Table) -> None:
    with pytest.raises(InvalidRequest):
        await partition.query("part", index="no-such-index")


@pytest.fixture
async def many(table: Table) -> list[str]:
    sks = [f"item#{number:02d}" for number in range(25)]
    for sk in sks:
        await table.put({"pk": "many", "sk": sk})
    return sks


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
async def test_query_pagination_yields_every_item_once_in_order(table: Table, many: list[str], ascending: bool) -> None:
    items, pages = await collect(table, "many", page_size=10, ascending=ascending)
    assert keys(items) == (many if ascending else list(reversed(many)))
    assert len(pages[0].items) == 10
    assert pages[0].cursor is not None


async def test_query_pagination_pages_are_consecutive(table: Table, many: list[str]) -> None:
    first = await table.query("many", limit=10)
    second = await table.query("many", limit=10, cursor=first.cursor)
    assert keys(first.items) == many[:10]
    assert keys(second.items) == many[10:20]


@pytest.mark.parametrize("page_size", [1, 3, 24, 25, 26])
async def test_query_pagination_with_any_page_size(table: Table, many: list[str], page_size: int) -> None:
    items, _ = await collect(table, "many", page_size=page_size)
    assert keys(items) == many


async def test_query_pagination_within_a_key_range(table: Table, many: list[str]) -> None:
    items, _ = await collect(table, "many", page_size=4, sk=KeyRange.between("item#03", "item#17"))
    assert keys(items) == many[3:18]
    items, _ = await collect(table, "many", page_size=4, sk=KeyRange.prefix("item#1"), ascending=False)
    assert keys(items) == list(reversed(many[10:20]))


async def test_query_pagination_survives_deleting_the_last_item_seen(table: Table, many: list[str]) -> None:
    first = await table.query("many", limit=5)
    await table.delete("many", first.items[-1]["sk"])
    rest, _ = await collect(table, "many", page_size=100, cursor=first.cursor)
    assert keys(rest) == many[5:]


async def test_query_pagination_sees_items_written_ahead(table: Table, many: list[str]) -> None:
    first = await table.query("many", limit=5)
    await table.put({"pk": "many", "sk": "item#99"})
    await table.put({"pk": "many", "sk": "item#00-before"})  # behind the cursor: not seen
    rest, _ = await collect(table, "many", page_size=100, cursor=first.cursor)
    assert keys(rest) == [*many[5:], "item#99"]


@pytest.mark.parametrize(
    "other_query",
    [
        pytest.param({"pk": "many-other"}, id="other-partition"),
        pytest.param({"pk": "many", "ascending": False}, id="other-direction"),
        pytest.param({"pk": "many", "sk": KeyRange.prefix("item#")}, id="other-range"),
        pytest.param({"pk": "many", "index": "gsi1"}, id="other-index"),
    ],
)
async def test_query_cursor_from_another_query_is_invalid(
    table: Table, many: list[str], other_query: dict[str, object]
) -> None:
    await table.put({"pk": "many-other", "sk": "x"})
    page = await table.query("many", limit=5)
    assert page.cursor is not None
    with pytest.raises(InvalidRequest):
        await table.query(limit=5, cursor=page.cursor, **other_query)  # type: ignore[arg-type]


async def test_query_cursor_from_another_table_is_invalid(harness: Harness, table: Table, many: list[str]) -> None:
    other = harness.tables.table(OTHER_TABLE)
    await other.put({"pk": "many", "sk": "x"})
    page = await table.query("many", limit=5)
    with pytest.raises(InvalidRequest):
        await other.query("many", limit=5, cursor=page.cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!not base64!!!",
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"q": "x", "k": ["y"]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([1, 2, 3]).encode()).decode(),
        "ñandú",
    ],
)
async def test_query_garbage_cursor_is_invalid(table: Table, many: list[str], cursor: str) -> None:
    with pytest.raises(InvalidRequest):
        await table.query("many", limit=5, cursor=cursor)


# -------------------------------------------------------------------------------------- secondary index


@pytest.fixture
async def indexed(table: Table) -> Table:
    await table.put({"pk": "session#3", "sk": "meta", "gsi1pk": "user#1", "gsi1sk": "2024-03-01", "n": 3})
    await table.put({"pk": "session#1", "sk": "meta", "gsi1pk": "user#1", "gsi1sk": "2024-01-01", "n": 1})
    await table.put({"pk": "session#2", "sk": "meta", "gsi1pk": "user#1", "gsi1sk": "2024-02-01", "n": 2})
    await table.put({"pk": "session#4", "sk": "meta", "gsi1pk": "user#2", "gsi1sk": "2024-01-15", "n": 4})
    await table.put({"pk": "session#5", "sk": "meta", "n": 5})  # not in the index
    await table.put({"pk": "user#1", "sk": "profile"})  # a base-table partition named like an index partition
    return table


async def test_gsi_query_orders_by_gsi1sk(indexed: Table) -> None:
    page = await indexed.query("user#1", index="gsi1")
    assert [item["n"] for item in page.items] == [1, 2, 3]
    assert page.items[0] == {
        "pk": "session#1",
        "sk": "meta",
        "gsi1pk": "user#1",
        "gsi1sk": "2024-01-01",
        "n": 1,
    }


async def test_gsi_query_descending(indexed: Table) -> None:
    page = await indexed.query("user#1", index="gsi1", ascending=False)
    assert [item["n"] for item in page.items] == [3, 2, 1]


async def test_gsi_query_with_key_range(indexed: Table) -> None:
    page = await indexed.query("user#1", index="gsi1", sk=KeyRange(gte="2024-02"))
    assert [item["n"] for item in page.items] == [2, 3]
    page = await indexed.query("user#1", index="gsi1", sk=KeyRange.prefix("2024-01"))
    assert [item["n"] for item in page.items] == [1]


async def test_gsi_excludes_items_without_gsi1pk(indexed: Table) -> None:
    every = [item for pk in ("user#1", "user#2") for item in (await indexed.query(pk, index="gsi1")).items]
    assert sorted(item["n"] for item in every) == [1, 2, 3, 4]
    assert (await indexed.query("session#5", index="gsi1")).items == []


async def test_gsi_follows_updates_and_deletes(indexed: Table) -> None:
    await indexed.put({"pk": "session#1", "sk": "meta", "gsi1pk": "user#2", "gsi1sk": "2024-01-20", "n": 1})
    await indexed.put({"pk": "session#2", "sk": "meta", "n": 2})  # leaves the index
    await indexed.delete("session#3", "meta")
    assert (await indexed.query("user#1", index="gsi1")).items == []
    assert [item["n"] for item in (await indexed.query("user#2", index="gsi1")).items] == [4, 1]


async def test_gsi_pagination_with_ties_yields_every_item_once(table: Table) -> None:
    expected = set()
    for number in range(17):
        day = f"2024-01-0{number % 3}"  # many items share a gsi1sk
        await table.put({"pk": f"s#{number:02d}", "sk": "meta", "gsi1pk": "u", "gsi1sk": day})
        expected.add(f"s#{number:02d}")
    for ascending in (True, False):
        items, pages = await collect(table, "u", page_size=4, index="gsi1", ascending=ascending)
        seen = [item["pk"] for item in items]
        assert sorted(seen) == sorted(expected)  # each exactly once
        days = [item["gsi1sk"] for item in items]
        assert days == sorted(days, reverse=not ascending)
        assert len(pages[0].items) == 4


# ------------------------------------------------------------------------------------------ transactions


async def test_transact_write_applies_every_operation(table: Table) -> None:
    await table.put({"pk": "u", "sk": "old"})
    await table.put({"pk": "u", "sk": "stats", "xp": 10, "version": 1})
    await table.put({"pk": "u", "sk": "guard", "version": 7})
    await table.transact_write(
        [
            Put({"pk": "u", "sk": "attempt#1", "score": 0.9}, condition=Condition.item_absent()),
            Delete("u", "old"),
            Add("u", "stats", {"xp": 5}, condition=Condition.version_is(1)),
            Add("u", "new-counter", {"n": 1}),
            ConditionCheck("u", "guard", Condition.version_is(7)),
        ]
    )
    assert await table.get("u", "attempt#1") == {"pk": "u", "sk": "attempt#1", "score": 0.9}
    assert await table.get("u", "old") is None
    assert await table.get("u", "stats") == {"pk": "u", "sk": "stats", "xp": 15, "version": 1}
    assert await table.get("u", "new-counter") == {"pk": "u", "sk": "new-counter", "n": 1}
    assert await table.get("u", "guard") == {"pk": "u", "sk": "guard", "version": 7}


async def test_transact_write_is_all_or_nothing(table: Table) -> None:
    await table.put({"pk": "u", "sk": "old"})
    await table.put({"pk": "u", "sk": "stats", "xp": 10})
    await table.put({"pk": "u", "sk": "guard", "version": 7})
    before = (await table.query("u")).items
    with pytest.raises(TransactionCancelled) as cancelled:
        await table.transact_write(
            [
                Put({"pk": "u", "sk": "attempt#1"}),
                Delete("u", "old"),
                Add("u", "stats", {"xp": 5}),
                ConditionCheck("u", "guard", Condition.version_is(8)),
            ]
        )
    assert cancelled.value.reasons[:3] == [None, None, None]
    assert cancelled.value.reasons[3] is not None
    assert "ConditionalCheckFailed" in cancelled.value.reasons[3]
    assert (await table.query("u")).items == before


async def test_transact_write_reports_every_failed_condition(table: Table) -> None:
    await table.put({"pk": "u", "sk": "taken"})
    with pytest.raises(TransactionCancelled) as cancelled:
        await table.transact_write(
            [
                Put({"pk": "u", "sk": "taken"}, condition=Condition.item_absent()),
                Put({"pk": "u", "sk": "free"}, condition=Condition.item_absent()),
                Delete("u", "missing", condition=Condition.version_is(1)),
            ]
        )
    reasons = cancelled.value.reasons
    assert len(reasons) == 3
    assert reasons[0] is not None
    assert reasons[1] is None
    assert reasons[2] is not None
    assert await table.get("u", "free") is None


async def test_transact_write_concurrent_transactions_serialise(table: Table) -> None:
    await table.put({"pk": "u", "sk": "doc", "version": 1})

    async def attempt(who: int) -> bool:
        try:
            await table.transact_write(
                [
                    Put({"pk": "u", "sk": "doc", "version": 2, "by": who}, condition=Condition.version_is(1)),
                    Add("u", "commits", {"n": 1}),
                ]
            )
        except TransactionCancelled:
            return False
        return True

    wins = await asyncio.gather(*(attempt(who) for who in range(10)))
    assert wins.count(True) == 1
    assert await table.get("u", "commits") == {"pk": "u", "sk": "commits", "n": 1}


async def test_transact_write_accepts_the_maximum(table: Table) -> None:
    await table.transact_write([Put({"pk": "bulk", "sk": f"{n:03d}"}) for n in range(MAX_TRANSACTION_ITEMS)])
    items, _ = await collect(table, "bulk", page_size=100)
    assert len(items) == MAX_TRANSACTION_ITEMS


async def test_transact_write_with_too_many_items_is_invalid(table: Table) -> None:
    with pytest.raises(InvalidRequest):
        await table.transact_write([Put({"pk": "bulk", "sk": f"{n:03d}"}) for n in range(MAX_TRANSACTION_ITEMS + 1)])
    assert (await table.query("bulk")).items == []


async def test_transact_write_empty_is_invalid(table: Table) -> None:
    with pytest.raises(InvalidRequest):
        await table.transact_write([])


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param([Put({"pk": "u", "sk": "a"}), Put({"pk": "u", "sk": "a", "x": 1})], id="put-put"),
        pytest.param([Put({"pk": "u", "sk": "a"}), ConditionCheck("u", "a", Condition.item_absent())], id="put-check"),
        pytest.param([Add("u", "a", {"n": 1}), Delete("u", "a")], id="add-delete"),
    ],
)
async def test_transact_write_same_key_twice_is_invalid(table: Table, ops: list[Put | Delete | Add]) -> None:
    with pytest.raises(InvalidRequest):
        await table.transact_write(ops)
    assert await table.get("u", "a") is None


async def test_transact_write_invalid_item_is_invalid(table: Table) -> None:
    with pytest.raises(InvalidRequest):
        await table.transact_write([Put({"pk": "u", "sk": "ok"}), Put({"pk": "u", "sk": ""})])
    assert await table.get("u", "ok") is None


# --------------------------------------------------------------------------------------------------- TTL


async def test_expired_item_is_not_returned_by_get(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "soon", "expires_at": now + 2})
    await table.put({"pk": "p", "sk": "later", "expires_at": now + 3600})
    await table.put({"pk": "p", "sk": "gone", "expires_at": now - 10})
    assert await table.get("p", "soon") is not None
    assert await table.get("p", "gone") is None
    await harness.advance(3)
    assert await table.get("p", "soon") is None
    assert await table.get("p", "later") == {"pk": "p", "sk": "later", "expires_at": now + 3600}


async def test_expired_items_are_not_returned_by_query(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    for number in range(6):
        expires = {"expires_at": now - 10} if number % 2 else {}
        await table.put({"pk": "p", "sk": f"{number}", "gsi1pk": "g", "gsi1sk": f"{number}", **expires})
    await table.put({"pk": "p", "sk": "soon", "gsi1pk": "g", "gsi1sk": "soon", "expires_at": now + 2})
    assert keys((await table.query("p")).items) == ["0", "2", "4", "soon"]
    await harness.advance(3)
    assert keys((await table.query("p")).items) == ["0", "2", "4"]
    assert keys((await table.query("p", ascending=False)).items) == ["4", "2", "0"]
    assert keys((await table.query("g", index="gsi1")).items) == ["0", "2", "4"]
    items, _ = await collect(table, "p", page_size=1)
    assert keys(items) == ["0", "2", "4"]


async def test_expired_item_does_not_count_for_not_exists(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "lock", "owner": "a", "expires_at": now + 2})
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "lock", "owner": "b"}, condition=Condition.item_absent())
    await harness.advance(3)
    await table.put({"pk": "p", "sk": "lock", "owner": "b"}, condition=Condition.item_absent())
    assert await table.get("p", "lock") == {"pk": "p", "sk": "lock", "owner": "b"}


async def test_expired_item_does_not_count_for_not_exists_in_transactions(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "k", "expires_at": now - 10})
    await table.transact_write([Put({"pk": "p", "sk": "k", "v": 1}, condition=Condition.item_absent())])
    assert await table.get("p", "k") == {"pk": "p", "sk": "k", "v": 1}


async def test_expired_item_fails_version_condition(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "k", "version": 1, "expires_at": now - 10})
    with pytest.raises(ConditionFailed):
        await table.put({"pk": "p", "sk": "k", "version": 2}, condition=Condition.version_is(1))


async def test_delete_of_expired_item_returns_false(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "k", "expires_at": now - 10})
    assert await table.delete("p", "k") is False
    assert await table.get("p", "k") is None


async def test_expired_counter_starts_again_from_zero(harness: Harness, table: Table) -> None:
    now = int(harness.now())
    await table.put({"pk": "p", "sk": "rate", "n": 41, "expires_at": now - 10})
    assert await table.add("p", "rate", {"n": 1}) == {"pk": "p", "sk": "rate", "n": 1}


async def test_item_without_expiry_never_expires(harness: Harness, table: Table) -> None:
    await table.put({"pk": "p", "sk": "forever"})
    await harness.advance(3)
    assert await table.get("p", "forever") == {"pk": "p", "sk": "forever"}


# ----------------------------------------------------------------------------------------------- unicode

UNICODE_KEYS = ["Z", "a", "se", "senas", "señas", "sez", "é", "ñ", "ﬁ", "😀", "𝄞", "~"]


async def test_unicode_sort_keys_order_by_utf8_bytes(table: Table) -> None:
    for sk in UNICODE_KEYS:
        await table.put({"pk": "señas", "sk": sk})
    by_bytes = sorted(UNICODE_KEYS, key=lambda key: key.encode("utf-8"))
    assert by_bytes.index("ﬁ") < by_bytes.index("😀")  # U+FB01 before U+1F600, unlike UTF-16 order
    assert keys((await table.query("señas")).items) == by_bytes
    assert keys((await table.query("señas", ascending=False)).items) == list(reversed(by_bytes))
    items, _ = await collect(table, "señas", page_size=5)
    assert keys(items) == by_bytes
    assert keys((await table.query("señas", sk=KeyRange.prefix("se"))).items) == [
        "se",
        "senas",
        "sez",
        "señas",
    ]
    assert keys((await table.query("señas", sk=KeyRange.prefix("señ"))).items) == ["señas"]
    assert keys((await table.query("señas", sk=KeyRange.between("ñ", "😀"))).items) == ["ñ", "ﬁ", "𝄞", "😀"]


async def test_unicode_partition_keys_are_distinct(table: Table) -> None:
    await table.put({"pk": "señas", "sk": "s", "v": "ñ"})
    await table.put({"pk": "senas", "sk": "s", "v": "n"})
    assert await table.get("señas", "s") == {"pk": "señas", "sk": "s", "v": "ñ"}
    assert await table.get("senas", "s") == {"pk": "senas", "sk": "s", "v": "n"}
    assert keys((await table.query("señas")).items) == ["s"]


async def test_ping(table: Table) -> None:
    await table.ping()
