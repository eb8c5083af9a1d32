"""ml-service (``/ml``, port 8002): practice sessions and the video → landmarks → score pipeline."""

from __future__ import annotations

from fastapi import FastAPI

from senas.core.app import ServiceSpec, create_service_app
from senas.core.body_limits import BodyLimits, MiB
from senas.ml.bootstrap import MlRoot
from senas.ml.fingerspelling.router import router as fingerspelling_router
from senas.ml.registry.router import router as models_health_router
from senas.ml.sessions.router import router as sessions_router
from senas.ml.studio.router import router as studio_router

SPEC = ServiceSpec(
    name="ml",
    # A landmarks attempt (up to 900 frames × 21 points at full float precision) is about 1.2 MB of JSON.
    body_limits=BodyLimits(max_body_bytes=2 * MiB),
    title="Señas — ML service",
    description="Sesiones de práctica con cámara: vídeo → puntos de la mano → puntuación y consejos.\n\n"
    "Camera practice sessions: video → hand landmarks → score and feedback.",
    routers=(sessions_router, studio_router, fingerspelling_router, models_health_router),
)


def create_app(root: MlRoot, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, root, run_consumers=run_consumers, owns_platform=owns_platform)
