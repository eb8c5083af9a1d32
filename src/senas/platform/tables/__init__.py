"""The key-value tables port, shaped after DynamoDB's access patterns.

Items are JSON-like dicts. Every item has a partition key ``pk`` and a sort key ``sk`` (strings). The one secondary
index, ``gsi1``, is keyed by the optional attributes ``gsi1pk``/``gsi1sk``: items without ``gsi1pk`` are not in it.
An item whose ``expires_at`` (epoch seconds, int) lies in the past is never returned by any read, exactly as
DynamoDB's TTL must be treated because its deletion is lazy. Numbers are ``int`` or ``float``; AWS
implementations convert to and from ``Decimal`` themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Item = dict[str, Any]

PK = "pk"
SK = "sk"
GSI1_PK = "gsi1pk"
GSI1_SK = "gsi1sk"
EXPIRES_AT = "expires_at"
VERSION = "version"
GSI1 = "gsi1"


@dataclass(frozen=True)
class Condition:
    """A write condition. ``not_exists``: no live item with this key. ``version``: the stored item's ``version``
    attribute equals this value. Both may be combined with nothing else; an empty condition always holds."""

    not_exists: bool = False
    version: int | None = None

    @staticmethod
    def item_absent() -> Condition:
        return Condition(not_exists=True)

    @staticmethod
    def version_is(version: int) -> Condition:
        return Condition(version=version)


@dataclass(frozen=True)
class KeyRange:
    """A sort-key restriction for queries: ``between`` (inclusive both ends), ``begins_with``, or one-sided bounds
    (``gte``/``lte``). Strings compare by their UTF-8 bytes, as DynamoDB compares them."""

    begins_with: str | None = None
    gte: str | None = None
    lte: str | None = None

    @staticmethod
    def between(low: str, high: str) -> KeyRange:
        return KeyRange(gte=low, lte=high)

    @staticmethod
    def prefix(prefix: str) -> KeyRange:
        return KeyRange(begins_with=prefix)


@dataclass
class Page:
    """One page of query results; ``cursor`` is an opaque token for the next page, None on the last page."""

    items: list[Item]
    cursor: str | None = None


@dataclass(frozen=True)
class Put:
    item: Item
    condition: Condition | None = None
    kind: Literal["put"] = "put"


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str
    condition: Condition | None = None
    kind: Literal["delete"] = "delete"


@dataclass(frozen=True)
class Add:
    """Atomically add ``amounts`` to numeric attributes of one item, creating the item and attributes at 0."""

    pk: str
    sk: str
    amounts: dict[str, int | float] = field(default_factory=dict)
    condition: Condition | None = None
    kind: Literal["add"] = "add"


@dataclass(frozen=True)
class ConditionCheck:
    pk: str
    sk: str
    condition: Condition = field(default_factory=Condition)
    kind: Literal["check"] = "check"


WriteOp = Put | Delete | Add | ConditionCheck

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
MAX_GET_MANY_KEYS = 100  # DynamoDB's BatchGetItem limit


@runtime_checkable
class Table(Protocol):
    """One key-value table (UserData, UserProgress, AiSessions …)."""

    name: str

    async def put(self, item: Item, *, condition: Condition | None = None) -> None:
        """Store ``item`` whole, replacing any item with its key. Raises ConditionFailed."""

    async def get(self, pk: str, sk: str) -> Item | None:
        """The live item with this key, or None (expired items count as absent)."""

    async def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item | None]:
        """The live items with these (pk, sk) keys, read at once (strongly consistent, like ``get``), in the order
        asked; None where there is none. At most MAX_GET_MANY_KEYS keys, each at most once (InvalidRequest)."""

    async def delete(self, pk: str, sk: str, *, condition: Condition | None = None) -> bool:
        """Delete; True when a live item was there. Raises ConditionFailed."""

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        """Atomically add to numeric attributes (creating them, and the item, at 0); return the item after."""

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
        """Items of one partition (of the table, or of ``index`` when given), ordered by sort key.

        ``limit`` caps the page size; pass the returned cursor to continue. A cursor from another query raises
        InvalidRequest. On an index, ``pk``/``sk`` address ``gsi1pk``/``gsi1sk``."""

    async def transact_write(self, ops: Sequence[WriteOp]) -> None:
        """Apply all operations or none. At most MAX_TRANSACTION_ITEMS, each key at most once.
        Raises TransactionCancelled with one reason per op (None where that op was fine)."""

    async def ping(self) -> None:
        """Raise Unavailable when the table cannot be reached (used by readiness)."""


@runtime_checkable
class Tables(Protocol):
    """Gives access to the named tables of one deployment."""

    def table(self, name: str) -> Table: ...

    async def close(self) -> None: ...
