"""ml-service (``/ml``, port 8002): practice sessions and the video → landmarks → score pipeline."""

from __future__ import annotations

from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.platform import catalog
from senas.platform.wiring import Platform

SPEC = ServiceSpec(
    name="ml",
    title="Señas — ML service",
    description="Sesiones de práctica con cámara: vídeo → puntos de la mano → puntuación y consejos.\n\n"
    "Camera practice sessions: video → hand landmarks → score and feedback.",
    tables=(catalog.AI_SESSIONS,),
    buckets=(catalog.ML_MODELS, catalog.VIDEO_PROCESSING_BUCKET, catalog.USER_UPLOADS),
    queues=(catalog.VIDEO_PROCESSING, catalog.ML_INFERENCE, catalog.PRACTICE_RESULTS, catalog.MEDIA_STATUS),
)


def create_app(platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
