"""The inference port: one JSON request in, one JSON answer out (an in-process model when embedded, a SageMaker
endpoint on AWS). The request/response contract of each model is defined and tested by the ML service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

# An in-process model: a JSON-like dict in, a dict out (run in a worker thread by the host).
Model = Callable[[Mapping[str, Any]], dict[str, Any]]


@runtime_checkable
class Inference(Protocol):
    async def invoke(self, model: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Run ``model`` on ``payload``. Raises NotFound for an unknown model, InvalidRequest for a payload the
        model refuses, Unavailable when the endpoint cannot be reached."""

    async def ping(self) -> None: ...


@runtime_checkable
class ModelHost(Protocol):
    """Where in-process models are registered (the embedded inference port, and the aws profile's without an
    endpoint)."""

    def register(self, name: str, model: Model) -> None:
        """Add or replace a model (e.g. after new templates are loaded)."""
