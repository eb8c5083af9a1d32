"""The embedded blob store: one folder per bucket under a root folder, signed URLs served by ``blob_router``.

Layout of a bucket folder, for the key ``a/b/c.mp4``::

    <root>/<bucket>/a.d/b.d/c.mp4.meta                 sidecar: key, type, size, sha256, mtime, data name
    <root>/<bucket>/a.d/b.d/c.mp4.<32 hex>.blob        the content
    <root>/<bucket>/a.d/b.d/c.mp4.<32 hex>[.meta].tmp  a write in progress (or left over by a crash)

Folders get ``.d`` and files ``.meta``/``.blob``/``.tmp`` suffixes so that, as in S3, ``a`` and ``a/b`` can
both be keys. A write streams into a temp file, renames it to a fresh ``.blob`` name and then atomically
replaces the sidecar, which is the commit point: a reader always sees a sidecar together with the content it
describes, and an overwritten content file is deleted only after the new sidecar is in place (an open handle
keeps reading it).

Replacing or deleting a sidecar happens under a lock that holds across processes (an ``flock`` on one of a
few lock files per bucket, ``<root>/.locks/<bucket>.<n>.lock``, chosen by the key's hash), so that a
conditional put's check and its replacement are one atomic step even when two workers write the same key.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from senas.platform.blobs import BlobInfo, SignedUpload
from senas.platform.blobs.signing import UrlSigner
from senas.platform.errors import InvalidRequest, NotFound, PreconditionFailed, Unavailable
from senas.platform.files import open_private

BUCKET_NAME = re.compile(r"[a-z0-9-]+")
MAX_BUCKET_NAME_LENGTH = 63
MAX_KEY_BYTES = 1024
# Each key segment becomes a file name with up to ~45 bytes of suffix; most file systems allow 255 per name.
MAX_SEGMENT_BYTES = 200
MAX_CONTENT_TYPE_LENGTH = 255
URL_PREFIX = "/_blobs"

_CONTENT_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[ -~\t]*)?")
_FORBIDDEN_KEY_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
_LOCK_STRIPES = 64
LOCKS_FOLDER = ".locks"  # under the root; bucket names cannot start with '.', so it is never a bucket
_OPEN_ATTEMPTS = 5


class PayloadTooLarge(InvalidRequest):
    """A limited ``put`` received more than ``max_bytes``; nothing was stored."""


def validate_bucket(bucket: str) -> str:
    if not (isinstance(bucket, str) and BUCKET_NAME.fullmatch(bucket) and len(bucket) <= MAX_BUCKET_NAME_LENGTH):
        raise InvalidRequest(f"invalid bucket name {bucket!r}: use 1-63 of a-z, 0-9 and '-'")
    return bucket


def validate_key(key: str) -> list[str]:
    """The segments of an S3-like key, refusing anything that could leave the bucket folder or that a file
    system cannot hold. Raises InvalidRequest."""
    if not isinstance(key, str) or not key:
        raise InvalidRequest("a blob key must be a non-empty string")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidRequest("a blob key must be valid UTF-8 text") from None
    if size > MAX_KEY_BYTES:
        raise InvalidRequest(f"a blob key can be at most {MAX_KEY_BYTES} bytes long")
    if _FORBIDDEN_KEY_CHARS.search(key):
        raise InvalidRequest("a blob key cannot contain control characters or backslashes")
    segments = key.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise InvalidRequest(
                f"invalid blob key {key!r}: no leading, trailing or doubled '/' and no '.' or '..' segments"
            )
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise InvalidRequest(f"each '/'-separated part of a blob key can be at most {MAX_SEGMENT_BYTES} bytes")
    return segments


def validate_conditions(if_match: str | None, if_none_match: bool) -> None:
    if if_match is not None and if_none_match:
        raise InvalidRequest("a put can require the blob to match an etag or to be absent, not both")
    if if_match is not None and (not isinstance(if_match, str) or not if_match.strip('"')):
        raise InvalidRequest("if_match must be the etag of the blob to replace")


def check_conditions(key: str, current_etag: str | None, if_match: str | None, if_none_match: bool) -> None:
    """Raise PreconditionFailed unless the blob's current etag (None: absent) allows the put."""
    if if_none_match and current_etag is not None:
        raise PreconditionFailed(f"blob {key!r} already exists")
    if if_match is not None and current_etag != if_match.strip('"'):
        state = "does not exist" if current_etag is None else "has changed"
        raise PreconditionFailed(f"blob {key!r} {state} (expected etag {if_match!r})")


def validate_content_type(content_type: str) -> str:
    if (
        not isinstance(content_type, str)
        or len(content_type) > MAX_CONTENT_TYPE_LENGTH
        or not _CONTENT_TYPE.fullmatch(content_type)
    ):
        raise InvalidRequest(f"invalid content type {content_type!r}")
    return content_type


@dataclass(frozen=True)
class _Paths:
    folder: Path
    stem: str  # the last key segment

    @property
    def meta(self) -> Path:
        return self.folder / f"{self.stem}.meta"

    def data(self, token: str) -> Path:
        return self.folder / f"{self.stem}.{token}.blob"

    def temp(self, token: str, kind: str = "") -> Path:
        return self.folder / f"{self.stem}.{token}{kind}.tmp"


def _info_from_meta(meta: dict[str, object]) -> BlobInfo:
    modified_at = meta["modified_at"]
    size = meta["size"]
    assert isinstance(modified_at, int | float)
    assert isinstance(size, int)
    return BlobInfo(
        key=str(meta["key"]),
        size=size,
        content_type=str(meta["content_type"]),
        etag=str(meta["etag"]),
        modified_at=datetime.fromtimestamp(modified_at, UTC),
    )


class _TempWriter:
    """A temp file being filled, hashing as it goes. Used from worker threads; the lock orders a late write
    from a cancelled caller with the cleanup."""

    def __init__(self, paths: _Paths, max_bytes: int | None) -> None:
        self.paths = paths
        self.token = secrets.token_hex(16)
        self.temp_path = paths.temp(self.token)
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        for attempt in range(_OPEN_ATTEMPTS):
            paths.folder.mkdir(parents=True, exist_ok=True)
            try:
                # 0600: the store holds everyone's uploads and the models (issue 14 #14).
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                self._file = os.fdopen(open_private(self.temp_path, flags), "wb")
                break
            except FileNotFoundError:
                # A concurrent delete pruned the (then empty) folder between mkdir and open.
                if attempt == _OPEN_ATTEMPTS - 1:
                    raise

    def write(self, chunk: bytes) -> None:
        with self._lock:
            if self._file is None:
                return
            if self.max_bytes is not None and self.size + len(chunk) > self.max_bytes:
                raise PayloadTooLarge(f"the content is larger than the limit of {self.max_bytes} bytes")
            self._file.write(chunk)
            self._hash.update(chunk)
            self.size += len(chunk)

    def finish(self) -> tuple[str, Path]:
        """Flush to disk and rename to the final content file name; returns (sha256 hex, content path)."""
        with self._lock:
            assert self._file is not None
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            data_path = self.paths.data(self.token)
            os.replace(self.temp_path, data_path)
            return self._hash.hexdigest(), data_path

    def abort(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            self.temp_path.unlink(missing_ok=True)


class OpenedBlob:
    """A blob opened for reading: its metadata and a handle on exactly the content the metadata describes."""

    def __init__(self, info: BlobInfo, file: BinaryIO) -> None:
        self.info = info
        self._file = file
        self._lock = threading.Lock()

    def _read_at(self, position: int, size: int) -> bytes:
        with self._lock:
            if self._file.closed:
                return b""
            self._file.seek(position)
            return self._file.read(size)

    def _close(self) -> None:
        with self._lock:
            self._file.close()

    async def chunks(
        self, *, offset: int = 0, length: int | None = None, chunk_size: int = 1 << 16
    ) -> AsyncIterator[bytes]:
        """``length`` bytes (default: to the end) from ``offset``, in chunks of at most ``chunk_size``; closes
        the handle when done."""
        if chunk_size <= 0:
            raise InvalidRequest("chunk_size must be positive")
        remaining = self.info.size - offset if length is None else length
        position = offset
        try:
            while remaining > 0:
                chunk = await asyncio.to_thread(self._read_at, position, min(chunk_size, remaining))
                if not chunk:
                    break
                position += len(chunk)
                remaining -= len(chunk)
                yield chunk
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        await asyncio.to_thread(self._close)


class LocalBlobStore:
    """One bucket of a LocalBlobs root."""

    def __init__(self, owner: LocalBlobs, bucket: str) -> None:
        self.bucket = validate_bucket(bucket)
        self._owner = owner
        self._folder = owner.root / bucket

    def _paths(self, key: str) -> _Paths:
        segments = validate_key(key)
        folder = self._folder.joinpath(*(f"{segment}.d" for segment in segments[:-1]))
        paths = _Paths(folder, segments[-1])
        # Belt and braces: validation already rules out every way out of the bucket folder.
        if os.path.commonpath([self._folder, paths.meta]) != str(self._folder):
            raise InvalidRequest(f"invalid blob key {key!r}")
        return paths

    @staticmethod
    def _stripe(paths: _Paths) -> int:
        return zlib.crc32(str(paths.meta).encode("utf-8", "surrogatepass")) % _LOCK_STRIPES

    def _lock_file(self, stripe: int) -> Path:
        return self._owner.root / LOCKS_FOLDER / f"{self.bucket}.{stripe}.lock"

    def lock_file(self, key: str) -> Path:
        """The file whose ``flock`` guards writes of ``key`` across processes (for tests and tooling)."""
        return self._lock_file(self._stripe(self._paths(key)))

    @contextlib.contextmanager
    def _locked(self, paths: _Paths) -> Iterator[None]:
        """Exclusive use of the key's sidecar among processes: ``flock`` on a descriptor opened for this one use
        (so it also excludes this process's other threads, each with its own descriptor); the threading lock in
        front keeps those threads queueing in memory rather than on the file."""
        stripe = self._stripe(paths)
        with self._owner._locks[stripe]:
            lock_path = self._lock_file(stripe)
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except FileNotFoundError:
                lock_path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    @staticmethod
    def _read_meta(paths: _Paths) -> dict[str, object] | None:
        try:
            with open(paths.meta, "rb") as file:
                meta: dict[str, object] = json.load(file)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        return meta

    # -- writing -------------------------------------------------------------------------------------------

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
        """Store ``data`` under ``key``. With ``max_bytes``, raises PayloadTooLarge (storing nothing) as soon
        as more than that many bytes arrive. ``if_match``/``if_none_match``: see the port."""
        paths = self._paths(key)
        validate_content_type(content_type)
        validate_conditions(if_match, if_none_match)
        writer = await asyncio.to_thread(_TempWriter, paths, max_bytes)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                await asyncio.to_thread(writer.write, bytes(data))
            else:
                async for chunk in data:
                    if chunk:
                        await asyncio.to_thread(writer.write, bytes(chunk))
            return await asyncio.to_thread(
                self._commit, key, paths, writer, content_type, if_match=if_match, if_none_match=if_none_match
            )
        except BaseException:
            await asyncio.to_thread(writer.abort)
            raise

    def _commit(
        self,
        key: str,
        paths: _Paths,
        writer: _TempWriter,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> BlobInfo:
        etag, data_path = writer.finish()
        meta: dict[str, object] = {
            "key": key,
            "size": writer.size,
            "content_type": content_type,
            "etag": etag,
            "modified_at": self._owner.clock(),
            "data": data_path.name,
        }
        meta_temp = paths.temp(writer.token, ".meta")
        try:
            with os.fdopen(
                open_private(meta_temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w", encoding="utf-8"
            ) as file:
                json.dump(meta, file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            with self._locked(paths):
                previous = self._read_meta(paths)
                check_conditions(key, None if previous is None else str(previous["etag"]), if_match, if_none_match)
                os.replace(meta_temp, paths.meta)
        except BaseException:
            meta_temp.unlink(missing_ok=True)
            data_path.unlink(missing_ok=True)
            raise
        if previous is not None and previous.get("data") != data_path.name:
            (paths.folder / str(previous["data"])).unlink(missing_ok=True)
        return _info_from_meta(meta)

    async def delete(self, key: str) -> bool:
        paths = self._paths(key)
        return await asyncio.to_thread(self._delete, paths)

    def _delete(self, paths: _Paths) -> bool:
        with self._locked(paths):
            meta = self._read_meta(paths)
            if meta is None:
                return False
            paths.meta.unlink(missing_ok=True)
        (paths.folder / str(meta["data"])).unlink(missing_ok=True)
        folder = paths.folder
        while folder != self._folder:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.parent
        return True

    # -- reading -------------------------------------------------------------------------------------------

    async def head(self, key: str) -> BlobInfo | None:
        paths = self._paths(key)
        meta = await asyncio.to_thread(self._read_meta, paths)
        return None if meta is None else _info_from_meta(meta)

    async def open(self, key: str) -> OpenedBlob:
        """The blob's metadata and an open handle on its content (close it, or read ``chunks`` to the end).
        Raises NotFound."""
        paths = self._paths(key)
        return await asyncio.to_thread(self._open, key, paths)

    def _open(self, key: str, paths: _Paths) -> OpenedBlob:
        for _ in range(_OPEN_ATTEMPTS):
            meta = self._read_meta(paths)
            if meta is None:
                break
            try:
                file = open(paths.folder / str(meta["data"]), "rb")  # noqa: SIM115 - owned by OpenedBlob
            except FileNotFoundError:
                continue  # overwritten between reading the sidecar and opening: read the new sidecar
            return OpenedBlob(_info_from_meta(meta), file)
        raise NotFound(f"no blob {key!r} in bucket {self.bucket!r}")

    async def get(self, key: str) -> bytes:
        opened = await self.open(key)
        try:
            return await asyncio.to_thread(opened._read_at, 0, opened.info.size)
        finally:
            await opened.aclose()

    async def get_with_info(self, key: str) -> tuple[bytes, BlobInfo]:
        opened = await self.open(key)
        try:
            return await asyncio.to_thread(opened._read_at, 0, opened.info.size), opened.info
        finally:
            await opened.aclose()

    async def stream(self, key: str, *, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        opened = await self.open(key)
        async for chunk in opened.chunks(chunk_size=chunk_size):
            yield chunk

    # -- signed URLs ---------------------------------------------------------------------------------------

    def _url(self, key: str, params: dict[str, str]) -> str:
        path = quote(f"{URL_PREFIX}/{self.bucket}/{key}", safe="/")
        return f"{self._owner.public_base_url}{path}?{urlencode(params)}"

    async def signed_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> SignedUpload:
        self._paths(key)
        validate_content_type(content_type)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise InvalidRequest("max_bytes must be a positive whole number")
        signer = self._owner.signer
        expires_at = signer.expiry(expires_in)
        params = signer.sign(
            "PUT", self.bucket, key, expires_at=expires_at, content_type=content_type, max_bytes=max_bytes
        )
        return SignedUpload(
            url=self._url(key, params),
            method="PUT",
            headers={"Content-Type": content_type},
            max_bytes=max_bytes,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    async def signed_download(self, key: str, *, expires_in: int = 900) -> str:
        self._paths(key)
        signer = self._owner.signer
        params = signer.sign("GET", self.bucket, key, expires_at=signer.expiry(expires_in))
        return self._url(key, params)

    async def ping(self) -> None:
        try:
            await asyncio.to_thread(self._probe)
        except OSError as error:
            raise Unavailable(f"blob folder {self._folder} is not writable: {error}") from error

    def _probe(self) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        probe = self._folder / f".ping.{secrets.token_hex(8)}.tmp"
        probe.write_bytes(b"")
        probe.unlink()


class LocalBlobs:
    """The buckets of one deployment, as folders under ``root``. Signed URLs point at
    ``{public_base_url}/_blobs/{bucket}/{key}``, which ``senas.platform.blobs.http.blob_router`` serves."""

    signer_class: type[UrlSigner] = UrlSigner
    store_class: type[LocalBlobStore] = LocalBlobStore

    def __init__(
        self,
        root: Path,
        *,
        signing_secret: bytes,
        public_base_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root).absolute()
        self.public_base_url = public_base_url.rstrip("/")
        self.clock = clock
        self.signer = self.signer_class(signing_secret, clock=clock)
        self._stores: dict[str, LocalBlobStore] = {}
        self._stores_lock = threading.Lock()
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def store(self, bucket: str) -> LocalBlobStore:
        with self._stores_lock:
            store = self._stores.get(bucket)
            if store is None:
                store = self._stores[bucket] = self.store_class(self, bucket)
            return store

    def accepts_content_type(self, signed: str, sent: str | None) -> bool:
        """Whether an upload sent with ``sent`` as Content-Type matches the one its URL was signed for."""
        return sent is not None and sent.strip() == signed
