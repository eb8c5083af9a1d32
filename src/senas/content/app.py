"""content-service (``/content``, port 8000): levels, lessons, signs, exercises and media."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from senas.content import migrate
from senas.content.catalog.author_router import router as author_router
from senas.content.catalog.router import router as catalogue_router
from senas.content.db import Database, create_engine, resolve_database_url
from senas.content.handlers import content_handlers
from senas.content.media.router import router as media_router
from senas.content.practice.router import router as practice_router
from senas.content.runtime import runtime_for
from senas.content.seed import seed_demo
from senas.content.settings import ContentSettings
from senas.core.app import Check, ServiceSpec, create_service_app
from senas.core.errors import error_body
from senas.platform import catalog
from senas.platform.wiring import Platform

log = structlog.get_logger(__name__)


def _checks(platform: Platform) -> Mapping[str, Check]:
    runtime = runtime_for(platform)

    async def database() -> None:
        await runtime.db().ping()

    return {"database": database}


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI, platform: Platform) -> AsyncIterator[None]:
    settings = platform.settings
    content_settings: ContentSettings = getattr(app.state, "content_settings", None) or ContentSettings()
    runtime = runtime_for(platform)
    opened_here = runtime.database is None
    if runtime.database is None:
        url = await resolve_database_url(settings, platform.secrets)
        runtime.database = Database(create_engine(url, pool_size=content_settings.pool_size))
        runtime.database.on_catalog_change.append(runtime.views.invalidate)
    database = runtime.database
    runtime.users += 1
    app.state.content_db = database
    app.state.content_views = runtime.views
    app.state.content_urls = runtime.urls
    try:
        migrate_now = content_settings.migrate_on_start
        if migrate_now is None:
            migrate_now = settings.profile == "embedded"
        if opened_here and migrate_now:
            await migrate.upgrade(database.engine)
        if opened_here and content_settings.seed_demo and settings.profile == "embedded":
            try:
                report = await seed_demo(database, platform)
            except Exception:
                # The service is still useful without the demo; say loudly why it is missing.
                log.exception("demo_course_not_loaded")
            else:
                if report is not None:
                    log.info("demo_course_loaded", **report.as_dict())
        yield
    finally:
        runtime.users -= 1
        if runtime.users == 0:
            runtime.database = None
            await database.close()


SPEC = ServiceSpec(
    name="content",
    title="Señas — content service",
    description="Catálogo del curso: lenguas de señas, niveles, lecciones, señas, ejercicios y medios.\n\n"
    "Course catalogue: sign languages, levels, lessons, signs, exercises and media.\n\n"
    "Learners and visitors read published content (ETag + `Cache-Control`, 304 on `If-None-Match`); teachers "
    "and admins write under `/content/author/…` and may preview drafts with `?preview=true`.",
    routers=(catalogue_router, author_router, media_router, practice_router),
    buckets=(catalog.CONTENT_ASSETS, catalog.USER_UPLOADS),
    queues=(catalog.VIDEO_PROCESSING, catalog.MEDIA_STATUS, catalog.CONTENT_ACCOUNT_EVENTS),
    handlers=content_handlers,
    extra_checks=_checks,
    lifespan=_lifespan,
    tags=(
        {"name": "catalogue", "description": "Lectura del curso / reading the course"},
        {"name": "authoring", "description": "Edición (docentes y admins) / authoring (teachers and admins)"},
        {"name": "media", "description": "Subida de medios de autor / author media uploads"},
        {"name": "practice", "description": "Videos de práctica / learners' practice videos"},
    ),
)


def install_database_error_handlers(app: FastAPI) -> None:
    """Database errors that reach the top still get a clear answer: a lost race on a unique slug or code is a
    409 (the loser retries or picks another), an unreachable database a 503 — never a bare 500."""

    async def integrity(_: Request, exc: Exception) -> JSONResponse:
        log.info("integrity_conflict", error=str(getattr(exc, "orig", exc))[:200])
        return JSONResponse(
            error_body("conflict", "el cambio choca con otro simultáneo / the change conflicts with another one"),
            status_code=409,
        )

    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database_unavailable", error=str(getattr(exc, "orig", exc))[:200])
        return JSONResponse(
            error_body("unavailable", "la base de datos no responde / the database is unavailable; try again"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(OperationalError, unavailable)
    app.add_exception_handler(InterfaceError, unavailable)


def create_app(
    platform: Platform,
    *,
    run_consumers: bool = True,
    owns_platform: bool = False,
    content_settings: ContentSettings | None = None,
) -> FastAPI:
    app = create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
    install_database_error_handlers(app)
    if content_settings is not None:
        app.state.content_settings = content_settings
    return app
