"""Reference templates of signs: one versioned file per sign in the ml-models store, plus an index.

Layout in the ``ml-models`` bucket::

    templates/index.json                        every sign's current version, id, gloss and pass threshold
    templates/<language>/<slug>/v<N>.json.gz    the template itself (features of the reference performance)

A template is keyed by the sign's stable identity ``<language>/<slug>`` (and found by sign id when known), so it
survives a sign being re-created with a new id.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from senas.ml.recognition.features import STEPS, SignFeatures
from senas.platform.blobs import BlobStore
from senas.platform.errors import NotFound

INDEX_KEY = "templates/index.json"
TEMPLATE_FORMAT = 1
DEFAULT_PASS_THRESHOLD = 60.0


def sign_key(language: str, slug: str) -> str:
    return f"{language.strip().lower()}/{slug.strip().lower()}"


class TemplateEntry(BaseModel):
    key: str
    language: str
    slug: str
    gloss: str
    version: int = Field(ge=1)
    blob_key: str
    pass_threshold: float = Field(DEFAULT_PASS_THRESHOLD, ge=0, le=100)
    sign_id: str | None = None
    source: str = ""
    movement: bool = False


class TemplateIndex(BaseModel):
    revision: int = 0
    templates: dict[str, TemplateEntry] = Field(default_factory=dict)


class Template(BaseModel):
    format: int = TEMPLATE_FORMAT
    entry: TemplateEntry
    created_at: datetime
    notes: str = ""
    features: dict[str, Any]

    def sign_features(self) -> SignFeatures:
        return SignFeatures.from_json(self.features)


class TemplateStore:
    """Reads and writes templates in the ml-models store."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    async def index(self) -> TemplateIndex:
        try:
            raw = await self.store.get(INDEX_KEY)
        except NotFound:
            return TemplateIndex()
        return TemplateIndex.model_validate_json(raw)

    async def load(self, entry: TemplateEntry) -> Template:
        raw = await self.store.get(entry.blob_key)
        return Template.model_validate_json(gzip.decompress(raw))

    async def save(
        self,
        *,
        language: str,
        slug: str,
        gloss: str,
        features: SignFeatures,
        source: str,
        sign_id: str | None = None,
        pass_threshold: float | None = None,
        notes: str = "",
    ) -> TemplateEntry:
        """Store a new version of the sign's template and make it current."""
        index = await self.index()
        key = sign_key(language, slug)
        previous = index.templates.get(key)
        version = previous.version + 1 if previous else 1
        entry = TemplateEntry(
            key=key,
            language=language.lower(),
            slug=slug.lower(),
            gloss=gloss,
            version=version,
            blob_key=f"templates/{key}/v{version}.json.gz",
            pass_threshold=pass_threshold
            if pass_threshold is not None
            else (previous.pass_threshold if previous else DEFAULT_PASS_THRESHOLD),
            sign_id=sign_id or (previous.sign_id if previous else None),
            source=source,
            movement=bool(np.abs(features.trajectory).max() > MOVING_PATH),
        )
        template = Template(entry=entry, created_at=datetime.now(UTC), notes=notes, features=features.to_json())
        body = gzip.compress(template.model_dump_json().encode(), mtime=0)
        await self.store.put(entry.blob_key, body, content_type="application/gzip")
        index.templates[key] = entry
        index.revision += 1
        await self.store.put(INDEX_KEY, index.model_dump_json(indent=1).encode(), content_type="application/json")
        return entry

    async def save_index(self, index: TemplateIndex) -> None:
        index.revision += 1
        await self.store.put(INDEX_KEY, index.model_dump_json(indent=1).encode(), content_type="application/json")


# A palm centre that strays more than this many palm lengths from its mean position is a moving sign.
MOVING_PATH = 0.35


@dataclass
class TemplateBank:
    """All current templates in memory, stacked for scoring one attempt against many at once."""

    entries: list[TemplateEntry] = field(default_factory=list)
    features: list[SignFeatures] = field(default_factory=list)
    revision: int = -1
    loaded_at: float = 0.0

    def __post_init__(self) -> None:
        self._stack()

    def _stack(self) -> None:
        self.by_key = {entry.key: i for i, entry in enumerate(self.entries)}
        self.by_sign_id = {entry.sign_id: i for i, entry in enumerate(self.entries) if entry.sign_id}
        if self.features:
            self.shapes = np.stack([f.shape_vectors() for f in self.features])
            self.trajectories = np.stack([f.trajectory for f in self.features])
            self.locations = np.stack([f.location for f in self.features])
        else:
            self.shapes = np.zeros((0, STEPS, 62))
            self.trajectories = np.zeros((0, STEPS, 2))
            self.locations = np.zeros((0, 2))
        # For the scorer's cheap first pass over the whole vocabulary.
        self.mean_shapes = self.shapes.mean(axis=1)
        self.path_extents = np.linalg.norm(self.trajectories, axis=2).mean(axis=1)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, key: str | None = None, sign_id: str | None = None) -> int | None:
        if sign_id and sign_id in self.by_sign_id:
            return self.by_sign_id[sign_id]
        if key and key in self.by_key:
            return self.by_key[key]
        return None

    def of_language(self, language: str) -> list[int]:
        return [i for i, entry in enumerate(self.entries) if entry.language == language.lower()]

    @staticmethod
    async def load(store: TemplateStore) -> TemplateBank:
        index = await store.index()
        entries, features = [], []
        for entry in sorted(index.templates.values(), key=lambda e: e.key):
            template = await store.load(entry)
            entries.append(entry)
            features.append(template.sign_features())
        bank = TemplateBank(entries, features, revision=index.revision, loaded_at=time.monotonic())
        return bank


def load_template_json(raw: bytes) -> Template:
    return Template.model_validate(json.loads(gzip.decompress(raw)))
