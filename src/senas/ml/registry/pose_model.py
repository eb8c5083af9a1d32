"""Where the MediaPipe pose model comes from, offline, and how it reaches the ml-models store.

No PyPI package ships a Tasks ``pose_landmarker.task``; ``make install`` (and the Docker ML build stage) builds one
with ``pose_build.py`` from the pose models inside ``mediapipe==0.10.21`` into ``<venv>/share/senas/`` (found
here through ``sys.prefix``). ``senas ml install-models`` (and the embedded profile's first start) copies it into the
ml-models store as a registry version with its sha256; the service loads it from the store only.
``SENAS_ML_POSE_MODEL_PATH`` points at another copy.

The pose model is optional: without it the service works as before, judging *location* against the frame.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from senas.ml.registry.model_registry import POSE_LANDMARKER, ModelRegistry, ModelVersion

MODEL_FILE = "pose_landmarker.task"
NOTES = (
    "Google MediaPipe pose_detection + pose_landmark_full (Apache-2.0) from mediapipe==0.10.21, bundled as a "
    "Tasks pose_landmarker.task by `make install` (src/senas/ml/registry/pose_build.py)."
)
MISSING = (
    "the pose model is not installed: location is judged against the video frame instead of the body "
    "(run `make install`, or build it with src/senas/ml/registry/pose_build.py and set SENAS_ML_POSE_MODEL_PATH)"
)


def installed_path(prefix: str | None = None) -> Path:
    """Where ``make install`` puts the built file: beside the environment's packages."""
    return Path(prefix or sys.prefix) / "share" / "senas" / MODEL_FILE


def bundled_pose_model(explicit: Path | None = None) -> Path:
    if explicit is not None:
        if not explicit.is_file():
            raise FileNotFoundError(f"SENAS_ML_POSE_MODEL_PATH={explicit} does not exist")
        return explicit
    candidate = installed_path()
    if candidate.is_file():
        return candidate
    raise FileNotFoundError(f"{MODEL_FILE} not found at {candidate}: {MISSING}")


async def install_pose_model(registry: ModelRegistry, path: Path) -> tuple[ModelVersion, bool]:
    """Register the file as a new version unless the active one is the same file; returns (version, created)."""
    data = await asyncio.to_thread(path.read_bytes)
    return await registry.publish_file_if_changed(POSE_LANDMARKER, MODEL_FILE, data, notes=NOTES)
