"""user-service (``/users``, port 8001): accounts, profile, progress, streaks, reviews, achievements.

Configuration of its own (``SENAS_USERS_*``, see ``senas.users.settings``). The first admin is made by an operator:
``senas users grant-admin EMAIL`` (``senas.users.cli``).
"""

from __future__ import annotations

from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.users.accounts.router import router as accounts_router
from senas.users.achievements.router import router as achievements_router
from senas.users.auth.router import router as auth_router
from senas.users.bootstrap import UsersRoot
from senas.users.leaderboard.router import router as leaderboard_router
from senas.users.notifications.router import router as notifications_router
from senas.users.progress.router import attempts_router
from senas.users.progress.router import router as progress_router
from senas.users.reviews.router import router as reviews_router

SPEC = ServiceSpec(
    name="users",
    title="Señas — user service",
    description="Cuentas, perfil, progreso, rachas, repaso espaciado, logros y notificaciones.\n\n"
    "Accounts, profile, progress, streaks, spaced review, achievements and notifications.",
    # Routes are matched in order: the lesson attempts (most of a learner's requests) come first (every router's routes
    # are added to the app itself: see ``include_flat``).
    routers=(
        attempts_router,
        progress_router,
        auth_router,
        accounts_router,
        reviews_router,
        achievements_router,
        notifications_router,
        leaderboard_router,
    ),
)


def create_app(root: UsersRoot, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, root, run_consumers=run_consumers, owns_platform=owns_platform)
