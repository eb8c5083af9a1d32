"""HTTP endpoints behind the embedded blob store's signed URLs: ``PUT`` to upload, ``GET``/``HEAD`` to
download (with single byte ranges, which browsers' ``<video>`` elements use to seek).

Errors are JSON ``{"error": code, "detail": message}``: 403 ``signature_invalid``/``url_expired``, 404
``not_found``, 413 ``payload_too_large``, 415 ``unsupported_media_type``, 416 ``range_not_satisfiable``.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from senas.platform.blobs import BlobInfo
from senas.platform.blobs.local import URL_PREFIX, LocalBlobs, LocalBlobStore, PayloadTooLarge
from senas.platform.blobs.signing import SignatureError, SignedGrant
from senas.platform.errors import InvalidRequest, NotFound, PreconditionFailed, Unavailable

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Stored content is served from the application's own origin: never let a browser sniff it into something
# executable, and sandbox it should it be opened as a document.
_SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


class RangeNotSatisfiable(Exception):
    pass


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions asked for by a single-range ``Range`` header, or None to serve the
    whole content (no header, several ranges, or a malformed one — which RFC 9110 says to ignore). Raises
    RangeNotSatisfiable when the range lies outside the content."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, size - 1 if last == "" else min(int(last), size - 1)


def _content_headers(info: BlobInfo) -> dict[str, str]:
    return {
        "Content-Type": info.content_type,
        "ETag": f'"{info.etag}"',
        "Last-Modified": info.modified_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Accept-Ranges": "bytes",
        **_SAFETY_HEADERS,
    }


def blob_router(blobs: LocalBlobs) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def authorize(request: Request, method: str, bucket: str, key: str) -> tuple[SignedGrant, LocalBlobStore]:
        grant = blobs.signer.verify(method, bucket, key, request.query_params)
        return grant, blobs.store(bucket)

    @router.put(URL_PREFIX + "/{bucket}/{key:path}")
    async def upload(request: Request, bucket: str, key: str) -> Response:
        try:
            grant, store = authorize(request, "PUT", bucket, key)
            if grant.content_type is None or grant.max_bytes is None:
                return _error(403, "signature_invalid", "this URL does not grant an upload")
            sent_type = request.headers.get("content-type")
            if not blobs.accepts_content_type(grant.content_type, sent_type):
                return _error(
                    415,
                    "unsupported_media_type",
                    f"this upload URL accepts Content-Type {grant.content_type!r} only, not {sent_type!r}",
                )
            too_large = f"this upload URL accepts at most {grant.max_bytes} bytes"
            declared = request.headers.get("content-length")
            if declared is not None:
                if not (declared.isascii() and declared.isdigit()):
                    return _error(400, "invalid_request", "malformed Content-Length header")
                if int(declared) > grant.max_bytes:
                    return _error(413, "payload_too_large", too_large)
            try:
                # An upload URL creates its key once: it cannot be replayed to replace what was uploaded (and
                # perhaps already confirmed and processed), as S3's signed If-None-Match refuses it too.
                info = await store.put(
                    key,
                    request.stream(),
                    content_type=grant.content_type,
                    max_bytes=grant.max_bytes,
                    if_none_match=True,
                )
            except PayloadTooLarge:
                return _error(413, "payload_too_large", too_large)
            except PreconditionFailed:
                return _error(412, "already_uploaded", "this upload URL has been used: the file is already there")
        except SignatureError as error:
            return _error(403, error.code, str(error))
        except Unavailable as error:
            return _error(503, "unavailable", str(error))
        except InvalidRequest as error:
            return _error(400, "invalid_request", str(error))
        return JSONResponse({"key": info.key, "size": info.size, "etag": info.etag}, headers={"ETag": f'"{info.etag}"'})

    @router.api_route(URL_PREFIX + "/{bucket}/{key:path}", methods=["GET", "HEAD"])
    async def download(request: Request, bucket: str, key: str) -> Response:
        # As with S3, a URL signed for GET also allows HEAD.
        try:
            _, store = authorize(request, "GET", bucket, key)
            if request.method == "HEAD":
                info = await store.head(key)
                if info is None:
                    raise NotFound(f"no blob {key!r}")
                return Response(headers={**_content_headers(info), "Content-Length": str(info.size)})
            opened = await store.open(key)
        except SignatureError as error:
            return _error(403, error.code, str(error))
        except NotFound:
            return _error(404, "not_found", f"no blob {key!r} in bucket {bucket!r}")
        except Unavailable as error:
            return _error(503, "unavailable", str(error))
        except InvalidRequest as error:
            return _error(400, "invalid_request", str(error))

        info = opened.info
        headers = _content_headers(info)
        try:
            byte_range = parse_range(request.headers.get("range"), info.size)
        except RangeNotSatisfiable:
            await opened.aclose()
            return _error(
                416,
                "range_not_satisfiable",
                f"the blob is {info.size} bytes long",
                headers={"Content-Range": f"bytes */{info.size}"},
            )
        status, offset, length = 200, 0, info.size
        if byte_range is not None:
            first, last = byte_range
            status, offset, length = 206, first, last - first + 1
            headers["Content-Range"] = f"bytes {first}-{last}/{info.size}"
        headers["Content-Length"] = str(length)
        return StreamingResponse(
            opened.chunks(offset=offset, length=length),
            status_code=status,
            headers=headers,
            background=BackgroundTask(opened.aclose),
        )

    return router
