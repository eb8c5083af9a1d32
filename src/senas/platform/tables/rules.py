"""The rules every tables implementation applies in the same way, so that the embedded (SQLite) and the AWS
(DynamoDB) tables refuse exactly the same input and page the same way: key, item and condition validation,
DynamoDB's item size and nesting limits, counters, sort-key ranges, and opaque cursors bound to their query."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from senas.platform.errors import InvalidRequest
from senas.platform.json_text import compact_json, from_json
from senas.platform.tables import (
    EXPIRES_AT,
    GSI1,
    GSI1_PK,
    GSI1_SK,
    MAX_GET_MANY_KEYS,
    PK,
    SK,
    VERSION,
    Condition,
    Item,
    KeyRange,
)

MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size limit (measured the way DynamoDB does, approximately)
MAX_NESTING_DEPTH = 32  # DynamoDB's limit for nested lists and maps


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def utf8_len(text: str, what: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidRequest(f"{what} is not valid Unicode text (lone surrogate)") from None


def check_key(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{what} must be a non-empty string, got {value!r}")
    utf8_len(value, what)
    return value


def number_size(value: int | float) -> int:
    if type(value) is int:  # the common case, without the float spelling's '.', 'e' and signs to remove
        digits = str(abs(value)).strip("0")
    else:
        digits = repr(abs(value)).replace(".", "").replace("e", "").replace("+", "").replace("-", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def value_size(value: object, depth: int) -> int:
    """Validate one attribute value (JSON-like, as DynamoDB can hold it) and return its approximate size."""
    # Exact types first (every item is checked on every write): strings, ints, then the rest as before.
    if type(value) is str:
        return len(value) if value.isascii() else utf8_len(value, "a string value")
    if type(value) is int:
        return number_size(value)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return number_size(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequest(f"numbers must be finite, got {value!r}")
        return number_size(value)
    if isinstance(value, str):
        return utf8_len(value, "a string value")
    if depth >= MAX_NESTING_DEPTH:
        raise InvalidRequest(f"lists and maps may be nested at most {MAX_NESTING_DEPTH} deep")
    if isinstance(value, list):
        return 3 + sum(1 + value_size(element, depth + 1) for element in value)
    if isinstance(value, dict):
        total = 3
        for name, element in value.items():
            if not isinstance(name, str):
                raise InvalidRequest(f"map keys must be strings, got {name!r}")
            # The common case inline (an ASCII name and an ASCII string), without a call per value.
            total += 1 + (len(name) if name.isascii() else utf8_len(name, "a map key"))
            if type(element) is str and element.isascii():
                total += len(element)
            else:
                total += value_size(element, depth + 1)
        return total
    raise InvalidRequest(f"unsupported value of type {type(value).__name__}: items must be JSON-like")


class EncodedItem(NamedTuple):
    pk: str
    sk: str
    gsi1pk: str | None
    gsi1sk: str | None
    expires_at: float | None
    body: str


def expiry_of(item: Item) -> float | None:
    """The TTL of an item; like DynamoDB, a non-numeric ``expires_at`` means "never expires"."""
    value = item.get(EXPIRES_AT)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def item_json(item: Item) -> str:
    """A stored item's JSON text (see ``senas.platform.json_text``)."""
    return compact_json(item)


def item_from_json(text: str) -> Item:
    """The item a stored body holds (see ``item_json``)."""
    item: Item = from_json(text)
    return item


def encode_item(item: object) -> EncodedItem:
    """Validate an item and turn it into the row that stores it; raises InvalidRequest."""
    if not isinstance(item, dict):
        raise InvalidRequest(f"an item must be a dict, got {type(item).__name__}")
    pk = check_key(item.get(PK), "the partition key 'pk'")
    sk = check_key(item.get(SK), "the sort key 'sk'")
    size = 0
    for name, value in item.items():
        if not isinstance(name, str) or not name:
            raise InvalidRequest(f"attribute names must be non-empty strings, got {name!r}")
        size += len(name) if name.isascii() else utf8_len(name, "an attribute name")
        size += len(value) if type(value) is str and value.isascii() else value_size(value, 0)
    if size > MAX_ITEM_BYTES:
        raise InvalidRequest(f"item size {size} bytes exceeds the maximum of {MAX_ITEM_BYTES} bytes")
    gsi1pk, gsi1sk = item.get(GSI1_PK), item.get(GSI1_SK)
    if gsi1pk is not None:
        check_key(gsi1pk, f"the index key {GSI1_PK!r}")
    if gsi1sk is not None:
        check_key(gsi1sk, f"the index key {GSI1_SK!r}")
    indexed = isinstance(gsi1pk, str) and isinstance(gsi1sk, str)  # sparse: needs both, as a DynamoDB GSI
    try:
        body = item_json(item)
    except (TypeError, ValueError) as exc:  # pragma: no cover - value_size rejects these first
        raise InvalidRequest(f"item is not JSON-serialisable: {exc}") from None
    return EncodedItem(
        pk=pk,
        sk=sk,
        gsi1pk=gsi1pk if indexed else None,
        gsi1sk=gsi1sk if indexed else None,
        expires_at=expiry_of(item),
        body=body,
    )


def check_condition(condition: object) -> Condition | None:
    if condition is None:
        return None
    if not isinstance(condition, Condition):
        raise InvalidRequest(f"a condition must be a Condition, got {type(condition).__name__}")
    if condition.not_exists and condition.version is not None:
        raise InvalidRequest("a condition is either not_exists or version, never both")
    if condition.version is not None and not is_number(condition.version):
        raise InvalidRequest(f"a version condition needs a number, got {condition.version!r}")
    if not condition.not_exists and condition.version is None:
        return None  # the empty condition always holds
    return condition


def condition_holds(condition: Condition | None, current: Item | None) -> bool:
    if condition is None:
        return True
    if condition.not_exists:
        return current is None
    if current is None:
        return False
    stored = current.get(VERSION)
    return is_number(stored) and stored == condition.version


def check_get_many_keys(keys: object) -> list[tuple[str, str]]:
    """The keys of a ``get_many``: (pk, sk) pairs, at most MAX_GET_MANY_KEYS, none twice (as BatchGetItem wants)."""
    if isinstance(keys, str | bytes) or not isinstance(keys, Sequence):
        raise InvalidRequest(f"get_many takes a sequence of (pk, sk) keys, got {type(keys).__name__}")
    if len(keys) > MAX_GET_MANY_KEYS:
        raise InvalidRequest(f"get_many reads at most {MAX_GET_MANY_KEYS} keys at once, got {len(keys)}")
    checked: list[tuple[str, str]] = []
    for key in keys:
        if not isinstance(key, tuple) or len(key) != 2:
            raise InvalidRequest(f"each key of get_many is a (pk, sk) pair, got {key!r}")
        checked.append((check_key(key[0], "pk"), check_key(key[1], "sk")))
    if len(set(checked)) != len(checked):
        raise InvalidRequest("get_many cannot read the same key twice")
    return checked


def check_amounts(amounts: object) -> dict[str, int | float]:
    if not isinstance(amounts, dict):
        raise InvalidRequest(f"amounts must be a dict, got {type(amounts).__name__}")
    checked: dict[str, int | float] = {}
    for name, amount in amounts.items():
        if not isinstance(name, str) or not name:
            raise InvalidRequest(f"attribute names must be non-empty strings, got {name!r}")
        if name in (PK, SK, GSI1_PK, GSI1_SK):
            raise InvalidRequest(f"cannot add to the key attribute {name!r}")
        if not is_number(amount) or not math.isfinite(amount):
            raise InvalidRequest(f"the amount for {name!r} must be a finite number, got {amount!r}")
        checked[name] = amount
    return checked


def with_amounts_added(current: Item, amounts: dict[str, int | float]) -> Item:
    """The item after adding ``amounts``; InvalidRequest when an attribute holds anything but a number."""
    after = dict(current)
    for name, amount in amounts.items():
        before = after.get(name, 0)
        if not is_number(before):
            raise InvalidRequest(f"cannot add to {name!r}: it holds {type(before).__name__}, not a number")
        after[name] = before + amount
    return after


def check_range(sk: object) -> KeyRange | None:
    if sk is None:
        return None
    if not isinstance(sk, KeyRange):
        raise InvalidRequest(f"a sort-key restriction must be a KeyRange, got {type(sk).__name__}")
    if sk.begins_with is not None:
        if sk.gte is not None or sk.lte is not None:
            raise InvalidRequest("begins_with cannot be combined with gte/lte")
        check_key(sk.begins_with, "begins_with")
    if sk.gte is not None:
        check_key(sk.gte, "gte")
    if sk.lte is not None:
        check_key(sk.lte, "lte")
    if sk.gte is not None and sk.lte is not None and sk.gte.encode() > sk.lte.encode():
        raise InvalidRequest(f"between needs low <= high, got {sk.gte!r} > {sk.lte!r}")
    if sk.begins_with is None and sk.gte is None and sk.lte is None:
        return None
    return sk


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix`` (in code point order,
    which is UTF-8 byte order), or None when there is none."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be encoded in UTF-8
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


# -------------------- cursors


def query_identity(table: str, index: str | None, pk: str, sk: KeyRange | None, ascending: bool) -> str:
    parts = [table, index, pk, ascending]
    if sk is not None:
        parts += [sk.begins_with, sk.gte, sk.lte]
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def encode_cursor(identity: str, key: list[str]) -> str:
    raw = json.dumps({"q": identity, "k": key}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: object, identity: str, key_length: int) -> list[str]:
    if not isinstance(cursor, str) or not cursor:
        raise InvalidRequest("the cursor must be a non-empty string")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError are all ValueErrors
        raise InvalidRequest("the cursor is not one this table issued") from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise InvalidRequest("the cursor is not one this table issued")
    if data.get("q") != identity:
        raise InvalidRequest("the cursor belongs to a different query")
    key: list[Any] = data["k"]
    if len(key) != key_length or not all(isinstance(part, str) for part in key):
        raise InvalidRequest("the cursor is not one this table issued")
    return [str(part) for part in key]


class QueryPlan(NamedTuple):
    """A checked query: its sort-key range, the names of the partition and sort keys it addresses, the columns
    that order its results (the last row's values make the cursor) and where the previous page ended."""

    key_range: KeyRange | None
    partition_key: str
    sort_key: str
    order: list[str]
    after: list[str] | None
    identity: str  # what a cursor of this query is bound to

    def next_cursor(self, last_row_order_values: list[str]) -> str:
        return encode_cursor(self.identity, last_row_order_values)


def plan_query(
    table: str, pk: object, sk: object, index: str | None, ascending: bool, limit: object, cursor: object
) -> QueryPlan:
    """Validate a query the same way on every implementation (DynamoDB's rules) and plan its paging."""
    check_key(pk, "pk")
    key_range = check_range(sk)
    if index not in (None, GSI1):
        raise InvalidRequest(f"{table}: unknown index {index!r} (the only index is {GSI1!r})")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise InvalidRequest(f"limit must be a positive integer, got {limit!r}")
    identity = query_identity(table, index, str(pk), key_range, bool(ascending))
    order = [SK] if index is None else [GSI1_SK, PK, SK]
    after = None if cursor is None else decode_cursor(cursor, identity, len(order))
    partition_key, sort_key = (PK, SK) if index is None else (GSI1_PK, GSI1_SK)
    return QueryPlan(key_range, partition_key, sort_key, order, after, identity)
