"""Key families of a single-table design: ``USER#<id>``, ``LB#<week>#<language>``… spelled in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyPrefix:
    """``KeyPrefix("USER")("u1") == "USER#u1"``; several parts are joined with ``#`` in the order given."""

    prefix: str

    def __call__(self, *parts: str) -> str:
        return "#".join((self.prefix, *parts))
