"""The secrets port (the environment when embedded, Secrets Manager on AWS)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Secrets(Protocol):
    async def get(self, name: str) -> str:
        """The secret's value (JSON secrets come back as their JSON text). Raises NotFound."""
