"""content-service (``/content``, port 8000): levels, lessons, signs, exercises and media."""

from __future__ import annotations

from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.platform import catalog
from senas.platform.wiring import Platform

SPEC = ServiceSpec(
    name="content",
    title="Señas — content service",
    description="Catálogo del curso: lenguas de señas, niveles, lecciones, señas, ejercicios y medios.\n\n"
    "Course catalogue: sign languages, levels, lessons, signs, exercises and media.",
    buckets=(catalog.CONTENT_ASSETS, catalog.USER_UPLOADS),
    queues=(catalog.VIDEO_PROCESSING, catalog.MEDIA_STATUS),
)


def create_app(platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
