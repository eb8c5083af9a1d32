"""Unit tests of the embedded blob store's URL signing, key validation, on-disk behaviour and HTTP details
(the behaviour every implementation shares is in tests/ports/test_blobs_contract.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from senas.platform.blobs import Blobs, BlobStore
from senas.platform.blobs.http import RangeNotSatisfiable, blob_router, parse_range
from senas.platform.blobs.local import LOCKS_FOLDER, LocalBlobs, LocalBlobStore, PayloadTooLarge, validate_key
from senas.platform.blobs.signing import SignatureError, SignatureInvalid, UrlExpired, UrlSigner
from senas.platform.errors import InvalidRequest, NotFound, Unavailable

SECRET = b"s" * 32
NOW = 1_750_000_000.0
BASE = "http://senas.test"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> UrlSigner:
    return UrlSigner(SECRET, clock=clock)


@pytest.fixture
def blobs(tmp_path: Path, clock: Clock) -> LocalBlobs:
    return LocalBlobs(tmp_path / "root", signing_secret=SECRET, public_base_url=BASE + "/", clock=clock)


@pytest.fixture
def store(blobs: LocalBlobs) -> LocalBlobStore:
    return blobs.store("user-uploads")


@pytest.fixture
async def http(blobs: LocalBlobs) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(blob_router(blobs))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


def everything_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def files_under(folder: Path) -> list[Path]:
    """Blob data files: the store's lock files (empty, ``<root>/.locks/<bucket>.<n>.lock``) are not data."""
    return [path for path in everything_under(folder) if path.is_file() and LOCKS_FOLDER not in path.parts]


def upload_params(signer: UrlSigner, **changes: object) -> dict[str, str]:
    fields: dict[str, object] = {
        "method": "PUT",
        "bucket": "user-uploads",
        "key": "u/1.webm",
        "expires_at": int(NOW) + 60,
        "content_type": "video/webm",
        "max_bytes": 1000,
    }
    fields.update(changes)
    return signer.sign(
        str(fields["method"]),
        str(fields["bucket"]),
        str(fields["key"]),
        expires_at=int(str(fields["expires_at"])),
        content_type=str(fields["content_type"]),
        max_bytes=int(str(fields["max_bytes"])),
    )


# -- UrlSigner -----------------------------------------------------------------------------------------------


def test_sign_then_verify(signer: UrlSigner) -> None:
    params = upload_params(signer)
    assert set(params) == {"expires", "content_type", "max_bytes", "signature"}
    assert len(params["signature"]) == 64
    grant = signer.verify("PUT", "user-uploads", "u/1.webm", params)
    assert (grant.method, grant.bucket, grant.key) == ("PUT", "user-uploads", "u/1.webm")
    assert (grant.content_type, grant.max_bytes, grant.expires_at) == ("video/webm", 1000, int(NOW) + 60)


def test_download_grant_has_no_upload_fields(signer: UrlSigner) -> None:
    params = signer.sign("GET", "b", "k", expires_at=int(NOW) + 5)
    assert set(params) == {"expires", "signature"}
    grant = signer.verify("get", "b", "k", params)
    assert grant.content_type is None
    assert grant.max_bytes is None


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("method", "GET"),
        ("bucket", "content-assets"),
        ("key", "u/2.webm"),
        ("key", "u/1.webm/"),
        ("key", "U/1.webm"),
    ],
)
def test_request_other_than_signed_is_refused(signer: UrlSigner, where: str, value: str) -> None:
    params = upload_params(signer)
    request = {"method": "PUT", "bucket": "user-uploads", "key": "u/1.webm", where: value}
    with pytest.raises(SignatureInvalid):
        signer.verify(request["method"], request["bucket"], request["key"], params)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("expires", str(int(NOW) + 3600)),
        ("content_type", "text/html"),
        ("max_bytes", "1000000"),
        ("max_bytes", "+1000"),
        ("max_bytes", "01000"),
        ("max_bytes", "１０００"),
        ("expires", ""),
        ("signature", "0" * 64),
        ("signature", ""),
        ("signature", "é"),
    ],
)
def test_tampered_parameter_is_refused(signer: UrlSigner, param: str, value: str) -> None:
    params = {**upload_params(signer), param: value}
    with pytest.raises(SignatureInvalid):
        signer.verify("PUT", "user-uploads", "u/1.webm", params)


@pytest.mark.parametrize("param", ["expires", "content_type", "max_bytes", "signature"])
def test_missing_parameter_is_refused(signer: UrlSigner, param: str) -> None:
    params = upload_params(signer)
    del params[param]
    with pytest.raises(SignatureInvalid):
        signer.verify("PUT", "user-uploads", "u/1.webm", params)


def test_download_url_cannot_become_an_upload_url(signer: UrlSigner) -> None:
    params = signer.sign("GET", "user-uploads", "u/1.webm", expires_at=int(NOW) + 60)
    with pytest.raises(SignatureInvalid):
        signer.verify("PUT", "user-uploads", "u/1.webm", {**params, "content_type": "video/webm", "max_bytes": "9"})


def test_other_secret_is_refused(signer: UrlSigner, clock: Clock) -> None:
    params = upload_params(UrlSigner(b"t" * 32, clock=clock))
    with pytest.raises(SignatureInvalid):
        signer.verify("PUT", "user-uploads", "u/1.webm", params)


def test_fields_cannot_be_shifted_between_each_other(signer: UrlSigner) -> None:
    a = signer.sign("PUT", "b", "x/y", expires_at=10, content_type="c/d", max_bytes=1)
    b = signer.sign("PUT", "b/x", "y", expires_at=10, content_type="c/d", max_bytes=1)
    c = signer.sign("PUT", "b", "x/y", expires_at=1, content_type="c/d", max_bytes=10)
    assert len({a["signature"], b["signature"], c["signature"]}) == 3


def test_expiry(signer: UrlSigner, clock: Clock) -> None:
    params = upload_params(signer)
    clock.now = NOW + 59.9
    signer.verify("PUT", "user-uploads", "u/1.webm", params)
    clock.now = NOW + 60
    with pytest.raises(UrlExpired) as caught:
        signer.verify("PUT", "user-uploads", "u/1.webm", params)
    assert caught.value.code == "url_expired"
    assert isinstance(caught.value, SignatureError)
    assert isinstance(caught.value, InvalidRequest)


def test_forged_signature_is_invalid_not_expired(signer: UrlSigner, clock: Clock) -> None:
    params = {**upload_params(signer), "signature": "f" * 64}
    clock.now = NOW + 10_000
    with pytest.raises(SignatureInvalid) as caught:
        signer.verify("PUT", "user-uploads", "u/1.webm", params)
    assert caught.value.code == "signature_invalid"


def test_expiry_from_expires_in(signer: UrlSigner, clock: Clock) -> None:
    clock.now = NOW + 0.25
    assert signer.expiry(900) == int(NOW) + 1 + 900
    for bad in (0, -1, 7 * 24 * 3600 + 1):
        with pytest.raises(InvalidRequest):
            signer.expiry(bad)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        UrlSigner(b"short")


# -- keys and buckets ----------------------------------------------------------------------------------------

BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "a/../../outside",
    "a/..",
    "..",
    ".",
    "a/./b",
    "a//b",
    "a/",
    "a\x00b",
    "a\nb",
    "..\\..\\outside",
    "a\\b",
    "x" * 1025,
    "/".join(["a" * 100] * 11),
    "y" * 201,
    "\ud800",
]


@pytest.mark.parametrize("key", BAD_KEYS, ids=[repr(key)[:30] for key in BAD_KEYS])
async def test_bad_keys_are_refused_everywhere(store: LocalBlobStore, tmp_path: Path, key: str) -> None:
    with pytest.raises(InvalidRequest):
        validate_key(key)
    with pytest.raises(InvalidRequest):
        await store.put(key, b"x", content_type="text/plain")
    with pytest.raises(InvalidRequest):
        await store.get(key)
    with pytest.raises(InvalidRequest):
        async for _ in store.stream(key):
            pass
    with pytest.raises(InvalidRequest):
        await store.head(key)
    with pytest.raises(InvalidRequest):
        await store.delete(key)
    with pytest.raises(InvalidRequest):
        await store.signed_upload(key, content_type="text/plain", max_bytes=10)
    with pytest.raises(InvalidRequest):
        await store.signed_download(key)
    assert [p.relative_to(tmp_path).as_posix() for p in files_under(tmp_path)] == []


GOOD_KEYS = ["a", "a/b/c.mp4", "..a", "a..b/c", ".hidden", "ñandú/señas día.mp4", "/".join(["k" * 100] * 10)]


@pytest.mark.parametrize("key", GOOD_KEYS)
async def test_good_keys_stay_inside_the_bucket(store: LocalBlobStore, tmp_path: Path, key: str) -> None:
    await store.put(key, b"x", content_type="text/plain")
    assert await store.get(key) == b"x"
    bucket = tmp_path / "root" / "user-uploads"
    files = files_under(tmp_path)
    assert len(files) == 2
    assert all(bucket in p.parents for p in files)


@pytest.mark.parametrize("bucket", ["", "Uploads", "user_uploads", "a/b", "..", "x" * 64])
def test_bad_bucket_names(blobs: LocalBlobs, bucket: str) -> None:
    with pytest.raises(InvalidRequest):
        blobs.store(bucket)


def test_protocols(blobs: LocalBlobs) -> None:
    assert isinstance(blobs, Blobs)
    assert isinstance(blobs.store("content-assets"), BlobStore)
    assert blobs.store("content-assets") is blobs.store("content-assets")


@pytest.mark.parametrize("content_type", ["", "video", "video/mp4\r\nX-Evil: 1", "vídeo/mp4", "a/b" + "c" * 300])
async def test_bad_content_types(store: LocalBlobStore, content_type: str) -> None:
    with pytest.raises(InvalidRequest):
        await store.signed_upload("k", content_type=content_type, max_bytes=10)
    with pytest.raises(InvalidRequest):
        await store.put("k", b"x", content_type=content_type)


@pytest.mark.parametrize("max_bytes", [0, -1])
async def test_bad_max_bytes(store: LocalBlobStore, max_bytes: int) -> None:
    with pytest.raises(InvalidRequest):
        await store.signed_upload("k", content_type="video/webm", max_bytes=max_bytes)


# -- the store on disk ---------------------------------------------------------------------------------------


async def test_signed_upload_shape(store: LocalBlobStore) -> None:
    signed = await store.signed_upload("u/7/a b.webm", content_type="video/webm", max_bytes=500, expires_in=120)
    parts = urlsplit(signed.url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    assert parts.path == "/_blobs/user-uploads/u/7/a%20b.webm"
    query = dict(parse_qsl(parts.query))
    assert query["content_type"] == "video/webm"
    assert query["max_bytes"] == "500"
    assert query["expires"] == str(int(NOW) + 120)
    assert signed.headers == {"Content-Type": "video/webm"}
    assert signed.expires_at == datetime.fromtimestamp(NOW + 120, UTC)


async def test_modified_at_and_etag(store: LocalBlobStore) -> None:
    info = await store.put("k", b"abc", content_type="text/plain")
    assert info.etag == hashlib.sha256(b"abc").hexdigest()
    assert info.modified_at == datetime.fromtimestamp(NOW, UTC)


async def test_put_limit(store: LocalBlobStore, tmp_path: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 100

    with pytest.raises(PayloadTooLarge):
        await store.put("k", body(), content_type="text/plain", max_bytes=999)
    assert await store.head("k") is None
    assert await store.put("k", body(), content_type="text/plain", max_bytes=1000)
    assert len(files_under(tmp_path)) == 2


async def test_failed_stream_leaves_nothing(store: LocalBlobStore, tmp_path: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        await store.put("k", body(), content_type="text/plain")
    assert await store.head("k") is None
    assert files_under(tmp_path) == []


async def test_cancelled_put_leaves_nothing(store: LocalBlobStore, tmp_path: Path) -> None:
    started = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        started.set()
        await asyncio.sleep(60)
        yield b"never"

    task = asyncio.create_task(store.put("k", body(), content_type="text/plain"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert files_under(tmp_path) == []


async def test_delete_cleans_up_files_and_empty_folders(store: LocalBlobStore, tmp_path: Path) -> None:
    await store.put("a/b/c.mp4", b"1", content_type="video/mp4")
    await store.put("a/b/c.mp4", b"2", content_type="video/mp4")
    await store.put("a/d.mp4", b"3", content_type="video/mp4")
    bucket = tmp_path / "root" / "user-uploads"
    assert len(files_under(bucket)) == 4  # two blobs, each with its sidecar; the overwritten content is gone
    assert await store.delete("a/b/c.mp4")
    assert [p.relative_to(bucket).as_posix() for p in everything_under(bucket) if p.is_dir()] == ["a.d"]
    assert len(files_under(bucket)) == 2
    assert await store.delete("a/d.mp4")
    assert everything_under(bucket) == []


async def test_open_handle_survives_overwrite_and_delete(store: LocalBlobStore) -> None:
    old = os.urandom(300_000)
    await store.put("k", old, content_type="application/octet-stream")
    opened = await store.open("k")
    await store.put("k", b"new", content_type="text/plain")
    await store.delete("k")
    assert b"".join([chunk async for chunk in opened.chunks(chunk_size=50_000)]) == old


async def test_concurrent_overwrites_stay_consistent(store: LocalBlobStore, tmp_path: Path) -> None:
    """Whatever interleaving, a reader sees metadata and content that belong together, and no file leaks."""
    bodies = [bytes([n]) * (1000 + n * 997) for n in range(12)]

    async def write(body: bytes) -> None:
        await store.put("shared/k", body, content_type="application/octet-stream")

    async def read() -> None:
        for _ in range(10):
            try:
                opened = await store.open("shared/k")
            except NotFound:
                await asyncio.sleep(0)
                continue
            content = b"".join([chunk async for chunk in opened.chunks(chunk_size=4096)])
            assert len(content) == opened.info.size
            assert hashlib.sha256(content).hexdigest() == opened.info.etag

    await asyncio.gather(*(write(body) for body in bodies), *(read() for _ in range(4)))
    final = await store.head("shared/k")
    assert final is not None
    assert await store.get("shared/k") in bodies
    assert len(files_under(tmp_path)) == 2, files_under(tmp_path)  # one content file and its sidecar


async def test_ping_fails_when_root_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    blobs = LocalBlobs(tmp_path / "file" / "root", signing_secret=SECRET, public_base_url=BASE)
    with pytest.raises(Unavailable):
        await blobs.store("content-assets").ping()


async def test_ping_creates_bucket_folder(store: LocalBlobStore, tmp_path: Path) -> None:
    await store.ping()
    assert [p.name for p in (tmp_path / "root" / "user-uploads").iterdir()] == []


# -- HTTP ----------------------------------------------------------------------------------------------------


def test_parse_range() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-5", 100) == (95, 99)
    assert parse_range("bytes=-500", 100) == (0, 99)
    assert parse_range("bytes=50-500", 100) == (50, 99)
    for ignored in ("bytes=0-1,5-6", "bytes=9-1", "items=0-1", "bytes=-", "bytes=a-b", "bytes=0-9 junk"):
        assert parse_range(ignored, 100) is None, ignored
    for unsatisfiable, size in (("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-1", 0)):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(unsatisfiable, size)


async def test_upload_success_body(store: LocalBlobStore, http: httpx.AsyncClient) -> None:
    signed = await store.signed_upload("u/1.webm", content_type="video/webm", max_bytes=10)
    response = await http.put(signed.url, content=b"12345", headers=signed.headers)
    assert response.status_code == 200
    etag = hashlib.sha256(b"12345").hexdigest()
    assert response.json() == {"key": "u/1.webm", "size": 5, "etag": etag}
    assert response.headers["etag"] == f'"{etag}"'


async def test_error_bodies(store: LocalBlobStore, http: httpx.AsyncClient, clock: Clock) -> None:
    signed = await store.signed_upload("u/1.webm", content_type="video/webm", max_bytes=10, expires_in=60)

    async def body(size: int) -> AsyncIterator[bytes]:
        yield b"x" * size

    cases = [
        (
            await http.put(signed.url.split("?")[0], content=b"x", headers=signed.headers),
            403,
            "signature_invalid",
        ),
        (
            await http.put(signed.url, content=b"x", headers={"Content-Type": "text/html"}),
            415,
            "unsupported_media_type",
        ),
        (await http.put(signed.url, content=b"x"), 415, "unsupported_media_type"),
        (await http.put(signed.url, content=b"x" * 11, headers=signed.headers), 413, "payload_too_large"),
        (await http.put(signed.url, content=body(11), headers=signed.headers), 413, "payload_too_large"),
        (await http.get(await store.signed_download("u/none.webm")), 404, "not_found"),
    ]
    clock.now += 61
    cases.append((await http.put(signed.url, content=b"x", headers=signed.headers), 403, "url_expired"))
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        assert response.json()["detail"]
    assert await store.head("u/1.webm") is None


async def test_declared_length_over_limit_refused_before_reading(
    store: LocalBlobStore, http: httpx.AsyncClient
) -> None:
    signed = await store.signed_upload("u/1.webm", content_type="video/webm", max_bytes=10)

    async def body() -> AsyncIterator[bytes]:
        yield b"x" * 100

    headers = {**signed.headers, "Content-Length": "100"}
    response = await http.put(signed.url, content=body(), headers=headers)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert await store.head("u/1.webm") is None


async def test_download_headers(store: LocalBlobStore, http: httpx.AsyncClient) -> None:
    await store.put("notes.txt", b"hola", content_type="text/plain")
    response = await http.get(await store.signed_download("notes.txt"))
    assert response.headers["content-type"] == "text/plain"  # exactly as stored, no charset added
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["last-modified"] == "Sun, 15 Jun 2025 15:06:40 GMT"


async def test_download_ignores_multi_range(store: LocalBlobStore, http: httpx.AsyncClient) -> None:
    await store.put("clip.mp4", b"0123456789", content_type="video/mp4")
    url = await store.signed_download("clip.mp4")
    response = await http.get(url, headers={"Range": "bytes=0-1,4-5"})
    assert response.status_code == 200
    assert response.content == b"0123456789"
    response = await http.get(url, headers={"Range": "bytes=20-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */10"
    assert response.json()["error"] == "range_not_satisfiable"


async def test_head_is_allowed_by_a_get_url_only(store: LocalBlobStore, http: httpx.AsyncClient) -> None:
    await store.put("clip.mp4", b"0123456789", content_type="video/mp4")
    signed = await store.signed_upload("clip.mp4", content_type="video/mp4", max_bytes=10)
    assert (await http.head(signed.url)).status_code == 403
    missing = await http.head(await store.signed_download("other.mp4"))
    assert missing.status_code == 404


async def test_invalid_key_in_signed_path(blobs: LocalBlobs, http: httpx.AsyncClient) -> None:
    """Even a correctly signed traversal key (which signed_upload never produces) is refused by the store."""
    params = blobs.signer.sign("PUT", "user-uploads", "a//b", expires_at=int(NOW) + 60, content_type="a/b", max_bytes=5)
    response = await http.put("/_blobs/user-uploads/a//b", params=params, content=b"x", headers={"Content-Type": "a/b"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
