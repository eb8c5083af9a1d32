"""The blob store port, shaped after S3 (one store per bucket: content-assets, user-uploads, ml-models,
video-processing).

Conditional puts (``if_match`` an etag, ``if_none_match``) with ``get_with_info`` let several processes
update one blob without losing each other's changes (read, change, write back only if unchanged, else retry),
as S3's conditional PutObject does.

Signed URLs let a browser upload or download one key directly. An upload URL is bound to one key, one
content type and a maximum size, and expires; the store refuses anything else (403 bad signature/expired,
413 too large, 415 wrong content type).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    content_type: str
    etag: str  # hex digest of the content (sha256 locally, S3's ETag on AWS)
    modified_at: datetime


@dataclass(frozen=True)
class SignedUpload:
    """Everything a client needs to upload: PUT ``url`` with ``headers`` and at most ``max_bytes`` of body."""

    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    max_bytes: int = 0
    expires_at: datetime | None = None


@runtime_checkable
class BlobStore(Protocol):
    """One bucket."""

    bucket: str

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterator[bytes],
        *,
        content_type: str,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> BlobInfo:
        """Store ``data`` (bytes or a stream of chunks) under ``key``, replacing what was there.

        Conditional writes, checked atomically with the replacement (so two writers cannot both succeed on the
        same precondition): with ``if_match`` the blob must exist with exactly that etag (compare-and-swap of
        a blob read with ``get_with_info``); with ``if_none_match`` it must not exist (create-only). Either
        failing raises PreconditionFailed and stores nothing. Passing both is an InvalidRequest."""

    async def get(self, key: str) -> bytes:
        """The whole content. Raises NotFound."""

    async def get_with_info(self, key: str) -> tuple[bytes, BlobInfo]:
        """The whole content together with the metadata (etag) of exactly that content, read in one step so
        that the etag can guard a later ``put(if_match=...)``. Raises NotFound."""

    def stream(self, key: str, *, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        """The content in chunks, without holding it all in memory. Raises NotFound on first iteration."""

    async def head(self, key: str) -> BlobInfo | None:
        """Metadata of the blob, or None."""

    async def delete(self, key: str) -> bool:
        """Delete; True when the key existed."""

    async def signed_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> SignedUpload:
        """A URL through which exactly this key, of this content type, up to ``max_bytes``, can be PUT until
        it expires (``expires_in`` seconds) — once: the PUT creates the key, and once the key exists a PUT through
        the URL is refused (412). The client sends the returned ``headers`` with the PUT."""

    async def signed_download(self, key: str, *, expires_in: int = 900) -> str:
        """A URL through which this key can be GET until it expires."""

    async def ping(self) -> None:
        """Raise Unavailable when the store cannot be reached (used by readiness)."""


@runtime_checkable
class Blobs(Protocol):
    """Gives access to the named buckets of one deployment."""

    def store(self, bucket: str) -> BlobStore: ...
