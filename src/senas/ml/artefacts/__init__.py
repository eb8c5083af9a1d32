"""The models that ship inside the package, beside this file: the fingerspelling classifier and the handshape
metric, as versioned ``.npz`` artefacts, with ``manifest.json`` (per artefact: file, sha256, format, the command and
seed that built it, the data it was built from) and ``MODEL_CARD.md``.

They are built from the CC0 alphabet data by ``senas ml train fingerspelling|handshape-metric --data … --out
src/senas/ml/artefacts`` (the same bytes for the same data and seed) and registered in the ml-models store by
``senas ml install-models`` and the embedded profile's first start; no dataset is needed to run the service.
The MediaPipe ``.task`` files are not here: they come from installed packages (``registry.hand_model``,
``registry.pose_model``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from senas.ml.registry.model_registry import FINGERSPELLING, HANDSHAPE_METRIC

__all__ = [
    "FILES",
    "FINGERSPELLING",
    "FOLDER",
    "HANDSHAPE_METRIC",
    "MANIFEST",
    "PackagedArtefact",
    "PackagedArtefactMissing",
    "manifest",
    "packaged",
    "packaged_bytes",
    "packaged_metric",
]

if TYPE_CHECKING:
    from senas.ml.recognition.handshape_metric import HandshapeMetric

FOLDER = Path(__file__).resolve().parent
MANIFEST = "manifest.json"
# The file of each packaged model (by its registry name).
FILES = {FINGERSPELLING: "fingerspelling-v2.npz", HANDSHAPE_METRIC: "handshape-metric-v1.npz"}


class PackagedArtefactMissing(FileNotFoundError):
    """A packaged artefact is absent or does not match its recorded sha256 (a broken install)."""


@dataclass(frozen=True)
class PackagedArtefact:
    name: str
    file: str
    sha256: str
    size: int
    format: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return FOLDER / self.file


def manifest(folder: Path = FOLDER) -> dict[str, PackagedArtefact]:
    path = folder / MANIFEST
    if not path.is_file():
        raise PackagedArtefactMissing(f"{path} is missing: the package was built without its model artefacts")
    raw: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: PackagedArtefact(
            name=name,
            file=str(entry["file"]),
            sha256=str(entry["sha256"]),
            size=int(entry["bytes"]),
            format=int(entry["format"]),
            details={k: v for k, v in entry.items() if k not in ("file", "sha256", "bytes", "format")},
        )
        for name, entry in raw.items()
    }


def packaged(name: str) -> PackagedArtefact:
    found = manifest().get(name)
    if found is None:
        raise PackagedArtefactMissing(f"no packaged {name!r} artefact in {FOLDER / MANIFEST}")
    return found


def packaged_bytes(name: str) -> bytes:
    """The packaged artefact's bytes, checked against the manifest's sha256."""
    artefact = packaged(name)
    if not artefact.path.is_file():
        raise PackagedArtefactMissing(f"{artefact.path} is missing")
    data = artefact.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != artefact.sha256:
        raise PackagedArtefactMissing(f"{artefact.path} does not match the sha256 in {MANIFEST}")
    return data


@functools.cache
def packaged_metric() -> HandshapeMetric:
    """The handshape metric shipped with this version (what scorers built without one use: tests, tools, a
    SageMaker endpoint whose store has none registered)."""
    from senas.ml.recognition.handshape_metric import HandshapeMetric

    return HandshapeMetric.from_bytes(packaged_bytes(HANDSHAPE_METRIC))
