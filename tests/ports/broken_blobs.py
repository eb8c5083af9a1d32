"""Variants of the embedded blob store that each break ONE rule of the blobs contract, to show that the
contract suite notices (see ``test_blobs_catches_broken.py``). Everything else about them is the real
implementation."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping

from senas.platform.blobs import BlobInfo
from senas.platform.blobs.local import LocalBlobs, LocalBlobStore
from senas.platform.blobs.signing import SignedGrant, UrlSigner


class _UnlimitedSizeSigner(UrlSigner):
    def verify(self, method: str, bucket: str, key: str, params: Mapping[str, str]) -> SignedGrant:
        grant = super().verify(method, bucket, key, params)
        return grant if grant.max_bytes is None else dataclasses.replace(grant, max_bytes=1 << 62)


class NoSizeLimitBlobs(LocalBlobs):
    """Upload URLs accept bodies of any size."""

    signer_class = _UnlimitedSizeSigner


class NoContentTypeCheckBlobs(LocalBlobs):
    """Upload URLs accept any Content-Type (the blob is still stored with the signed one)."""

    def accepts_content_type(self, signed: str, sent: str | None) -> bool:
        return True


class _KeylessSigner(UrlSigner):
    def _canonical(self, grant: SignedGrant) -> list[object]:
        return [value for value in super()._canonical(grant) if value != grant.key]


class KeyUnboundBlobs(LocalBlobs):
    """The signature does not cover the key: a URL for one key works for every key of the bucket."""

    signer_class = _KeylessSigner


class _NeverExpiringSigner(UrlSigner):
    def _is_expired(self, grant: SignedGrant) -> bool:
        return False


class ExpiryIgnoredBlobs(LocalBlobs):
    """Signed URLs never expire."""

    signer_class = _NeverExpiringSigner


class _IfMatchIgnoringStore(LocalBlobStore):
    async def put(
        self,
        key: str,
        data: bytes | AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> BlobInfo:
        return await super().put(key, data, content_type=content_type, max_bytes=max_bytes, if_none_match=if_none_match)


class IfMatchIgnoredBlobs(LocalBlobs):
    """Puts ignore ``if_match``: a writer holding a stale etag overwrites what others wrote since (the lost
    update of an unguarded read-modify-write)."""

    store_class = _IfMatchIgnoringStore


class _IfNoneMatchIgnoringStore(LocalBlobStore):
    async def put(
        self,
        key: str,
        data: bytes | AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> BlobInfo:
        return await super().put(key, data, content_type=content_type, max_bytes=max_bytes, if_match=if_match)


class IfNoneMatchIgnoredBlobs(LocalBlobs):
    """Create-only puts overwrite an existing blob (two writers both 'create' version N)."""

    store_class = _IfNoneMatchIgnoringStore


BROKEN_VARIANTS: dict[str, type[LocalBlobs]] = {
    "broken-no-size-limit": NoSizeLimitBlobs,
    "broken-no-content-type-check": NoContentTypeCheckBlobs,
    "broken-key-unbound": KeyUnboundBlobs,
    "broken-expiry-ignored": ExpiryIgnoredBlobs,
    "broken-if-match-ignored": IfMatchIgnoredBlobs,
    "broken-if-none-match-ignored": IfNoneMatchIgnoredBlobs,
}
