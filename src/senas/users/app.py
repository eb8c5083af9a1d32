"""user-service (``/users``, port 8001): accounts, profile, progress, streaks, reviews, achievements.

Configuration of its own (``SENAS_USERS_*``, see ``senas.users.settings``): notably
``SENAS_USERS_BOOTSTRAP_ADMIN_EMAIL`` — the account that signs up with that email becomes the first admin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.platform import catalog
from senas.platform.errors import PortError
from senas.platform.wiring import Platform
from senas.users.accounts.router import router as accounts_router
from senas.users.achievements.router import router as achievements_router
from senas.users.auth.router import router as auth_router
from senas.users.handlers import handlers
from senas.users.leaderboard.router import router as leaderboard_router
from senas.users.notifications.router import router as notifications_router
from senas.users.outbox import Outbox
from senas.users.progress.router import router as progress_router
from senas.users.reviews.router import router as reviews_router
from senas.users.runtime import runtime_for

log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI, platform: Platform) -> AsyncIterator[None]:
    """Sweeps the outbox in the background (messages whose publication failed at request time) and ends the
    live notification streams on shutdown."""
    runtime = runtime_for(platform)
    stopping = asyncio.Event()

    async def sweep() -> None:
        outbox = Outbox(runtime)
        while not stopping.is_set():
            try:
                await outbox.drain_all()
            except PortError as exc:
                log.warning("outbox_sweep_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=runtime.settings.outbox_poll_seconds)

    task = asyncio.create_task(sweep())
    try:
        yield
    finally:
        runtime.hub.close()
        stopping.set()
        await asyncio.gather(task, return_exceptions=True)


SPEC = ServiceSpec(
    name="users",
    title="Señas — user service",
    description="Cuentas, perfil, progreso, rachas, repaso espaciado, logros y notificaciones.\n\n"
    "Accounts, profile, progress, streaks, spaced review, achievements and notifications.",
    routers=(
        auth_router,
        accounts_router,
        progress_router,
        reviews_router,
        achievements_router,
        notifications_router,
        leaderboard_router,
    ),
    tables=(catalog.USER_DATA, catalog.USER_PROGRESS),
    queues=(catalog.PRACTICE_RESULTS, catalog.USER_NOTIFICATIONS),
    handlers=handlers,
    lifespan=lifespan,
)


def create_app(platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
