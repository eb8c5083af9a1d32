"""The three services by name, so the CLI and the gateway build them the same way."""

from __future__ import annotations

import importlib
from typing import Protocol

from fastapi import FastAPI

from senas.core.app import ServiceSpec
from senas.platform.wiring import Platform

SERVICE_NAMES = ("content", "users", "ml")


class AppFactory(Protocol):
    def __call__(self, platform: Platform, *, run_consumers: bool = ..., owns_platform: bool = ...) -> FastAPI: ...


def service_module_name(name: str) -> str:
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; choose one of: {', '.join(SERVICE_NAMES)}")
    return f"senas.{name}.app"


def app_factory(name: str) -> AppFactory:
    module = importlib.import_module(service_module_name(name))
    factory: AppFactory = module.create_app
    return factory


def service_spec(name: str) -> ServiceSpec:
    module = importlib.import_module(service_module_name(name))
    spec: ServiceSpec = module.SPEC
    return spec
