"""The in-process implementation of the inference port: models are Python callables (JSON-like dict in, dict
out) run in a worker thread so CPU-bound scoring does not block the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from senas.platform.errors import InvalidRequest, NotFound
from senas.platform.inference import Model


class LocalInference:
    def __init__(self, models: Mapping[str, Model] | None = None) -> None:
        self._models: dict[str, Model] = dict(models or {})

    def register(self, name: str, model: Model) -> None:
        """Add or replace a model (e.g. after new templates are loaded)."""
        self._models[name] = model

    async def invoke(self, model: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        runner = self._models.get(model)
        if runner is None:
            raise NotFound(f"no model called {model!r} is loaded")
        try:
            return await asyncio.to_thread(runner, payload)
        except ValueError as exc:  # includes pydantic's ValidationError: the payload breaks the model's contract
            raise InvalidRequest(str(exc)) from exc

    async def ping(self) -> None:
        if not self._models:
            raise NotFound("no model is loaded")
