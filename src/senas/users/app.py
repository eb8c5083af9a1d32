"""user-service (``/users``, port 8001): accounts, profile, progress, streaks, reviews, achievements."""

from __future__ import annotations

from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.platform import catalog
from senas.platform.wiring import Platform

SPEC = ServiceSpec(
    name="users",
    title="Señas — user service",
    description="Cuentas, perfil, progreso, rachas, repaso espaciado, logros y notificaciones.\n\n"
    "Accounts, profile, progress, streaks, spaced review, achievements and notifications.",
    tables=(catalog.USER_DATA, catalog.USER_PROGRESS),
    queues=(catalog.PRACTICE_RESULTS, catalog.USER_NOTIFICATIONS),
)


def create_app(platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
