"""The model registry in the ml-models store: every version of every model with its files' checksums and its
metrics, and which version is active (what the service loads at start-up).

Layout::

    registry/index.json                         names of the registered models
    registry/<name>/manifest.json               versions, their files (sha256, size) and metrics
    registry/<name>/<version>/<file>            the artefacts
    registry/<name>/active.json                 {"version": …}
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from senas.platform.blobs import BlobStore
from senas.platform.errors import NotFound

HAND_LANDMARKER = "hand-landmarker"
POSE_LANDMARKER = "pose-landmarker"
FINGERSPELLING = "fingerspelling"
HANDSHAPE_METRIC = "handshape-metric"
REQUIRED_MODELS = (HAND_LANDMARKER, FINGERSPELLING, HANDSHAPE_METRIC)
# Used when present; without it the service still works (location judged against the frame, not the body).
OPTIONAL_MODELS = (POSE_LANDMARKER,)


class ModelMissing(LookupError):
    """No active version of a model the service needs."""


class ModelFile(BaseModel):
    sha256: str
    size: int


class ModelVersion(BaseModel):
    name: str
    version: str
    files: dict[str, ModelFile]
    metrics: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""
    created_at: datetime


class Manifest(BaseModel):
    name: str
    versions: list[ModelVersion] = Field(default_factory=list)

    def find(self, version: str) -> ModelVersion | None:
        return next((v for v in self.versions if v.version == version), None)


class ModelRegistry:
    def __init__(self, store: BlobStore) -> None:
        self.store = store

    async def _json(self, key: str) -> bytes | None:
        try:
            return await self.store.get(key)
        except NotFound:
            return None

    async def names(self) -> list[str]:
        raw = await self._json("registry/index.json")
        known = set(REQUIRED_MODELS) | set(OPTIONAL_MODELS)
        if raw is not None:
            known |= set(json.loads(raw))
        return sorted(known)

    async def manifest(self, name: str) -> Manifest:
        raw = await self._json(f"registry/{name}/manifest.json")
        return Manifest.model_validate_json(raw) if raw is not None else Manifest(name=name)

    async def active_version(self, name: str) -> str | None:
        raw = await self._json(f"registry/{name}/active.json")
        if raw is None:
            return None
        return str(json.loads(raw)["version"])

    async def active(self, name: str) -> ModelVersion:
        version = await self.active_version(name)
        if version is None:
            raise ModelMissing(f"no active version of the {name!r} model (run `senas ml install-models`)")
        found = (await self.manifest(name)).find(version)
        if found is None:
            raise ModelMissing(f"the active version {version} of {name!r} is not in its manifest")
        return found

    async def read_file(self, model: ModelVersion, filename: str) -> bytes:
        expected = model.files[filename]
        data = await self.store.get(f"registry/{model.name}/{model.version}/{filename}")
        if hashlib.sha256(data).hexdigest() != expected.sha256:
            raise ModelMissing(f"{model.name} v{model.version}/{filename} does not match its recorded sha256")
        return data

    async def publish(
        self,
        name: str,
        files: dict[str, bytes],
        *,
        metrics: dict[str, Any] | None = None,
        notes: str = "",
        activate: bool = True,
    ) -> ModelVersion:
        """Store a new version (numbered after the last) and, by default, make it the active one."""
        manifest = await self.manifest(name)
        numbers = [int(v.version) for v in manifest.versions if v.version.isdigit()]
        version = str(max(numbers, default=0) + 1)
        for filename, data in files.items():
            await self.store.put(f"registry/{name}/{version}/{filename}", data, content_type="application/octet-stream")
        entry = ModelVersion(
            name=name,
            version=version,
            files={f: ModelFile(sha256=hashlib.sha256(d).hexdigest(), size=len(d)) for f, d in files.items()},
            metrics=metrics or {},
            notes=notes,
            created_at=datetime.now(UTC),
        )
        manifest.versions.append(entry)
        await self.store.put(
            f"registry/{name}/manifest.json",
            manifest.model_dump_json(indent=1).encode(),
            content_type="application/json",
        )
        names = set(await self.names()) | {name}
        await self.store.put("registry/index.json", json.dumps(sorted(names)).encode(), content_type="application/json")
        if activate:
            await self.activate(name, version)
        return entry

    async def publish_file_if_changed(
        self, name: str, filename: str, data: bytes, *, notes: str = ""
    ) -> tuple[ModelVersion, bool]:
        """A one-file model (an installed MediaPipe task file): a new active version unless the active one holds
        the same bytes. Returns (version, created)."""
        digest = hashlib.sha256(data).hexdigest()
        if await self.active_version(name) is not None:
            active = await self.active(name)
            if active.files.get(filename) and active.files[filename].sha256 == digest:
                return active, False
        return await self.publish(name, {filename: data}, metrics={"bytes": len(data)}, notes=notes), True

    async def activate(self, name: str, version: str) -> ModelVersion:
        found = (await self.manifest(name)).find(version)
        if found is None:
            raise ModelMissing(f"{name!r} has no version {version!r}")
        body = json.dumps({"version": version, "activated_at": datetime.now(UTC).isoformat()})
        await self.store.put(f"registry/{name}/active.json", body.encode(), content_type="application/json")
        return found
