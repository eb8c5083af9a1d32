"""Read views of the catalogue, cached per process and served with ETags.

Why the ETag leaves the signed URLs out: a media URL is signed at request time and expires (S3 puts the signing
time in the URL, so two requests never produce the same URL), which would make every response unique and a 304
impossible. The ETag is therefore ``<hash of the body without URLs>.<URL window>``, where the window is
``URL_TTL / 2`` long and each URL is valid for ``URL_TTL``: a client can only be told "304, keep your copy" while
its copy's URLs were signed in the current window, so they are still valid for at least ``URL_TTL / 2`` (far
longer than ``max-age``). When the window rolls over, the next revalidation gets a fresh body with fresh URLs.

Views are cached keyed by the catalogue revision (raised by every author write in the same transaction), so a
cache never serves content older than the last committed write, whichever process made it.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from fastapi import Request
from fastapi.responses import Response

from senas.content.media.schemas import MediaOut
from senas.demo.notice import DEMO_NOTICE_EN, DEMO_NOTICE_ES
from senas.platform.blobs import BlobStore

URL_TTL_SECONDS = 3600
ETAG_WINDOW_SECONDS = URL_TTL_SECONDS // 2
PUBLIC_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-cache"
VIEW_CACHE_SIZE = 2048
REVISION_TTL_SECONDS = 1.0
URL_REUSE_SECONDS = 300.0


class MediaRef:
    """A stored asset inside a view; replaced by a signed URL when the view is sent."""

    __slots__ = ("asset_id", "bucket", "content_type", "demo", "key")

    def __init__(self, asset_id: str, bucket: str, key: str, content_type: str, demo: bool) -> None:
        self.asset_id = asset_id
        self.bucket = bucket
        self.key = key
        self.content_type = content_type
        self.demo = demo

    def identity(self) -> list[Any]:
        return [self.asset_id, self.bucket, self.key, self.content_type, self.demo]


def _identity(value: Any) -> Any:
    if isinstance(value, MediaRef):
        return value.identity()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass
class View:
    """A JSON payload (with MediaRefs where URLs go) and its content hash."""

    payload: Any
    refs: list[MediaRef] = field(default_factory=list)
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            body = orjson.dumps(self.payload, default=_identity, option=orjson.OPT_SORT_KEYS)
            self.content_hash = hashlib.sha256(body).hexdigest()[:32]

    def etag(self, now: float) -> str:
        return f'"{self.content_hash}.{int(now // ETAG_WINDOW_SECONDS)}"'


class ViewCache:
    """A small LRU of views, valid for one catalogue revision.

    The revision is read from the database at most every ``revision_ttl`` seconds: writes made in this process
    invalidate the cache at once (their commit calls :meth:`invalidate`), writes made by another process are
    seen within ``revision_ttl`` — far below the minute that ``Cache-Control`` already lets clients keep a copy.
    """

    def __init__(
        self,
        size: int = VIEW_CACHE_SIZE,
        *,
        revision_ttl: float = REVISION_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.revision_ttl = revision_ttl
        self.clock = clock
        self._revision: int | None = None
        self._checked_at = -math.inf
        self._views: OrderedDict[Hashable, View] = OrderedDict()

    def invalidate(self) -> None:
        self._checked_at = -math.inf

    async def get(
        self, key: Hashable, load: Callable[[], Awaitable[View]], revision: Callable[[], Awaitable[int]]
    ) -> View:
        now = self.clock()
        if now - self._checked_at >= self.revision_ttl:
            # One check at a time: concurrent requests meanwhile use the views as they are (at most one TTL old)
            # instead of each sending the same query.
            self._checked_at = now
            try:
                current = await revision()
            except BaseException:
                self._checked_at = -math.inf
                raise
            if current != self._revision:
                self._views.clear()
                self._revision = current
        view = self._views.get(key)
        if view is not None:
            self._views.move_to_end(key)
            return view
        revision_at_load = self._revision
        view = await load()
        if self._revision == revision_at_load:
            self._views[key] = view
            if len(self._views) > self.size:
                self._views.popitem(last=False)
        return view


class SignedUrlCache:
    """Signed download URLs, reused for a few minutes within one ETag window (signing thirteen URLs per lesson
    was most of a cached read's cost). Staying inside the window keeps the guarantee described above: a URL in a
    body served during window *k* was signed during window *k*."""

    def __init__(self, max_age: float = URL_REUSE_SECONDS, size: int = 20_000) -> None:
        self.max_age = max_age
        self.size = size
        self._urls: dict[tuple[str, str], tuple[int, float, dict[str, Any]]] = {}

    def get(self, bucket: str, key: str, now: float) -> dict[str, Any] | None:
        entry = self._urls.get((bucket, key))
        if entry is None:
            return None
        window, signed_at, media = entry
        if window != int(now // ETAG_WINDOW_SECONDS) or now - signed_at > self.max_age:
            return None
        return media

    def put(self, bucket: str, key: str, now: float, media: dict[str, Any]) -> None:
        if len(self._urls) >= self.size:
            self._urls.clear()
        self._urls[(bucket, key)] = (int(now // ETAG_WINDOW_SECONDS), now, media)


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


class Buckets(Protocol):
    """Where media files are (the service's declared buckets, by the logical name a media row records)."""

    def bucket(self, logical: str) -> BlobStore: ...


async def media_urls(
    ports: Buckets, refs: list[MediaRef], cache: SignedUrlCache | None = None
) -> dict[str, dict[str, Any]]:
    """Signed download URLs for every distinct asset of a view."""
    now = time.time()
    resolved: dict[str, dict[str, Any]] = {}
    for ref in refs:
        if ref.asset_id in resolved:
            continue
        media = cache.get(ref.bucket, ref.key, now) if cache is not None else None
        if media is None:
            store = ports.bucket(ref.bucket)
            url = await store.signed_download(ref.key, expires_in=URL_TTL_SECONDS)
            # Through the model the routes declare, once per signature (cached signatures are reused as they are).
            media = MediaOut(
                url=url,
                content_type=ref.content_type,
                expires_at=datetime.fromtimestamp(int(now) + URL_TTL_SECONDS, UTC).isoformat(),
                demo=ref.demo,
                notice_es=DEMO_NOTICE_ES if ref.demo else None,
                notice_en=DEMO_NOTICE_EN if ref.demo else None,
            ).model_dump(exclude_none=True)
            if cache is not None:
                cache.put(ref.bucket, ref.key, now, media)
        resolved[ref.asset_id] = media
    return resolved


async def respond(
    request: Request, ports: Buckets, view: View, *, private: bool, urls: SignedUrlCache | None = None
) -> Response:
    """200 with the view (URLs signed now) or 304 when the client's copy is current."""
    now = time.time()
    etag = view.etag(now)
    headers = {"ETag": etag, "Cache-Control": PRIVATE_CACHE_CONTROL if private else PUBLIC_CACHE_CONTROL}
    if private:
        headers["Vary"] = "Authorization"
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    signed = await media_urls(ports, view.refs, urls)
    body = orjson.dumps(view.payload, default=lambda ref: signed[ref.asset_id])
    return Response(body, media_type="application/json", headers=headers)
