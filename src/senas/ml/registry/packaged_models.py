"""Registering the models that ship in the package (``senas.ml.artefacts``: the fingerspelling classifier, the
handshape metric) in the ml-models store — with no dataset anywhere: ``senas ml install-models``, the embedded
profile's start-up and a one-off task of the ML image all run this.

The packaged version becomes the active one when the store has none, when the active one is an older packaged
version (an upgrade of Señas brings its models with it), or when the active one cannot be read by this code (a
retired format). A version an operator trained and activated (``senas ml train … --register``) stays active; the
packaged one is then registered beside it, inactive, so ``senas ml models activate`` can switch to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from senas.ml.artefacts import FINGERSPELLING, HANDSHAPE_METRIC, packaged, packaged_bytes
from senas.ml.registry.model_registry import ModelMissing, ModelRegistry, ModelVersion

MODEL_FILE = "model.npz"
PACKAGED_MODELS = (FINGERSPELLING, HANDSHAPE_METRIC)
Outcome = Literal["registered", "activated", "already active", "kept"]


def _fingerspelling(raw: bytes) -> Any:
    from senas.ml.fingerspelling.model import HandshapeClassifier

    return HandshapeClassifier.from_bytes(raw)


def _metric(raw: bytes) -> Any:
    from senas.ml.recognition.handshape_metric import HandshapeMetric

    return HandshapeMetric.from_bytes(raw)


# How each model's file is read (raises ValueError when this code cannot use it).
READERS: dict[str, Callable[[bytes], Any]] = {FINGERSPELLING: _fingerspelling, HANDSHAPE_METRIC: _metric}


@dataclass(frozen=True)
class Installed:
    name: str
    version: ModelVersion  # the active version after installing
    outcome: Outcome
    packaged_version: str  # the registry version holding the packaged file
    file: str

    def describe(self) -> str:
        if self.outcome == "kept":
            return (
                f"{self.name} v{self.version.version} kept active (trained here); the packaged {self.file} is "
                f"v{self.packaged_version} (`senas ml models activate {self.name} {self.packaged_version}`)"
            )
        return f"{self.name} v{self.version.version} {self.outcome} (packaged {self.file})"


async def readable(registry: ModelRegistry, version: ModelVersion) -> bool:
    try:
        READERS[version.name](await registry.read_file(version, MODEL_FILE))
    except (ModelMissing, KeyError, ValueError):
        return False
    return True


async def install_packaged(registry: ModelRegistry, name: str) -> Installed:
    artefact = packaged(name)
    manifest = await registry.manifest(name)
    same = next(
        (v for v in manifest.versions if MODEL_FILE in v.files and v.files[MODEL_FILE].sha256 == artefact.sha256),
        None,
    )
    active_number = await registry.active_version(name)
    active = manifest.find(active_number) if active_number is not None else None
    if active is not None and same is not None and active.version == same.version:
        return Installed(name, active, "already active", same.version, artefact.file)
    operators_own = active is not None and not active.metrics.get("packaged") and await readable(registry, active)
    if same is None:
        same = await registry.publish(
            name,
            {MODEL_FILE: packaged_bytes(name)},
            metrics={"packaged": artefact.file, "format": artefact.format, **artefact.details},
            notes=f"shipped in the package as senas/ml/artefacts/{artefact.file}",
            activate=not operators_own,
        )
        outcome: Outcome = "registered"
    elif not operators_own:
        await registry.activate(name, same.version)
        outcome = "activated"
    if operators_own:
        assert active is not None
        return Installed(name, active, "kept", same.version, artefact.file)
    return Installed(name, same, outcome, same.version, artefact.file)
