"""Template saves racing each other (two ML workers processing reference videos, a rebuild during a worker run)
must not lose index entries nor share a version number.

The in-process tests hold every save's first index write until all of them have read the index, which is the
interleaving that loses updates; they run the same saves against the real local store and against the broken
variants of ``tests/ports/broken_blobs.py`` (conditional puts ignored = the old read-modify-write) to show
that the interleaving really happens and is what the conditional writes defend against. The multi-process test
runs the saves in separate processes on one blobs folder, as the workers do.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from module_loading import load_module
from senas.ml.recognition.features import STEPS, SignFeatures
from senas.ml.recognition.templates import INDEX_KEY, TemplateIndex, TemplateStore
from senas.platform.blobs import BlobInfo, BlobStore
from senas.platform.blobs.local import LocalBlobs

SAVES = 6
BUCKET = "ml-models"


def _broken_blobs() -> ModuleType:
    return load_module("senas_tests_broken_blobs", Path(__file__).resolve().parents[1] / "ports" / "broken_blobs.py")


def features(seed: int) -> SignFeatures:
    rng = np.random.default_rng(seed)
    return SignFeatures(
        shape=rng.normal(size=(STEPS, 21, 3)),
        orientation=rng.normal(size=STEPS),
        trajectory=rng.normal(scale=0.01, size=(STEPS, 2)),
        location=rng.uniform(size=2),
    )


def local_blobs(root: Path, blobs_class: type[LocalBlobs] = LocalBlobs) -> LocalBlobs:
    return blobs_class(root, signing_secret=b"s" * 32, public_base_url="http://senas.test")


class IndexWritesHeldUntilAllRead:
    """A blob store whose first ``parties`` writes of the index wait until all of them are waiting: every save
    has then read the index before any of them writes it — the interleaving that loses read-modify-writes.
    Everything else goes straight to the wrapped store."""

    def __init__(self, store: BlobStore, parties: int) -> None:
        self._store = store
        self._barrier = asyncio.Barrier(parties)
        self._held = parties
        self.index_writes_refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def put(self, key: str, data: bytes | AsyncIterator[bytes], **options: Any) -> BlobInfo:
        if key == INDEX_KEY and self._held > 0:
            self._held -= 1
            await self._barrier.wait()
        try:
            return await self._store.put(key, data, **options)
        except Exception:
            if key == INDEX_KEY:
                self.index_writes_refused += 1
            raise


async def save_concurrently(store: BlobStore, slugs: list[str]) -> tuple[TemplateStore, list[Any]]:
    """Save one template per slug at once, after a first sign (``ase/seed``) so that the index exists and its
    writes are replacements (``if_match``) rather than creations."""
    await TemplateStore(store).save(language="ase", slug="seed", gloss="SEED", features=features(99), source="seed")
    gated = IndexWritesHeldUntilAllRead(store, len(slugs))
    templates = TemplateStore(gated)  # type: ignore[arg-type]  # a BlobStore by delegation
    entries = await asyncio.gather(
        *(
            templates.save(language="ase", slug=slug, gloss=slug.upper(), features=features(n), source=f"saver {n}")
            for n, slug in enumerate(slugs)
        )
    )
    assert gated._held == 0, "the saves did not all reach the index write"
    return templates, entries


async def template_sources(store: BlobStore, language_slug: str) -> dict[int, str]:
    """version → the ``source`` recorded in that version's template file."""
    sources = {}
    for version in range(1, 2 * SAVES):
        blob_key = f"templates/{language_slug}/v{version}.json.gz"
        if await store.head(blob_key) is None:
            continue
        template = json.loads(gzip.decompress(await store.get(blob_key)))
        sources[version] = template["entry"]["source"]
    return sources


async def test_concurrent_saves_of_different_signs_all_reach_the_index(tmp_path: Path) -> None:
    store = local_blobs(tmp_path / "blobs").store(BUCKET)
    slugs = [f"sign-{n}" for n in range(SAVES)]
    templates, entries = await save_concurrently(store, slugs)

    index = await templates.index()
    assert sorted(index.templates) == sorted(["ase/seed", *(f"ase/{slug}" for slug in slugs)])
    assert {entry.version for entry in entries} == {1}
    for entry in entries:
        assert index.templates[entry.key] == entry
        assert (await templates.load(entry)).entry.key == entry.key
    assert index.revision == 1 + SAVES  # the seed, then each save once


async def test_concurrent_saves_of_one_sign_take_distinct_versions(tmp_path: Path) -> None:
    store = local_blobs(tmp_path / "blobs").store(BUCKET)
    templates, entries = await save_concurrently(store, ["hola"] * SAVES)

    versions = sorted(entry.version for entry in entries)
    assert versions == list(range(1, SAVES + 1))
    sources = await template_sources(store, "ase/hola")
    # Every save's template is stored under its own version, none overwritten by another save.
    assert sources == {entry.version: entry.source for entry in entries}
    assert len(set(sources.values())) == SAVES
    index = await templates.index()
    assert sorted(index.templates) == ["ase/hola", "ase/seed"]
    assert index.templates["ase/hola"].version == SAVES  # the latest version is the current one


async def test_without_conditional_index_writes_entries_are_lost(tmp_path: Path) -> None:
    """The same interleaving against a store that ignores ``if_match`` (= the old read-modify-write): every
    save overwrites the index the others wrote, and only one sign survives."""
    blobs = local_blobs(tmp_path / "blobs", _broken_blobs().IfMatchIgnoredBlobs)
    slugs = [f"sign-{n}" for n in range(SAVES)]
    templates, _ = await save_concurrently(blobs.store(BUCKET), slugs)

    index = await templates.index()
    assert len(index.templates) == 2, index.templates  # the seed and whichever save wrote last
    assert index.revision == 2  # each wrote revision 2 over the others


async def test_without_create_only_writes_versions_are_overwritten(tmp_path: Path) -> None:
    """Against a store that ignores ``if_none_match``, concurrent saves of one sign all write version 1."""
    blobs = local_blobs(tmp_path / "blobs", _broken_blobs().IfNoneMatchIgnoredBlobs)
    store = blobs.store(BUCKET)
    _, entries = await save_concurrently(store, ["hola"] * SAVES)

    assert {entry.version for entry in entries} == {1}
    assert len(await template_sources(store, "ase/hola")) == 1


async def test_save_index_keeps_changes_made_meanwhile(tmp_path: Path) -> None:
    """``save_index`` (how the service records a sign id it learned) re-applies only its own edit when another
    writer changed the index after it was read."""
    store = local_blobs(tmp_path / "blobs").store(BUCKET)
    templates = TemplateStore(store)
    await templates.save(language="ase", slug="hola", gloss="HOLA", features=features(1), source="first")

    stale: TemplateIndex = await templates.index()
    await templates.save(language="ase", slug="gracias", gloss="GRACIAS", features=features(2), source="other")
    await templates.save(language="ase", slug="hola", gloss="HOLA", features=features(3), source="second")

    stale.templates["ase/hola"].sign_id = "sign-hola"
    await templates.save_index(stale)

    index = await templates.index()
    assert sorted(index.templates) == ["ase/gracias", "ase/hola"]
    # Only the edited field is re-applied: the version saved meanwhile stays current.
    assert (index.templates["ase/hola"].sign_id, index.templates["ase/hola"].version) == ("sign-hola", 2)
    assert index.templates["ase/hola"].source == "second"
    assert index.revision == 4
    assert stale.revision == index.revision
    assert sorted(stale.templates) == sorted(index.templates)

    # Nothing edited: nothing written.
    await templates.save_index(stale)
    assert (await templates.index()).revision == 4


async def test_runtime_noting_a_sign_id_still_loads_templates_saved_meanwhile(runtime: Any) -> None:
    """The service records a sign id it learned with ``save_index``; if another process saved a template since the
    bank was loaded, the merged write must not mark the bank as current, or that template would never be loaded."""
    await runtime.ensure_loaded()
    key = runtime.bank.entries[0].key
    elsewhere = TemplateStore(runtime.models_store)  # another worker, same ml-models store
    await elsewhere.save(language="ase", slug="nueva-senal", gloss="NUEVA", features=features(7), source="other")

    await runtime.remember_sign_id(key, "sign-learned")

    runtime.bank.loaded_at = 0.0  # the periodic check is due
    await runtime.ensure_loaded()
    assert runtime.bank.find(key="ase/nueva-senal") is not None
    assert runtime.bank.entries[runtime.bank.find(key=key)].sign_id == "sign-learned"


WORKER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path

    import numpy as np

    from senas.ml.recognition.features import STEPS, SignFeatures
    from senas.ml.recognition.templates import TemplateStore
    from senas.platform.blobs.local import LocalBlobs

    root, go, worker, slugs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]


    async def main() -> None:
        blobs = LocalBlobs(root, signing_secret=b"s" * 32, public_base_url="http://senas.test")
        templates = TemplateStore(blobs.store("ml-models"))
        rng = np.random.default_rng(int(worker))
        while not go.exists():  # start together, to overlap as much as possible
            time.sleep(0.001)
        for slug in slugs:
            shape = SignFeatures(
                rng.normal(size=(STEPS, 21, 3)), rng.normal(size=STEPS), np.zeros((STEPS, 2)), np.full(2, 0.5)
            )
            entry = await templates.save(
                language="ase", slug=slug, gloss=slug, features=shape, source=f"worker {worker}"
            )
            print(entry.key, entry.version, flush=True)


    asyncio.run(main())
    """
)


def test_saves_from_several_processes(tmp_path: Path) -> None:
    workers = 4
    root, go = tmp_path / "blobs", tmp_path / "go"
    # Each process saves two signs of its own and the shared sign twice.
    plans = {worker: [f"own-{worker}-a", "shared", f"own-{worker}-b", "shared"] for worker in range(workers)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root), str(go), str(worker), *slugs],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker, slugs in plans.items()
    ]
    go.touch()
    saved: list[tuple[str, int]] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        saved += [(key, int(version)) for key, version in (line.split() for line in out.splitlines())]

    shared_versions = sorted(version for key, version in saved if key == "ase/shared")
    assert shared_versions == list(range(1, 2 * workers + 1))  # distinct, none skipped, none shared

    store = local_blobs(root).store(BUCKET)
    index = asyncio.run(TemplateStore(store).index())
    own = {f"ase/own-{worker}-{part}" for worker in range(workers) for part in "ab"}
    assert set(index.templates) == own | {"ase/shared"}
    assert index.templates["ase/shared"].version == 2 * workers
    # Each save wrote the index at most once (a shared-sign save that found a later version current did not).
    assert len(own) + 1 <= index.revision <= len(saved)
    sources = asyncio.run(template_sources(store, "ase/shared"))
    assert sorted(sources) == shared_versions
    assert sorted(sources.values()) == sorted(f"worker {worker}" for worker in range(workers) for _ in range(2))
