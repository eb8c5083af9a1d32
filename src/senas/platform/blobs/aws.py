"""The blob store on S3: one bucket per port store (content-assets, user-uploads, ml-models, video-processing,
named ``<prefix>-<name>``), objects encrypted at rest (SSE-S3; the buckets also default to it).

Signed uploads are **presigned PUT URLs that sign the key, the content type and the exact Content-Length**. S3
cannot enforce a *maximum* size on a PUT — only a POST policy has ``content-length-range`` — so the upload must
be exactly ``max_bytes`` long; the services pass the size the client declared when it asked for the URL, which
makes the two the same thing. A client must send the returned ``headers`` (Content-Type and Content-Length);
anything else is refused by S3 (403 SignatureDoesNotMatch), as is a chunked body without Content-Length.
Signed downloads are presigned GET URLs (a HEAD needs its own signature on S3).

Large streamed puts go up as a multipart upload (8 MiB parts); their S3 ETag is then not the MD5 of the content,
so the ETags of a streamed and a whole put of the same >8 MiB content differ.

Conditional puts are S3's conditional writes: ``If-Match: <etag>`` / ``If-None-Match: *`` on PutObject (or on
CompleteMultipartUpload for a streamed put), which S3 checks atomically; 412 PreconditionFailed, 409
ConditionalRequestConflict (a concurrent write won) and, for If-Match, 404 NoSuchKey all become
PreconditionFailed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.blobs import BlobInfo, SignedUpload
from senas.platform.blobs.local import validate_conditions, validate_content_type, validate_key
from senas.platform.errors import InvalidRequest, NotFound, PreconditionFailed, Unavailable

__all__ = ["S3BlobStore", "S3Blobs"]

PART_SIZE = 8 * 1024 * 1024  # S3 needs parts of at least 5 MiB (all but the last)
MAX_SINGLE_PUT = 5 * 1024**3
MAX_EXPIRY_SECONDS = 7 * 86400  # SigV4 presigned URLs live at most a week
SSE = {"ServerSideEncryption": "AES256"}
_MISSING = ("404", "NoSuchKey", "NotFound")
_CONDITION_FAILED = ("412", "PreconditionFailed", "409", "ConditionalRequestConflict")


def _etag(raw: object) -> str:
    return str(raw or "").strip('"')


class S3BlobStore:
    def __init__(self, owner: S3Blobs, bucket: str, physical_name: str) -> None:
        self.bucket = bucket
        self.physical_name = physical_name
        self._owner = owner

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.bucket!r} → {self.physical_name!r})"

    @property
    def _clients(self) -> AwsClients:
        return self._owner.clients

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return await self._clients.call("s3", operation, Bucket=self.physical_name, **params)
        except ClientError as exc:
            code = error_code(exc)
            if code in _CONDITION_FAILED:
                raise PreconditionFailed(f"{self.bucket}: blob {params.get('Key')!r}: {error_message(exc)}") from None
            if code in _MISSING:
                raise NotFound(f"{self.bucket}: no blob {params.get('Key')!r}") from None
            if code == "NoSuchBucket":
                raise Unavailable(f"S3 bucket {self.physical_name} does not exist") from None
            if code in ("InvalidArgument", "InvalidRequest", "KeyTooLongError", "EntityTooLarge"):
                raise InvalidRequest(f"{self.bucket}: {error_message(exc)}") from None
            raise Unavailable(f"S3 {code or 'error'} on {self.physical_name}: {error_message(exc)}") from None

    # ---- the port

    async def put(
        self,
        key: str,
        data: bytes | AsyncIterator[bytes],
        *,
        content_type: str,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> BlobInfo:
        validate_key(key)
        validate_content_type(content_type)
        validate_conditions(if_match, if_none_match)
        conditions: dict[str, str] = {}
        if if_match is not None:
            conditions["IfMatch"] = f'"{if_match.strip(chr(34))}"'
        if if_none_match:
            conditions["IfNoneMatch"] = "*"
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                return await self._put_whole(key, bytes(data), content_type, conditions)
            buffer = bytearray()
            iterator = data.__aiter__()
            async for chunk in iterator:
                buffer += chunk
                if len(buffer) >= PART_SIZE:
                    return await self._put_multipart(key, buffer, iterator, content_type, conditions)
            return await self._put_whole(key, bytes(buffer), content_type, conditions)
        except NotFound:
            if if_match is None:
                raise
            # S3 answers If-Match on a missing key with 404 NoSuchKey; for the port that is a failed condition.
            missing = f"{self.bucket}: blob {key!r} does not exist (expected etag {if_match!r})"
            raise PreconditionFailed(missing) from None

    async def _put_whole(self, key: str, data: bytes, content_type: str, conditions: dict[str, str]) -> BlobInfo:
        if len(data) > MAX_SINGLE_PUT:
            raise InvalidRequest(f"a single put holds at most {MAX_SINGLE_PUT} bytes; stream it instead")
        response = await self._call("put_object", Key=key, Body=data, ContentType=content_type, **SSE, **conditions)
        return BlobInfo(key, len(data), content_type, _etag(response.get("ETag")), datetime.now(UTC))

    async def _put_multipart(
        self, key: str, buffer: bytearray, rest: AsyncIterator[bytes], content_type: str, conditions: dict[str, str]
    ) -> BlobInfo:
        upload = await self._call("create_multipart_upload", Key=key, ContentType=content_type, **SSE)
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        size = 0
        try:

            async def send(part: bytes) -> None:
                response = await self._call(
                    "upload_part", Key=key, UploadId=upload_id, PartNumber=len(parts) + 1, Body=part
                )
                parts.append({"PartNumber": len(parts) + 1, "ETag": response["ETag"]})

            async for chunk in rest:
                buffer += chunk
                while len(buffer) >= PART_SIZE:
                    await send(bytes(buffer[:PART_SIZE]))
                    size += PART_SIZE
                    del buffer[:PART_SIZE]
            if buffer or not parts:
                await send(bytes(buffer))
                size += len(buffer)
            done = await self._call(
                "complete_multipart_upload",
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                **conditions,
            )
        except BaseException:
            await asyncio.shield(self._abort(key, upload_id))
            raise
        return BlobInfo(key, size, content_type, _etag(done.get("ETag")), datetime.now(UTC))

    async def _abort(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(Unavailable, NotFound):  # else the bucket's lifecycle rule cleans up
            await self._call("abort_multipart_upload", Key=key, UploadId=upload_id)

    async def get(self, key: str) -> bytes:
        validate_key(key)
        response = await self._call("get_object", Key=key)
        body = response["Body"]
        try:
            return bytes(await self._clients.run(body.read))
        finally:
            body.close()

    async def get_with_info(self, key: str) -> tuple[bytes, BlobInfo]:
        validate_key(key)
        response = await self._call("get_object", Key=key)
        body = response["Body"]
        try:
            data = bytes(await self._clients.run(body.read))
        finally:
            body.close()
        # One GetObject: the ETag is the one of exactly these bytes, whatever is written meanwhile.
        info = BlobInfo(
            key=key,
            size=len(data),
            content_type=str(response.get("ContentType", "application/octet-stream")),
            etag=_etag(response.get("ETag")),
            modified_at=response.get("LastModified") or datetime.now(UTC),
        )
        return data, info

    async def stream(self, key: str, *, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        validate_key(key)
        if chunk_size < 1:
            raise InvalidRequest("chunk_size must be positive")
        response = await self._call("get_object", Key=key)
        body = response["Body"]
        try:
            while True:
                chunk = await self._clients.run(body.read, chunk_size)
                if not chunk:
                    return
                yield bytes(chunk)
        finally:
            body.close()

    async def head(self, key: str) -> BlobInfo | None:
        validate_key(key)
        try:
            response = await self._call("head_object", Key=key)
        except NotFound:
            return None
        return BlobInfo(
            key=key,
            size=int(response.get("ContentLength", 0)),
            content_type=str(response.get("ContentType", "application/octet-stream")),
            etag=_etag(response.get("ETag")),
            modified_at=response.get("LastModified") or datetime.now(UTC),
        )

    async def delete(self, key: str) -> bool:
        # S3's DeleteObject succeeds whether or not the key exists; the port wants to know.
        if await self.head(key) is None:
            return False
        await self._call("delete_object", Key=key)
        return True

    async def signed_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> SignedUpload:
        validate_key(key)
        validate_content_type(content_type)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or not 0 <= max_bytes <= MAX_SINGLE_PUT:
            raise InvalidRequest(f"max_bytes must be between 0 and {MAX_SINGLE_PUT}, got {max_bytes!r}")
        self._check_expiry(expires_in)
        # If-None-Match is signed: the URL creates its key once and cannot be replayed to replace the file.
        url = await self._presign(
            "put_object",
            {"Key": key, "ContentType": content_type, "ContentLength": max_bytes, "IfNoneMatch": "*"},
            expires_in,
            method="PUT",
        )
        return SignedUpload(
            url=url,
            method="PUT",
            headers={"Content-Type": content_type, "Content-Length": str(max_bytes), "If-None-Match": "*"},
            max_bytes=max_bytes,
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        )

    async def signed_download(self, key: str, *, expires_in: int = 900) -> str:
        validate_key(key)
        self._check_expiry(expires_in)
        return await self._presign("get_object", {"Key": key}, expires_in, method="GET")

    @staticmethod
    def _check_expiry(expires_in: int) -> None:
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or not 1 <= expires_in <= MAX_EXPIRY_SECONDS:
            raise InvalidRequest(f"expires_in must be between 1 and {MAX_EXPIRY_SECONDS} seconds, got {expires_in!r}")

    async def _presign(self, operation: str, params: dict[str, Any], expires_in: int, *, method: str) -> str:
        client = self._clients.client("s3")
        # Signing is local (no request) but may read credentials from disk or IMDS: keep it off the event loop.
        url: str = await self._clients.run(
            client.generate_presigned_url,
            operation,
            Params={"Bucket": self.physical_name, **params},
            ExpiresIn=expires_in,
            HttpMethod=method,
        )
        return url

    async def ping(self) -> None:
        try:
            await self._clients.call("s3", "head_bucket", Bucket=self.physical_name)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                raise Unavailable(f"S3 bucket {self.physical_name} does not exist") from None
            raise Unavailable(f"S3 bucket {self.physical_name}: {error_code(exc)} {error_message(exc)}") from None


class S3Blobs:
    """Stores by port bucket name; ``physical_name`` maps it to the S3 bucket (``<prefix>-<name>``)."""

    def __init__(self, clients: AwsClients, *, physical_name: Callable[[str], str] = lambda name: name) -> None:
        self.clients = clients
        self._physical_name = physical_name
        self._stores: dict[str, S3BlobStore] = {}

    def store(self, bucket: str) -> S3BlobStore:
        store = self._stores.get(bucket)
        if store is None:
            if not isinstance(bucket, str) or not bucket:
                raise InvalidRequest("a bucket needs a non-empty name")
            store = self._stores[bucket] = S3BlobStore(self, bucket, self._physical_name(bucket))
        return store


if TYPE_CHECKING:
    from senas.platform.blobs import Blobs, BlobStore

    def _satisfies_ports(blobs: S3Blobs, store: S3BlobStore) -> tuple[Blobs, BlobStore]:
        return blobs, store
