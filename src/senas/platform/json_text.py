"""Compact JSON text, written and read by orjson with the standard library where orjson would get it wrong: the
stored bodies of the embedded tables, and the JSON text some items keep in one attribute (a lesson attempt's
snapshot, an idempotency record's outcome) — written on every write of such a request, so its cost counts."""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads an integer past 64 bits as a float (its digits lost): a text with such a run of digits is read by the
# standard library instead (19 digits: the shortest run that can be one; a float's repr has at most 17). The run is
# looked for in the UTF-8 bytes with every digit turned into "0" — a table lookup per byte, where a regular
# expression's scan cost ten times orjson's whole parse of an attempt's snapshot. A digit is one ASCII byte, and no
# byte of a multi-byte character is one.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19


def compact_json(value: Any) -> str:
    """The standard library's text with ``ensure_ascii`` off and compact separators, written by orjson (several
    times faster); an integer past 64 bits, which only the standard library writes, goes to it."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def from_json(text: str) -> Any:
    """The value a text of ``compact_json`` (or of the standard library) holds, every digit kept."""
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate, which orjson refuses to read: the standard library reads it
        return json.loads(text)
    return orjson.loads(data) if _LONG_RUN not in data.translate(_DIGITS_TO_ZERO) else json.loads(text)
