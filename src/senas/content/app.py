"""content-service (``/content``, port 8000): levels, lessons, signs, exercises and media."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from senas.content.bootstrap import ContentRoot
from senas.content.catalog.author_router import router as author_router
from senas.content.catalog.internal_router import router as internal_router
from senas.content.catalog.router import router as catalogue_router
from senas.content.media.router import router as media_router
from senas.content.practice.router import router as practice_router
from senas.content.studio.archive import MAX_ARCHIVE_BYTES
from senas.content.studio.router import router as studio_router
from senas.core.app import ServiceSpec, create_service_app
from senas.core.body_limits import BodyLimits
from senas.core.errors import error_body

log = structlog.get_logger(__name__)


SPEC = ServiceSpec(
    name="content",
    title="Señas — content service",
    description="Catálogo del curso: lenguas de señas, niveles, lecciones, señas, ejercicios y medios.\n\n"
    "Course catalogue: sign languages, levels, lessons, signs, exercises and media.\n\n"
    "Learners and visitors read published content (ETag + `Cache-Control`, 304 on `If-None-Match`); teachers "
    "and admins write under `/content/author/…` and may preview drafts with `?preview=true`.",
    routers=(catalogue_router, author_router, studio_router, media_router, practice_router, internal_router),
    tags=(
        {"name": "catalogue", "description": "Lectura del curso / reading the course"},
        {"name": "authoring", "description": "Edición (docentes y admins) / authoring (teachers and admins)"},
        {"name": "media", "description": "Subida de medios de autor / author media uploads"},
        {"name": "practice", "description": "Videos de práctica / learners' practice videos"},
        {"name": "internal", "description": "Para otros servicios y autores / for other services and authors"},
    ),
    # install_database_error_handlers: a write that loses a race on a unique key is a 409, whichever route.
    write_errors={409: "The change conflicts with a simultaneous one (retry, or choose another slug or code)"},
    # The one raw body of this service is a bundle archive (the studio's import, issue 17).
    body_limits=BodyLimits(max_media_body_bytes=MAX_ARCHIVE_BYTES),
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


def create_app(root: ContentRoot, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    app = create_service_app(SPEC, root, run_consumers=run_consumers, owns_platform=owns_platform)
    install_database_error_handlers(app)
    return app
