"""The key-value tables on DynamoDB (one DynamoDB table per port table: ``pk``/``sk`` keys, sparse GSI ``gsi1`` on
``gsi1pk``/``gsi1sk``, TTL on ``expires_at``, as Terraform and ``senas aws provision`` create them).

Where DynamoDB's behaviour differs from the port's contract, this module bridges the gap:

* **Numbers** come back from DynamoDB as decimals, so ``1.0`` would return as ``1``. Each item records the paths
  of its whole-valued floats in the reserved string-set attribute ``_senas_floats`` (hidden from callers), and
  counters that receive a float amount are added to it atomically in the same ``UpdateItem``.
* **TTL** deletion is lazy in AWS (up to days) and absent in emulators, so every read filters expired items and
  every condition treats them as absent (``attribute_not_exists(pk) OR expires_at <= :now``). ``add`` on an
  expired item starts again from zero: the live-only ``ADD`` fails its condition, and the item is replaced by a
  fresh one as long as it is still the same expired item.
* **Pagination** cursors are our own: opaque, bound to the query (table, index, partition, range, direction) and
  built from the last returned item's key, which is exactly DynamoDB's ``ExclusiveStartKey``. Pages are filled
  to ``limit`` live items even when expired items are skipped.
* **Validation** is the embedded implementation's, so both reject exactly the same items, keys and amounts.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import ConditionFailed, InvalidRequest, NotFound, TransactionCancelled, Unavailable
from senas.platform.tables import (
    EXPIRES_AT,
    GSI1_PK,
    GSI1_SK,
    MAX_TRANSACTION_ITEMS,
    PK,
    SK,
    VERSION,
    Add,
    Condition,
    ConditionCheck,
    Delete,
    Item,
    KeyRange,
    Page,
    Put,
    WriteOp,
)

# The rules both implementations share, so that they refuse exactly the same input.
from senas.platform.tables.rules import (
    check_amounts,
    check_condition,
    check_get_many_keys,
    check_key,
    encode_item,
    plan_query,
)

__all__ = ["FLOAT_PATHS", "DynamoTable", "DynamoTables"]

FLOAT_PATHS = "_senas_floats"  # reserved: JSON paths of the item's whole-valued floats
MAX_QUERY_BATCH = 1000  # items asked of DynamoDB per Query call while filling a page
MAX_DIGITS = 38  # DynamoDB's number precision
MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
MIN_MAGNITUDE = Decimal("1E-130")
_ADD_ATTEMPTS = 5
_GET_MANY_ATTEMPTS = 8  # rounds of BatchGetItem for the keys DynamoDB left unprocessed (throttling)
_TRANSACTION_ATTEMPTS = 3

# Expression fragments. "#exp"/":now"/":num" must be declared by whoever uses them.
_LIVE = "(attribute_not_exists(#exp) OR NOT attribute_type(#exp, :num) OR #exp > :now)"
_ABSENT = "(attribute_not_exists(#pk) OR (attribute_type(#exp, :num) AND #exp <= :now))"
_STILL_EXPIRED = "(attribute_type(#exp, :num) AND #exp = :expired_at)"


# -------------------- values


def _number(value: int | float) -> str:
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if number != 0:
        magnitude = abs(number)
        if magnitude > MAX_MAGNITUDE or magnitude < MIN_MAGNITUDE:
            raise InvalidRequest(f"DynamoDB numbers lie between 1E-130 and 1E+126 in magnitude, got {value!r}")
        if len(number.normalize().as_tuple().digits) > MAX_DIGITS:
            raise InvalidRequest(f"DynamoDB numbers have at most {MAX_DIGITS} significant digits, got {value!r}")
    return str(number)


def _to_attribute(value: Any, path: list[str | int], floats: list[str]) -> dict[str, Any]:
    """One JSON-like value (already validated) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": _number(value)}
    if isinstance(value, float):
        if value.is_integer():
            floats.append(json.dumps(path, ensure_ascii=False))
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_to_attribute(element, [*path, index], floats) for index, element in enumerate(value)]}
    if isinstance(value, dict):
        return {"M": {name: _to_attribute(element, [*path, name], floats) for name, element in value.items()}}
    raise InvalidRequest(f"unsupported value of type {type(value).__name__}")  # pragma: no cover - validated


def _from_attribute(attribute: dict[str, Any], path: list[str | int], floats: frozenset[str]) -> Any:
    kind, value = next(iter(attribute.items()))
    if kind == "S":
        return value
    if kind == "N":
        number = Decimal(value)
        if json.dumps(path, ensure_ascii=False) in floats:
            return float(number)
        if number == number.to_integral_value():
            return int(number)
        return float(number)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [_from_attribute(element, [*path, index], floats) for index, element in enumerate(value)]
    if kind == "M":
        return {name: _from_attribute(element, [*path, name], floats) for name, element in value.items()}
    raise Unavailable(f"DynamoDB returned an attribute of unexpected type {kind}")


def _marshal(item: Item) -> dict[str, Any]:
    """Validate an item and turn it into DynamoDB's attribute map (with its float marker)."""
    encode_item(item)  # the embedded tables' validation: keys, JSON-like values, size
    if FLOAT_PATHS in item:
        raise InvalidRequest(f"the attribute name {FLOAT_PATHS!r} is reserved")
    floats: list[str] = []
    attributes = {name: _to_attribute(value, [name], floats) for name, value in item.items()}
    if floats:
        attributes[FLOAT_PATHS] = {"SS": sorted(set(floats))}
    return attributes


def _unmarshal(attributes: dict[str, Any]) -> Item:
    marker = attributes.get(FLOAT_PATHS)
    floats = frozenset(marker.get("SS", ())) if marker else frozenset()
    return {name: _from_attribute(value, [name], floats) for name, value in attributes.items() if name != FLOAT_PATHS}


def _expires_at(item: Item | dict[str, Any]) -> float | None:
    value = item.get(EXPIRES_AT)
    if isinstance(value, dict):  # a raw attribute value
        return float(Decimal(value["N"])) if "N" in value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _live(item: Item | dict[str, Any], now: float) -> bool:
    expires_at = _expires_at(item)
    return expires_at is None or expires_at > now


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {PK: {"S": pk}, SK: {"S": sk}}


class _Expression:
    """Collects the names and values an expression uses (DynamoDB refuses unused ones)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def use(self, text: str) -> str:
        for placeholder, name in (("#pk", PK), ("#exp", EXPIRES_AT), ("#ver", VERSION)):
            if placeholder in text:
                self.names[placeholder] = name
        if ":now" in text:
            self.values[":now"] = {"N": _number(self.now)}
        if ":num" in text:
            self.values[":num"] = {"S": "N"}
        return text

    def condition(self, condition: Condition | None) -> str | None:
        """The ConditionExpression of a port condition (None: no condition)."""
        if condition is None:
            return None
        if condition.not_exists:
            return self.use(_ABSENT)
        assert condition.version is not None
        self.values[":ver"] = {"N": _number(condition.version)}
        return self.use(f"(#ver = :ver AND {_LIVE})")

    def params(self, **extra: Any) -> dict[str, Any]:
        params = dict(extra)
        if self.names:
            params["ExpressionAttributeNames"] = {**params.get("ExpressionAttributeNames", {}), **self.names}
        if self.values:
            params["ExpressionAttributeValues"] = {**params.get("ExpressionAttributeValues", {}), **self.values}
        return {name: value for name, value in params.items() if value is not None}


def _add_update(amounts: dict[str, int | float], expression: _Expression) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``ADD`` of every amount, plus the float marker for float amounts (so ``1.5 + 0.5`` stays a float)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses = []
    floats = []
    for number, (name, amount) in enumerate(amounts.items()):
        names[f"#a{number}"] = name
        values[f":a{number}"] = {"N": _number(amount)}
        clauses.append(f"#a{number} :a{number}")
        if isinstance(amount, float):
            floats.append(json.dumps([name], ensure_ascii=False))
    if floats:
        names["#floats"] = FLOAT_PATHS
        values[":floats"] = {"SS": sorted(set(floats))}
        clauses.append("#floats :floats")
    return "ADD " + ", ".join(clauses), names, values


def _op_key(op: WriteOp) -> tuple[str, str]:
    if isinstance(op, Put):
        return str(op.item[PK]), str(op.item[SK])
    return op.pk, op.sk


def _fresh_counter(pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
    return {PK: pk, SK: sk, **amounts}


class DynamoTable:
    """One port table backed by one DynamoDB table. Obtain it from :meth:`DynamoTables.table`."""

    def __init__(self, owner: DynamoTables, name: str, physical_name: str) -> None:
        self.name = name
        self.physical_name = physical_name
        self._owner = owner

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r} → {self.physical_name!r})"

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return await self._owner.clients.call("dynamodb", operation, TableName=self.physical_name, **params)
        except ClientError as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: ClientError) -> Exception:
        code = error_code(exc)
        if code == "ConditionalCheckFailedException":
            return ConditionFailed(f"{self.name}: {error_message(exc)}")
        if code == "ValidationException":
            return InvalidRequest(f"{self.name}: {error_message(exc)}")
        if code == "ResourceNotFoundException":
            return Unavailable(f"DynamoDB table {self.physical_name} does not exist")
        return Unavailable(f"DynamoDB {code or 'error'} on {self.physical_name}: {error_message(exc)}")

    # ---- the port

    async def put(self, item: Item, *, condition: Condition | None = None) -> None:
        attributes = _marshal(item)
        expression = _Expression(self._owner.now())
        condition_text = expression.condition(check_condition(condition))
        await self._call("put_item", **expression.params(Item=attributes, ConditionExpression=condition_text))

    async def get(self, pk: str, sk: str) -> Item | None:
        check_key(pk, "pk")
        check_key(sk, "sk")
        response = await self._call("get_item", Key=_key(pk, sk), ConsistentRead=True)
        attributes = response.get("Item")
        if attributes is None or not _live(attributes, self._owner.now()):
            return None
        return _unmarshal(attributes)

    async def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item | None]:
        wanted = check_get_many_keys(keys)
        if not wanted:
            return []
        found: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {
            self.physical_name: {"Keys": [_key(pk, sk) for pk, sk in wanted], "ConsistentRead": True}
        }
        for attempt in range(_GET_MANY_ATTEMPTS):
            try:
                response = await self._owner.clients.call("dynamodb", "batch_get_item", RequestItems=request)
            except ClientError as exc:
                raise self._translate(exc) from None
            for attributes in response.get("Responses", {}).get(self.physical_name, []):
                found[(attributes[PK]["S"], attributes[SK]["S"])] = attributes
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            await asyncio.sleep(min(1.0, 0.05 * 2**attempt))  # DynamoDB's advice: back off before asking again
        else:
            raise Unavailable(f"DynamoDB left keys of {self.physical_name} unread after {_GET_MANY_ATTEMPTS} rounds")
        now = self._owner.now()
        items: list[Item | None] = []
        for key in wanted:
            attributes = found.get(key)
            items.append(_unmarshal(attributes) if attributes is not None and _live(attributes, now) else None)
        return items

    async def delete(self, pk: str, sk: str, *, condition: Condition | None = None) -> bool:
        check_key(pk, "pk")
        check_key(sk, "sk")
        expression = _Expression(self._owner.now())
        condition_text = expression.condition(check_condition(condition))
        response = await self._call(
            "delete_item",
            **expression.params(Key=_key(pk, sk), ConditionExpression=condition_text, ReturnValues="ALL_OLD"),
        )
        old: dict[str, Any] | None = response.get("Attributes")
        return old is not None and _live(old, expression.now)  # an expired leftover is removed but was not "there"

    async def add(self, pk: str, sk: str, amounts: dict[str, int | float]) -> Item:
        check_key(pk, "pk")
        check_key(sk, "sk")
        checked = check_amounts(amounts)
        for _ in range(_ADD_ATTEMPTS):
            expression = _Expression(self._owner.now())
            update, names, values = _add_update(checked, expression)
            params = expression.params(
                Key=_key(pk, sk),
                UpdateExpression=update,
                ConditionExpression=expression.use(_LIVE),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
            try:
                response = await self._call("update_item", **params)
                return _unmarshal(response["Attributes"])
            except InvalidRequest as exc:
                raise InvalidRequest(f"{self.name}: cannot add to ({pk!r}, {sk!r}): {exc}") from None
            except ConditionFailed:
                pass  # the item is there but expired: it starts again from zero
            if await self._replace_expired(pk, sk, checked):
                return _fresh_counter(pk, sk, checked)
        raise Unavailable(f"{self.name}: the counter ({pk!r}, {sk!r}) kept changing; try again")

    async def _replace_expired(self, pk: str, sk: str, amounts: dict[str, int | float]) -> bool:
        """Replace the expired item with a fresh counter, unless someone changed it meanwhile."""
        response = await self._call("get_item", Key=_key(pk, sk), ConsistentRead=True)
        current = response.get("Item")
        expired_at = _expires_at(current) if current else None
        if current is None or expired_at is None or _live(current, self._owner.now()):
            return False  # changed since the failed ADD: retry it
        expression = _Expression(self._owner.now())
        expression.values[":expired_at"] = current[EXPIRES_AT]
        try:
            await self._call(
                "put_item",
                **expression.params(
                    Item=_marshal(_fresh_counter(pk, sk, amounts)),
                    ConditionExpression=expression.use(_STILL_EXPIRED),
                ),
            )
        except ConditionFailed:
            return False
        return True

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
        plan = plan_query(self.name, pk, sk, index, ascending, limit, cursor)
        key_range, partition_name, sort_name, start = plan.key_range, plan.partition_key, plan.sort_key, plan.after
        names = {"#p": partition_name}
        values: dict[str, Any] = {":p": {"S": pk}}
        condition = "#p = :p"
        if key_range is not None:
            names["#s"] = sort_name
            if key_range.begins_with is not None:
                condition += " AND begins_with(#s, :prefix)"
                values[":prefix"] = {"S": key_range.begins_with}
            elif key_range.gte is not None and key_range.lte is not None:
                condition += " AND #s BETWEEN :low AND :high"
                values[":low"], values[":high"] = {"S": key_range.gte}, {"S": key_range.lte}
            elif key_range.gte is not None:
                condition += " AND #s >= :low"
                values[":low"] = {"S": key_range.gte}
            else:
                condition += " AND #s <= :high"
                values[":high"] = {"S": key_range.lte}
        params: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": bool(ascending),
        }
        if index is None:
            params["ConsistentRead"] = True
        else:
            params["IndexName"] = index
        exclusive_start: dict[str, Any] | None = None
        if start is not None:
            exclusive_start = (
                {PK: {"S": pk}, SK: {"S": start[0]}}
                if index is None
                else {GSI1_PK: {"S": pk}, GSI1_SK: {"S": start[0]}, PK: {"S": start[1]}, SK: {"S": start[2]}}
            )

        # One live item more than asked tells whether another page exists.
        wanted = limit + 1
        now = self._owner.now()
        found: list[dict[str, Any]] = []
        while len(found) < wanted:
            batch = min(wanted - len(found), MAX_QUERY_BATCH)
            call = dict(params, Limit=batch)
            if exclusive_start is not None:
                call["ExclusiveStartKey"] = exclusive_start
            response = await self._call("query", **call)
            found += [attributes for attributes in response.get("Items", []) if _live(attributes, now)]
            exclusive_start = response.get("LastEvaluatedKey")
            if exclusive_start is None:
                break
        next_cursor = None
        if len(found) > limit:
            found = found[:limit]
            last = found[-1]
            next_cursor = plan.next_cursor([last[name]["S"] for name in plan.order])
        return Page(items=[_unmarshal(attributes) for attributes in found], cursor=next_cursor)

    async def transact_write(self, ops: Sequence[WriteOp]) -> None:
        ops = list(ops)
        if not ops:
            raise InvalidRequest("a transaction needs at least one operation")
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise InvalidRequest(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} operations, got {len(ops)}")
        seen: set[tuple[str, str]] = set()
        for op in ops:
            if isinstance(op, Put):
                encode_item(op.item)
                pk, sk = op.item[PK], op.item[SK]
            elif isinstance(op, Delete | Add | ConditionCheck):
                pk, sk = check_key(op.pk, "pk"), check_key(op.sk, "sk")
                if isinstance(op, Add):
                    check_amounts(op.amounts)
            else:
                raise InvalidRequest(f"unknown transaction operation {op!r}")
            if (pk, sk) in seen:
                raise InvalidRequest(f"a transaction cannot address the item ({pk!r}, {sk!r}) twice")
            seen.add((pk, sk))
            check_condition(op.condition)

        for attempt in range(_TRANSACTION_ATTEMPTS):
            # Counters on expired items must start from zero, which DynamoDB's ADD cannot do: such an Add becomes
            # a Put of a fresh counter, guarded by "still that expired item".
            expired = await self._expired_counters(ops)
            items = [self._transact_item(op, expired.get(_op_key(op))) for op in ops]
            try:
                await self._owner.clients.call("dynamodb", "transact_write_items", TransactItems=items)
                return
            except ClientError as exc:
                if error_code(exc) != "TransactionCanceledException":
                    raise self._translate(exc) from None
                reasons = [
                    None if reason.get("Code") in (None, "None") else str(reason["Code"])
                    for reason in exc.response.get("CancellationReasons", [])
                ]
                if len(reasons) != len(ops):
                    reasons = [error_message(exc)] * len(ops)
                if attempt + 1 < _TRANSACTION_ATTEMPTS and await self._counter_state_changed(ops, reasons, expired):
                    continue
                raise TransactionCancelled(reasons) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _expired_counters(self, ops: Sequence[WriteOp]) -> dict[tuple[str, str], dict[str, Any]]:
        """The ``expires_at`` attribute value of every Add target that is present but expired."""
        expired: dict[tuple[str, str], dict[str, Any]] = {}
        now = self._owner.now()
        for op in ops:
            if isinstance(op, Add):
                response = await self._call("get_item", Key=_key(op.pk, op.sk), ConsistentRead=True)
                current = response.get("Item")
                if current is not None and not _live(current, now):
                    expired[(op.pk, op.sk)] = current[EXPIRES_AT]
        return expired

    async def _counter_state_changed(
        self, ops: Sequence[WriteOp], reasons: list[str | None], expired: dict[tuple[str, str], dict[str, Any]]
    ) -> bool:
        """True when a refused Add was refused only because its item expired (or was renewed) meanwhile."""
        failed = [op for op, reason in zip(ops, reasons, strict=True) if reason is not None]
        if not all(isinstance(op, Add) and op.condition is None for op in failed):
            return False
        failed_adds = [op for op in failed if isinstance(op, Add)]
        return (await self._expired_counters(failed_adds)).keys() != {
            (op.pk, op.sk) for op in failed_adds if (op.pk, op.sk) in expired
        }

    def _transact_item(self, op: WriteOp, expired_at: dict[str, Any] | None) -> dict[str, Any]:
        expression = _Expression(self._owner.now())
        condition = expression.condition(check_condition(op.condition))
        table = self.physical_name
        if isinstance(op, Add) and expired_at is not None:
            expression.values[":expired_at"] = expired_at
            guard = expression.use(_STILL_EXPIRED)
            return {
                "Put": expression.params(
                    TableName=table,
                    Item=_marshal(_fresh_counter(op.pk, op.sk, op.amounts)),
                    ConditionExpression=guard if condition is None else f"{guard} AND {condition}",
                )
            }
        if isinstance(op, Put):
            return {"Put": expression.params(TableName=table, Item=_marshal(op.item), ConditionExpression=condition)}
        if isinstance(op, Delete):
            return {"Delete": expression.params(TableName=table, Key=_key(op.pk, op.sk), ConditionExpression=condition)}
        if isinstance(op, Add):
            update, names, values = _add_update(op.amounts, expression)
            live = expression.use(_LIVE)
            return {
                "Update": expression.params(
                    TableName=table,
                    Key=_key(op.pk, op.sk),
                    UpdateExpression=update,
                    ConditionExpression=live if condition is None else f"{live} AND {condition}",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            }
        return {
            "ConditionCheck": expression.params(
                TableName=table,
                Key=_key(op.pk, op.sk),
                ConditionExpression=condition or expression.use("attribute_exists(#pk) OR attribute_not_exists(#pk)"),
            )
        }

    async def ping(self) -> None:
        try:
            response = await self._owner.clients.call("dynamodb", "describe_table", TableName=self.physical_name)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise Unavailable(f"DynamoDB table {self.physical_name} does not exist") from None
            raise Unavailable(
                f"DynamoDB table {self.physical_name} cannot be read: {error_code(exc)} {error_message(exc)}"
            ) from None
        status = response.get("Table", {}).get("TableStatus")
        if status not in ("ACTIVE", "UPDATING"):
            raise Unavailable(f"DynamoDB table {self.physical_name} is {status}, not ACTIVE")


class DynamoTables:
    """The port tables of one deployment; ``names`` maps each port table name to its DynamoDB table name."""

    def __init__(
        self,
        clients: AwsClients,
        names: dict[str, str] | Iterable[str],
        *,
        clock: Callable[[], float] = time.time,
        owns_clients: bool = False,
    ) -> None:
        self.clients = clients
        self._clock = clock
        self._owns_clients = owns_clients
        mapping = dict(names) if isinstance(names, dict) else {name: name for name in names}
        self._tables = {name: DynamoTable(self, name, physical) for name, physical in mapping.items()}

    def table(self, name: str) -> DynamoTable:
        try:
            return self._tables[name]
        except KeyError:
            raise NotFound(f"no table named {name!r} (known: {', '.join(sorted(self._tables))})") from None

    def now(self) -> float:
        now = float(self._clock())
        return math.floor(now * 1000) / 1000  # DynamoDB compares the TTL as a number: keep it short

    async def ping(self) -> None:
        for table in self._tables.values():
            await table.ping()

    async def close(self) -> None:
        if self._owns_clients:
            await self.clients.close()


if TYPE_CHECKING:  # static proof that the classes implement the port
    from senas.platform.tables import Table, Tables

    def _conforms(tables: DynamoTables, table: DynamoTable) -> tuple[Tables, Table]:
        return tables, table
