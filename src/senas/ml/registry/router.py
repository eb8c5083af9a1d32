"""``GET /ml/health/models``: which models the service loaded and what it works without.

``/health/ready`` fails only for what the service cannot work without (hand model, fingerspelling classifier,
handshape metric, templates). A missing pose model is not one of those — location is then judged against the
frame — so it is reported here (and logged at start-up) instead of making the service unready; nor is a template
that could not be read (it is left out of the bank).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from senas.ml.deps import RuntimeDep

router = APIRouter(prefix="/health", tags=["health"])


class ModelsHealth(BaseModel):
    status: Literal["ok", "degraded", "missing"]
    models: dict[str, str | None]
    location_reference: Literal["body", "frame"]
    missing: dict[str, str]
    degraded: dict[str, str]


@router.get("/models", response_model=ModelsHealth, summary="Loaded models; what is missing or degraded")
async def models_health(runtime: RuntimeDep) -> ModelsHealth:
    await runtime.ensure_loaded()
    status: Literal["ok", "degraded", "missing"] = (
        "missing" if runtime.problems else "degraded" if runtime.degraded else "ok"
    )
    return ModelsHealth(
        status=status,
        models={
            "hand-landmarker": runtime.hand_model.version if runtime.hand_model else None,
            "pose-landmarker": runtime.pose_model.version if runtime.pose_model else None,
            "fingerspelling": runtime.classifier_version.version if runtime.classifier_version else None,
            "handshape-metric": runtime.metric_version.version if runtime.metric_version else None,
        },
        location_reference="body" if runtime.pose_model else "frame",
        missing=dict(runtime.problems),
        degraded=dict(runtime.degraded),
    )
