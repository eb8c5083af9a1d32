"""A blob store that fails on command, for the upload fault tests.

``FaultyBlobs`` is the embedded store (a ``LocalBlobs``, so ``/_blobs`` serves its signed URLs as usual) whose
buckets are wrapped by ``FaultyStore``: the test sets ``faults.mode`` and the wrapped store then

* ``healthy``: passes everything through;
* ``fail_mid_stream``: takes part of an upload's body, then raises ``Unavailable`` (the connection to the store
  dropped), handing the real store the partial stream so that its own clean-up is what is tested;
* ``head_fails``: raises ``Unavailable`` on ``head`` (the store is down when the upload is confirmed);
* ``truncate`` (broken): stores only the first part of the body and reports success;
* ``swallow`` (broken): fails mid-stream like ``fail_mid_stream`` but reports success with made-up metadata.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from senas.platform.blobs import BlobInfo, SignedUpload
from senas.platform.blobs.local import LocalBlobs, LocalBlobStore
from senas.platform.errors import Unavailable

MODES = ("healthy", "fail_mid_stream", "head_fails", "truncate", "swallow")


@dataclass
class Faults:
    mode: str = "healthy"
    after_bytes: int = 64 * 1024  # how much of an upload gets through before the failure
    failures: int = 0

    def set(self, mode: str) -> None:
        assert mode in MODES, mode
        self.mode = mode


async def _chunks(data: bytes | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(data, bytes):
        yield data
        return
    async for chunk in data:
        yield chunk


class FaultyStore:
    def __init__(self, real: LocalBlobStore, faults: Faults) -> None:
        self.real = real
        self.faults = faults
        self.bucket = real.bucket

    async def _until_failure(self, data: bytes | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The body up to ``after_bytes``, then the store's connection 'drops'."""
        passed = 0
        async for chunk in _chunks(data):
            room = self.faults.after_bytes - passed
            if len(chunk) >= room:
                if room > 0:
                    yield chunk[:room]
                self.faults.failures += 1
                raise Unavailable("blob store connection lost during the upload")
            passed += len(chunk)
            yield chunk

    async def put(self, key: str, data: bytes | AsyncIterator[bytes], *, content_type: str, **kw: Any) -> BlobInfo:
        mode = self.faults.mode
        if mode == "fail_mid_stream":
            return await self.real.put(key, self._until_failure(data), content_type=content_type, **kw)
        if mode == "truncate":
            kept = bytearray()
            async for chunk in _chunks(data):
                kept += chunk
            return await self.real.put(key, bytes(kept[: self.faults.after_bytes]), content_type=content_type, **kw)
        if mode == "swallow":
            try:
                return await self.real.put(key, self._until_failure(data), content_type=content_type, **kw)
            except Unavailable:
                return BlobInfo(key=key, size=0, content_type=content_type, etag="0" * 64, modified_at=_now())
        return await self.real.put(key, data, content_type=content_type, **kw)

    async def head(self, key: str) -> BlobInfo | None:
        if self.faults.mode == "head_fails":
            self.faults.failures += 1
            raise Unavailable("blob store unreachable")
        return await self.real.head(key)

    async def get(self, key: str) -> bytes:
        return await self.real.get(key)

    async def get_with_info(self, key: str) -> tuple[bytes, BlobInfo]:
        return await self.real.get_with_info(key)

    def stream(self, key: str, *, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        return self.real.stream(key, chunk_size=chunk_size)

    async def open(self, key: str) -> Any:
        return await self.real.open(key)

    async def delete(self, key: str) -> bool:
        return await self.real.delete(key)

    async def signed_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> SignedUpload:
        return await self.real.signed_upload(key, content_type=content_type, max_bytes=max_bytes, expires_in=expires_in)

    async def signed_download(self, key: str, *, expires_in: int = 900) -> str:
        return await self.real.signed_download(key, expires_in=expires_in)

    async def ping(self) -> None:
        await self.real.ping()


def _now() -> datetime:
    return datetime.now(UTC)


class FaultyBlobs(LocalBlobs):
    """The embedded blob store with every bucket behind a ``FaultyStore`` sharing one ``Faults``."""

    def __init__(self, root: Path, *, signing_secret: bytes, public_base_url: str, faults: Faults) -> None:
        super().__init__(root, signing_secret=signing_secret, public_base_url=public_base_url)
        self.faults = faults

    def real_store(self, bucket: str) -> LocalBlobStore:
        return super().store(bucket)

    def store(self, bucket: str) -> FaultyStore:  # type: ignore[override]
        return FaultyStore(super().store(bucket), self.faults)
