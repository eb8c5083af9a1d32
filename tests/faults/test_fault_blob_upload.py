"""The blob store failing while an author uploads a sign's reference video.

The content service runs in-process with the embedded ``/_blobs`` app in front of it (as ``senas serve content``
does), on a platform whose blob store is ``fault_blobs.FaultyBlobs``. The author asks for an upload URL, PUTs the
video in chunks and confirms — first while the store drops the connection mid-stream, then while it cannot even
be reached at confirmation, then with the store recovered. What must hold (``assert_clean_failure_and_retry``):

* the failing PUT gets a 503 ``{"error", "detail"}``; the confirmation while the store is down too;
* nothing half-written is visible: no blob under the key, the asset still ``pending_upload``, the sign without a
  reference video, no ``video.uploaded`` message;
* the retry (same signed URL) after the store recovers stores the whole video, the confirmation makes the asset
  ``uploaded`` and sends exactly one ``video.uploaded`` for it.

A store that silently truncates the upload, and one that swallows the failure and reports success, are shown to
fail these assertions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fault_blobs import Faults, FaultyBlobs

from senas.content import bootstrap
from senas.content.app import create_app
from senas.content.settings import ContentSettings
from senas.core.messages import Envelope
from senas.gateway.app import PathRouter
from senas.platform import catalog
from senas.wiring import Platform
from senas.wiring.embedded import blob_server

VIDEO = bytes(range(256)) * 1024  # 256 KiB
CHUNK = 32 * 1024


@dataclass
class Observed:
    failed_put: httpx.Response | None = None
    blob_after_failure: bytes | None = None
    confirm_while_missing: httpx.Response | None = None
    confirm_while_store_down: httpx.Response | None = None
    asset_after_failures: dict[str, Any] = field(default_factory=dict)
    sign_after_failures: dict[str, Any] = field(default_factory=dict)
    messages_after_failures: list[Envelope] = field(default_factory=list)
    retried_put: httpx.Response | None = None
    confirmed: httpx.Response | None = None
    blob_after_retry: bytes | None = None
    messages_after_retry: list[Envelope] = field(default_factory=list)
    asset_id: str = ""


async def chunked(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


async def drain(platform: Platform, queue: str) -> list[Envelope]:
    found = []
    q = platform.queues.queue(platform.settings.resource_name(queue))
    while batch := await q.receive(max_messages=10, wait_seconds=0):
        for message in batch:
            found.append(Envelope.from_json(message.body))
            await q.delete(message.receipt)
    return found


async def run_upload(platform: Platform, headers: dict[str, str], failing_mode: str) -> Observed:
    """The author's upload with the store in ``failing_mode`` first, then down at confirmation, then healthy."""
    faults = Faults()
    blobs = FaultyBlobs(
        platform.settings.state_dir / "blobs",
        signing_secret=platform.settings.signing_secret.get_secret_value().encode(),
        public_base_url=platform.settings.public_url,
        faults=faults,
    )
    blob_app = blob_server(blobs)
    faulty = dataclasses.replace(platform, blobs=blobs, blob_server=blob_app)
    content = create_app(bootstrap.build(faulty, config=ContentSettings(seed_demo=False)), run_consumers=False)
    observed = Observed()
    async with content.router.lifespan_context(content):
        transport = httpx.ASGITransport(app=PathRouter({"/_blobs": blob_app}, content))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8080") as client:
            language = {"code": "lsm", "name_es": "Lengua de Señas Mexicana", "name_en": "Mexican Sign Language"}
            assert (await client.post("/content/author/languages", json=language, headers=headers)).status_code == 201
            sign = await client.post(
                "/content/author/languages/lsm/signs",
                json={"gloss": "MAMÁ", "meaning_es": "Mamá", "meaning_en": "Mother"},
                headers=headers,
            )
            assert sign.status_code == 201, sign.text
            sign_id = sign.json()["id"]
            ticket = await client.post(
                "/content/author/media/uploads",
                json={
                    "filename": "mama.webm",
                    "content_type": "video/webm",
                    "size": len(VIDEO),
                    "purpose": "reference",
                    "sign_id": sign_id,
                },
                headers=headers,
            )
            assert ticket.status_code == 201, ticket.text
            upload = ticket.json()["upload"]
            observed.asset_id = asset_id = ticket.json()["asset_id"]
            key = upload["url"].split("/_blobs/", 1)[1].split("?", 1)[0].split("/", 1)[1]
            real = blobs.real_store(platform.settings.resource_name(catalog.CONTENT_ASSETS))

            async def put() -> httpx.Response:
                return await client.put(upload["url"], content=chunked(VIDEO), headers=upload["headers"])

            async def confirm() -> httpx.Response:
                return await client.post(f"/content/author/media/{asset_id}/confirm", headers=headers)

            faults.set(failing_mode)
            observed.failed_put = await put()
            faults.set("healthy")
            info = await real.head(key)
            observed.blob_after_failure = None if info is None else await real.get(key)
            observed.confirm_while_missing = await confirm()
            if info is None:
                # Store the upload, then have the store go down just as it is confirmed.
                assert (await put()).status_code == 200
            faults.set("head_fails")
            observed.confirm_while_store_down = await confirm()
            faults.set("healthy")
            observed.asset_after_failures = (
                await client.get(f"/content/author/media/{asset_id}", headers=headers)
            ).json()
            observed.sign_after_failures = (
                await client.get(f"/content/signs/{sign_id}", params={"preview": "true"}, headers=headers)
            ).json()
            observed.messages_after_failures = await drain(platform, catalog.VIDEO_PROCESSING)

            observed.retried_put = await put()
            observed.confirmed = await confirm()
            info = await real.head(key)
            observed.blob_after_retry = None if info is None else await real.get(key)
            observed.messages_after_retry = await drain(platform, catalog.VIDEO_PROCESSING)
    return observed


def assert_error_body(response: httpx.Response | None, status: int, what: str) -> None:
    assert response is not None
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    body = response.json()
    assert set(body) >= {"error", "detail"}, f"{what}: {body}"
    assert body["detail"], f"{what}: {body}"


def assert_clean_failure_and_retry(observed: Observed) -> None:
    assert_error_body(observed.failed_put, 503, "the upload while the store fails")
    assert observed.failed_put is not None
    assert observed.failed_put.json()["error"] == "unavailable"
    assert observed.blob_after_failure is None, f"{len(observed.blob_after_failure)} bytes left under the key"
    assert_error_body(observed.confirm_while_missing, 409, "confirming an upload that never completed")
    assert observed.confirm_while_missing is not None
    assert observed.confirm_while_missing.json()["error"] == "upload_missing"
    assert_error_body(observed.confirm_while_store_down, 503, "confirming while the store is down")

    assert observed.asset_after_failures["state"] == "pending_upload", observed.asset_after_failures
    assert "id" in observed.sign_after_failures, observed.sign_after_failures
    assert observed.sign_after_failures["media"] is None, observed.sign_after_failures  # no reference video
    assert observed.sign_after_failures["template_status"] == "none", observed.sign_after_failures
    assert observed.messages_after_failures == [], "video.uploaded sent for a failed upload"

    # The file was stored before the store went down at confirmation: the upload URL creates its key once, so the
    # client's repeated PUT is refused (nothing replaced) and its repeated confirmation is what completes it.
    assert_error_body(observed.retried_put, 412, "a second PUT through the same upload URL")
    assert observed.retried_put is not None
    assert observed.retried_put.json()["error"] == "already_uploaded"
    assert observed.confirmed is not None
    assert observed.confirmed.status_code == 200, observed.confirmed.text
    assert observed.confirmed.json()["state"] == "uploaded"
    assert observed.blob_after_retry == VIDEO
    sent = [m for m in observed.messages_after_retry if m.type == "video.uploaded"]
    assert len(sent) == 1, sent
    assert sent[0].data["asset_id"] == observed.asset_id
    assert sent[0].data["size"] == len(VIDEO)


@pytest.fixture
def author_headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('teacher-1', roles=('teacher',))}"}


async def test_an_upload_the_store_drops_fails_cleanly_and_the_retry_succeeds(
    platform: Platform, author_headers: dict[str, str]
) -> None:
    assert_clean_failure_and_retry(await run_upload(platform, author_headers, "fail_mid_stream"))


@pytest.mark.parametrize("broken", ["truncate", "swallow"])
async def test_a_store_that_hides_the_failure_is_caught(
    platform: Platform, author_headers: dict[str, str], broken: str
) -> None:
    observed = await run_upload(platform, author_headers, broken)
    with pytest.raises(AssertionError, match="the upload while the store fails"):
        assert_clean_failure_and_retry(observed)
