"""The compact JSON text of the tables' bodies and of the attempts' snapshots reads back exactly what was written:
integers past 64 bits keep every digit (orjson alone would read them as floats), whatever text surrounds them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from senas.platform.json_text import compact_json, from_json

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (1 == 1.0, but a float read for an integer lost its digits)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@given(_values)
def test_what_is_written_reads_back_the_same(value: Any) -> None:
    assert _same(from_json(compact_json(value)), value)


def test_integers_past_64_bits_keep_their_digits_beside_other_text() -> None:
    for value in (
        {"gloss": "AÑO «x»", "big": 2**64},
        [-(2**63) - 1, "ñ"],
        {"n": 10**30, "text": "🤟"},
        2**64 + 1,
    ):
        assert _same(from_json(compact_json(value)), value)


def test_runs_of_digits_inside_strings_read_the_same() -> None:
    value = {"phone": "1234567890123456789012", "n": 18446744073709551615, "m": -9223372036854775808}
    assert _same(from_json(compact_json(value)), value)


def test_text_with_a_lone_surrogate_is_read_by_the_standard_library() -> None:
    text = json.dumps({"s": "\ud800"}, ensure_ascii=False)  # orjson refuses to read (or write) one
    assert from_json(text) == {"s": "\ud800"}
