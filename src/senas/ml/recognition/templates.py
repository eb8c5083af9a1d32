"""Reference templates of signs: one versioned file per sign in the ml-models store, plus an index.

Layout in the ``ml-models`` bucket::

    templates/index.json                        every sign's current version, id, gloss and pass threshold
    templates/<language>/<slug>/v<N>.json.gz    the template itself (features of the reference performance)

A template is keyed by the sign's stable identity ``<language>/<slug>`` (and found by sign id when known), so it
survives a sign being re-created with a new id.

Formats: 2 (written now) stores per step the hand-frame descriptor with and without depth and the orientation
(``features.SignFeatures``); 1 (before) only the canonical hand, from which the same is derived on reading — so a
bank of format-1 templates still loads and scores the same way, and ``senas ml templates rebuild`` re-saves them
as format 2. A template this code cannot read (a newer format, a damaged file) is left out of the bank with a
warning instead of stopping the service.

Several processes write here at once (ML workers processing reference videos, ``senas ml templates rebuild``), so
no write is a blind read-modify-write: a version file is created only if absent (``if_none_match``; taken → try the
next number), and the index is replaced only if it is still the one that was read (``if_match`` its etag);
otherwise it is read again and the change re-applied, a bounded number of times.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import structlog
from pydantic import BaseModel, Field, PrivateAttr

from senas.ml.recognition.features import STEPS, SignFeatures
from senas.ml.recognition.handframe import SHAPE_DIMS
from senas.ml.recognition.orientation import unroll
from senas.platform.blobs import BlobStore
from senas.platform.errors import NotFound, PreconditionFailed

log = structlog.get_logger(__name__)

INDEX_KEY = "templates/index.json"
TEMPLATE_FORMAT = 2
READABLE_FORMATS = (1, 2)
DEFAULT_PASS_THRESHOLD = 60.0
# Each failed attempt means another writer's change went in, so these bound contention, not slowness.
INDEX_WRITE_ATTEMPTS = 50
VERSION_ATTEMPTS = 100
MAX_RETRY_PAUSE = 0.2  # seconds; randomised so that writers that collided do not collide again in step


class TemplateIndexContended(RuntimeError):
    """The index kept changing under us for INDEX_WRITE_ATTEMPTS attempts; nothing of this change was written."""


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
    # Where this copy came from: the etag of the stored index it was read from (None: there was none yet) and
    # its entries as read, so that a write can be made conditional and a caller's edits found and re-applied.
    _etag: str | None = PrivateAttr(default=None)
    _entries_as_read: dict[str, TemplateEntry] | None = PrivateAttr(default=None)

    def _mark_read(self, etag: str | None) -> None:
        self._etag = etag
        self._entries_as_read = {key: entry.model_copy() for key, entry in self.templates.items()}


class Template(BaseModel):
    format: int = TEMPLATE_FORMAT
    entry: TemplateEntry
    created_at: datetime
    notes: str = ""
    features: dict[str, Any]

    def sign_features(self) -> SignFeatures:
        if self.format not in READABLE_FORMATS:
            raise ValueError(
                f"template format {self.format} is not readable by this version (reads {READABLE_FORMATS})"
            )
        return SignFeatures.from_json(self.features)


class TemplateStore:
    """Reads and writes templates in the ml-models store; safe with other processes writing at the same time."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    async def index(self) -> TemplateIndex:
        try:
            raw, info = await self.store.get_with_info(INDEX_KEY)
        except NotFound:
            index = TemplateIndex()
            index._mark_read(None)
            return index
        index = TemplateIndex.model_validate_json(raw)
        index._mark_read(info.etag)
        return index

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
        """Store a new version of the sign's template and make it current — unless a save that took a later
        version of the same sign got to the index first, in which case that one stays current."""
        key = sign_key(language, slug)
        previous = (await self.index()).templates.get(key)
        entry = TemplateEntry(
            key=key,
            language=language.lower(),
            slug=slug.lower(),
            gloss=gloss,
            version=previous.version + 1 if previous else 1,
            blob_key="",  # set with the version actually taken
            pass_threshold=pass_threshold
            if pass_threshold is not None
            else (previous.pass_threshold if previous else DEFAULT_PASS_THRESHOLD),
            sign_id=sign_id or (previous.sign_id if previous else None),
            source=source,
            movement=bool(np.abs(features.trajectory).max() > MOVING_PATH),
        )
        entry = await self._create_version(entry, features, notes)

        def make_current(index: TemplateIndex) -> bool:
            current = index.templates.get(key)
            if current is not None and current.version > entry.version:
                return False
            # What was learned about the sign since we read the index (its id, a threshold) is kept.
            index.templates[key] = entry.model_copy(
                update={
                    "sign_id": sign_id or (current.sign_id if current else None) or entry.sign_id,
                    "pass_threshold": pass_threshold
                    if pass_threshold is not None
                    else (current.pass_threshold if current else entry.pass_threshold),
                }
            )
            return True

        index = await self.update_index(make_current)
        current = index.templates.get(key)
        return current if current is not None and current.version == entry.version else entry

    async def _create_version(self, entry: TemplateEntry, features: SignFeatures, notes: str) -> TemplateEntry:
        """Write the template under the first free version number from ``entry.version`` on; create-only, so
        two saves of one sign never share (or overwrite) a version."""
        created_at = datetime.now(UTC)
        for version in range(entry.version, entry.version + VERSION_ATTEMPTS):
            entry = entry.model_copy(
                update={"version": version, "blob_key": f"templates/{entry.key}/v{version}.json.gz"}
            )
            template = Template(entry=entry, created_at=created_at, notes=notes, features=features.to_json())
            body = gzip.compress(template.model_dump_json().encode(), mtime=0)
            try:
                await self.store.put(entry.blob_key, body, content_type="application/gzip", if_none_match=True)
            except PreconditionFailed:
                continue  # another save (or one that crashed before indexing it) has this version
            return entry
        raise TemplateIndexContended(f"no free template version for {entry.key} after {VERSION_ATTEMPTS} attempts")

    async def update_index(self, change: Callable[[TemplateIndex], bool]) -> TemplateIndex:
        """Apply ``change`` (which edits the index it is given and says whether it changed anything) to the
        current index and write it back if no one else wrote meanwhile; else read it again and re-apply. Returns
        the index as written (or as read, when there was nothing to change)."""
        for attempt in range(INDEX_WRITE_ATTEMPTS):
            index = await self.index()
            etag = index._etag
            if not change(index):
                return index
            index.revision += 1
            body = index.model_dump_json(indent=1).encode()
            try:
                if etag is None:
                    written = await self.store.put(INDEX_KEY, body, content_type="application/json", if_none_match=True)
                else:
                    written = await self.store.put(INDEX_KEY, body, content_type="application/json", if_match=etag)
            except PreconditionFailed:
                pause = random.uniform(0, min(MAX_RETRY_PAUSE, 0.005 * 2**attempt))  # noqa: S311 - jitter, not a secret
                await asyncio.sleep(pause)
                continue
            index._mark_read(written.etag)
            return index
        raise TemplateIndexContended(f"the template index kept changing: gave up after {INDEX_WRITE_ATTEMPTS} attempts")

    async def save_index(self, index: TemplateIndex) -> None:
        """Write the edits made to ``index`` since it was read with ``index()`` — entries added or removed,
        fields of entries changed — re-applied to the current stored index if another writer got in first, so
        that what they wrote meanwhile (other entries, other fields such as a newer version) is kept. ``index``
        is then updated to what was written. An index not read from the store counts as adding every entry."""
        as_read = index._entries_as_read or {}
        added: dict[str, TemplateEntry] = {}
        edited: dict[str, dict[str, Any]] = {}
        for key, entry in index.templates.items():
            before = as_read.get(key)
            if before is None:
                added[key] = entry.model_copy()
            elif before != entry:
                edited[key] = {name: value for name, value in entry if getattr(before, name) != value}
        removed = [key for key in as_read if key not in index.templates]

        def reapply(current: TemplateIndex) -> bool:
            changed = False
            for key, entry in added.items():
                if key not in current.templates or current.templates[key].version <= entry.version:
                    current.templates[key] = entry.model_copy()
                    changed = True
            for key, fields in edited.items():
                if key in current.templates:  # removed meanwhile: a stale copy must not bring it back
                    current.templates[key] = current.templates[key].model_copy(update=fields)
                    changed = True
            for key in removed:
                changed = current.templates.pop(key, None) is not None or changed
            return changed

        written = await self.update_index(reapply)
        index.revision = written.revision
        index.templates = written.templates
        index._mark_read(written._etag)


# A palm centre that strays more than this many palm lengths from its mean position is a moving sign.
MOVING_PATH = 0.35


@dataclass
class TemplateBank:
    """All current templates in memory, stacked for scoring one attempt against many at once."""

    entries: list[TemplateEntry] = field(default_factory=list)
    features: list[SignFeatures] = field(default_factory=list)
    revision: int = -1
    loaded_at: float = 0.0
    # Templates of the index that could not be read (key → why), left out of the bank.
    skipped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stack()

    def _stack(self) -> None:
        self.by_key = {entry.key: i for i, entry in enumerate(self.entries)}
        self.by_sign_id = {entry.sign_id: i for i, entry in enumerate(self.entries) if entry.sign_id}
        if self.features:
            described = [f.described() for f in self.features]
            self.handshapes = np.stack([d.handshape for d in described])
            self.handshapes_flat = np.stack([d.handshape_flat for d in described])
            self.facings = np.stack([d.facing for d in described])
            # Relative to the shoulder line where the template has a body (NaN roll: it has none).
            self.body_rolls = np.array([np.nan if f.body_roll is None else f.body_roll for f in self.features])
            self.facings_body = np.stack(
                [
                    d.facing if f.body_roll is None else unroll(d.facing, f.body_roll)
                    for d, f in zip(described, self.features, strict=True)
                ]
            )
            self.trajectories = np.stack([f.trajectory for f in self.features])
            self.locations = np.stack([f.location for f in self.features])
            # NaN for a template without body landmarks (demo templates, older reference videos).
            self.body_locations = np.stack(
                [f.body_location if f.body_location is not None else np.full(2, np.nan) for f in self.features]
            )
        else:
            self.handshapes = np.zeros((0, STEPS, SHAPE_DIMS))
            self.handshapes_flat = np.zeros((0, STEPS, SHAPE_DIMS))
            self.facings = np.zeros((0, STEPS, 6))
            self.body_rolls = np.zeros(0)
            self.facings_body = np.zeros((0, STEPS, 6))
            self.trajectories = np.zeros((0, STEPS, 2))
            self.locations = np.zeros((0, 2))
            self.body_locations = np.zeros((0, 2))

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
        entries, features, skipped = [], [], {}
        for entry in sorted(index.templates.values(), key=lambda e: e.key):
            try:
                template = await store.load(entry)
                features.append(template.sign_features())
            except (NotFound, ValueError, OSError, EOFError, zlib.error) as exc:  # a ValidationError is a ValueError
                log.warning("template_unreadable", key=entry.key, version=entry.version, error=str(exc)[:300])
                skipped[entry.key] = str(exc)[:300]
                continue
            entries.append(entry)
        bank = TemplateBank(entries, features, revision=index.revision, loaded_at=time.monotonic())
        bank.skipped = skipped
        return bank
