"""The three services by name, so the CLI and the gateway build them the same way: each service's
``bootstrap.build(platform)`` makes its composition root, and its ``app.create_app(root)`` the HTTP app."""

from __future__ import annotations

import importlib
from typing import Protocol

from fastapi import FastAPI

from senas.core.app import ServiceRoot
from senas.wiring import Platform

SERVICE_NAMES = ("content", "users", "ml")


class _Bootstrap(Protocol):
    def build(self, platform: Platform) -> ServiceRoot: ...


class _AppModule(Protocol):
    def create_app(self, root: ServiceRoot, *, run_consumers: bool = ..., owns_platform: bool = ...) -> FastAPI: ...


def _module(name: str, part: str) -> object:
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; choose one of: {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"senas.{name}.{part}")


def build_root(name: str, platform: Platform) -> ServiceRoot:
    """The composition root of one service on this platform."""
    bootstrap: _Bootstrap = _module(name, "bootstrap")  # type: ignore[assignment]
    return bootstrap.build(platform)


def build_app(name: str, platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    module: _AppModule = _module(name, "app")  # type: ignore[assignment]
    return module.create_app(build_root(name, platform), run_consumers=run_consumers, owns_platform=owns_platform)
