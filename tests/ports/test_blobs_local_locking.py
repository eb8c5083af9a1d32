"""The embedded blob store's check-and-replace holds across processes: while another process holds a key's
lock (``flock`` on its lock file), a put of that key waits, so a conditional put cannot compare against a
sidecar that the other process is about to replace.

The other process is stood in for by a second open file description of the lock file in this process: ``flock``
locks belong to open file descriptions, so it conflicts exactly as another process's would. A variant of the
store that serialises only its own threads (the lock before this change) is shown to be caught.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from senas.platform.blobs.local import LocalBlobs, LocalBlobStore, _Paths
from senas.platform.errors import PreconditionFailed

KEY = "templates/index.json"
# How long a put gets to finish while the lock is held elsewhere. A correct store never finishes then, however
# long this is, so the test cannot fail spuriously; a store that ignores the lock finishes in milliseconds.
GRACE_SECONDS = 1.0


class _ThreadLockOnlyStore(LocalBlobStore):
    @contextlib.contextmanager
    def _locked(self, paths: _Paths) -> Iterator[None]:
        with self._owner._locks[self._stripe(paths)]:
            yield


class ThreadLockOnlyBlobs(LocalBlobs):
    """Serialises the writers of one process only: two workers can both pass a check and both replace."""

    store_class = _ThreadLockOnlyStore


@contextlib.contextmanager
def held_elsewhere(lock_file: Path) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def put_in_thread(store: LocalBlobStore, body: bytes, etag: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(store.put(KEY, body, content_type="application/json", if_match=etag)))
        except PreconditionFailed as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def waits_for_the_lock(blobs_class: type[LocalBlobs], root: Path) -> bool:
    """Whether a conditional put waits while another process holds the key's lock (and then completes)."""
    store = blobs_class(root, signing_secret=b"s" * 32, public_base_url="http://senas.test").store("ml-models")
    first = asyncio.run(store.put(KEY, b"v1", content_type="application/json"))
    with held_elsewhere(store.lock_file(KEY)):
        thread, outcome = put_in_thread(store, b"v2", first.etag)
        thread.join(GRACE_SECONDS)
        waited = thread.is_alive()
    thread.join()
    assert len(outcome) == 1
    assert asyncio.run(store.get(KEY)) == b"v2"
    return waited


def test_put_waits_for_a_lock_held_by_another_process(tmp_path: Path) -> None:
    assert waits_for_the_lock(LocalBlobs, tmp_path)


def test_a_store_locking_only_its_own_threads_is_caught(tmp_path: Path) -> None:
    assert not waits_for_the_lock(ThreadLockOnlyBlobs, tmp_path)


@pytest.mark.parametrize("key", ["a", "a/b", "templates/ase/hola/v1.json.gz"])
def test_lock_files_live_outside_the_bucket(tmp_path: Path, key: str) -> None:
    store = LocalBlobs(tmp_path, signing_secret=b"s" * 32, public_base_url="http://senas.test").store("ml-models")
    lock_file = store.lock_file(key)
    assert lock_file.parent == tmp_path / ".locks"
    asyncio.run(store.put(key, b"x", content_type="text/plain"))
    assert lock_file.is_file()
    assert asyncio.run(store.delete(key)) is True
    assert sorted(path.name for path in tmp_path.iterdir()) == [".locks", "ml-models"]
