"""ml-service (``/ml``, port 8002): practice sessions and the video → landmarks → score pipeline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

from fastapi import FastAPI

from senas.core.app import Check, ServiceSpec, create_service_app
from senas.core.consumer import Handler
from senas.core.limits import BodyLimits, MiB
from senas.ml.accounts import AccountEventsWorker
from senas.ml.fingerspelling.router import router as fingerspelling_router
from senas.ml.messages import LandmarksExtracted
from senas.ml.models.router import router as models_health_router
from senas.ml.recognition.worker import InferenceWorker
from senas.ml.runtime import forget_runtime, runtime_for
from senas.ml.sessions.router import router as sessions_router
from senas.ml.video.worker import VideoWorker
from senas.platform import catalog
from senas.platform.wiring import Platform


def handlers(platform: Platform) -> Mapping[str, Mapping[str, Handler]]:
    runtime = runtime_for(platform)
    return {
        catalog.VIDEO_PROCESSING: {"video.uploaded": VideoWorker(runtime).handle},
        catalog.ML_INFERENCE: {LandmarksExtracted.TYPE: InferenceWorker(runtime).handle},
        catalog.ML_ACCOUNT_EVENTS: {"account.deleted": AccountEventsWorker(runtime).handle},
    }


def extra_checks(platform: Platform) -> Mapping[str, Check]:
    # Names the missing model (hand-landmarker, fingerspelling, templates) when one is. A missing pose model only
    # degrades location feedback: it is reported by GET /ml/health/models, not as unready.
    return {"models": runtime_for(platform).readiness}


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI, platform: Platform) -> AsyncIterator[None]:
    """Load the active models at start-up (the embedded profile first fills an empty store from this machine)."""
    runtime = runtime_for(platform)
    await runtime.ensure_loaded()
    try:
        yield
    finally:
        forget_runtime(platform)


SPEC = ServiceSpec(
    name="ml",
    # A landmarks attempt (up to 900 frames × 21 points at full float precision) is about 1.2 MB of JSON.
    body_limits=BodyLimits(max_body_bytes=2 * MiB),
    title="Señas — ML service",
    description="Sesiones de práctica con cámara: vídeo → puntos de la mano → puntuación y consejos.\n\n"
    "Camera practice sessions: video → hand landmarks → score and feedback.",
    routers=(sessions_router, fingerspelling_router, models_health_router),
    tables=(catalog.AI_SESSIONS,),
    buckets=(catalog.ML_MODELS, catalog.VIDEO_PROCESSING_BUCKET, catalog.USER_UPLOADS),
    queues=(catalog.VIDEO_PROCESSING, catalog.ML_INFERENCE, catalog.PRACTICE_RESULTS, catalog.MEDIA_STATUS),
    handlers=handlers,
    extra_checks=extra_checks,
    lifespan=lifespan,
)


def create_app(platform: Platform, *, run_consumers: bool = True, owns_platform: bool = False) -> FastAPI:
    return create_service_app(SPEC, platform, run_consumers=run_consumers, owns_platform=owns_platform)
