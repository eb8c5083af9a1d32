"""Author media uploads, the ML service's reports on them, and learners' practice uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_helpers import build_course, ok
from ml_sessions_support import practice_session, serve_ml

from roots import handlers_for
from senas.content.bootstrap import ContentRoot
from senas.contracts.accounts import AccountDeleted
from senas.contracts.media import MediaFailed, MediaProcessed, VideoUploaded
from senas.core.consumer import Delivery
from senas.core.messages import Envelope
from senas.platform import catalog
from senas.wiring import Platform

MB = 1024 * 1024
DELIVERY = Delivery(queue="q", message_id="m", receive_count=1, max_receive_count=5)


async def received(platform: Platform, queue: str) -> list[Envelope]:
    messages = await platform.queues.queue(queue).receive(max_messages=10, wait_seconds=0)
    return [Envelope.from_json(message.body) for message in messages]


def key_of(url: str) -> str:
    return url.split("/_blobs/", 1)[1].split("?", 1)[0].split("/", 1)[1]


async def upload_reference(
    client: httpx.AsyncClient, platform: Platform, headers: dict[str, str], sign_id: str, data: bytes
) -> str:
    ticket = await ok(
        await client.post(
            "/content/author/media/uploads",
            json={
                "filename": "mama.webm",
                "content_type": "video/webm",
                "size": len(data),
                "purpose": "reference",
                "sign_id": sign_id,
            },
            headers=headers,
        ),
        201,
    )
    assert ticket["upload"]["method"] == "PUT"
    assert ticket["upload"]["max_bytes"] == len(data)
    await platform.blobs.store(catalog.CONTENT_ASSETS).put(
        key_of(ticket["upload"]["url"]), data, content_type="video/webm"
    )
    asset_id: str = ticket["asset_id"]
    return asset_id


async def test_reference_upload_flow_and_ml_reports(
    client: httpx.AsyncClient, platform: Platform, content_root: ContentRoot, author_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers)
    sign_id = course.signs["MAMÁ"]
    asset_id = await upload_reference(client, platform, author_headers, sign_id, b"\x1a\x45\xdf\xa3" + b"v" * 1000)
    asset = await ok(await client.get(f"/content/author/media/{asset_id}", headers=author_headers))
    assert asset["state"] == "pending_upload"

    confirmed = await ok(await client.post(f"/content/author/media/{asset_id}/confirm", headers=author_headers))
    assert confirmed["state"] == "uploaded"
    assert confirmed["checksum"]
    [message] = await received(platform, catalog.VIDEO_PROCESSING)
    uploaded = VideoUploaded.from_envelope(message)
    assert uploaded.purpose == "reference"
    assert uploaded.asset_id == asset_id
    assert uploaded.sign_id == sign_id
    assert uploaded.bucket == catalog.CONTENT_ASSETS
    assert uploaded.size == 1004
    # Confirming again sends nothing new.
    await ok(await client.post(f"/content/author/media/{asset_id}/confirm", headers=author_headers))
    assert await received(platform, catalog.VIDEO_PROCESSING) == []

    sign = await ok(await client.get(f"/content/signs/{sign_id}"))
    assert sign["template_status"] == "pending"
    assert sign["media"]["content_type"] == "video/webm"
    assert sign["media"]["demo"] is False
    assert "/_blobs/content-assets/" in sign["media"]["url"]

    handlers = handlers_for(content_root, catalog.MEDIA_STATUS)
    processed = MediaProcessed(
        asset_id=asset_id, sign_id=sign_id, template_key="templates/mama/v1.json", template_version="v1"
    ).to_envelope("ml")
    await handlers[MediaProcessed.TYPE](processed, DELIVERY)
    await handlers[MediaProcessed.TYPE](processed, DELIVERY)  # redelivery: no change
    asset = await ok(await client.get(f"/content/author/media/{asset_id}", headers=author_headers))
    assert asset["state"] == "processed"
    sign = await ok(await client.get(f"/content/signs/{sign_id}"))
    assert sign["template_status"] == "ready"
    assert sign["template_version"] == "v1"

    # A failure report older than the processed one arrives late: ignored.
    late = MediaFailed(asset_id=asset_id, reason_es="x", reason_en="x").to_envelope("ml")
    late = late.model_copy(update={"occurred_at": processed.occurred_at - timedelta(seconds=5)})
    await handlers[MediaFailed.TYPE](late, DELIVERY)
    assert (await ok(await client.get(f"/content/author/media/{asset_id}", headers=author_headers)))["state"] == (
        "processed"
    )
    failed = MediaFailed(asset_id=asset_id, reason_es="no se ve ninguna mano", reason_en="no hand visible").to_envelope(
        "ml"
    )
    failed = failed.model_copy(update={"occurred_at": datetime.now(UTC) + timedelta(seconds=1)})
    await handlers[MediaFailed.TYPE](failed, DELIVERY)
    asset = await ok(await client.get(f"/content/author/media/{asset_id}", headers=author_headers))
    assert asset["state"] == "failed"
    assert asset["failure_reason_es"] == "no se ve ninguna mano"
    assert asset["failure_reason_en"] == "no hand visible"
    assert (await ok(await client.get(f"/content/signs/{sign_id}")))["template_status"] == "failed"
    # A report about an unknown asset is acknowledged (nothing to do), not retried forever.
    await handlers[MediaFailed.TYPE](
        MediaFailed(asset_id="gone", reason_es="x", reason_en="x").to_envelope("ml"), DELIVERY
    )


REFUSED = [
    ({"content_type": "video/mp4", "size": 51 * MB, "purpose": "reference"}, 413, "payload_too_large"),
    ({"content_type": "image/png", "size": 6 * MB, "purpose": "image"}, 413, "payload_too_large"),
    ({"content_type": "video/quicktime", "size": MB, "purpose": "reference"}, 415, "unsupported_media_type"),
    ({"content_type": "image/svg+xml", "size": 1000, "purpose": "image"}, 415, "unsupported_media_type"),
    ({"content_type": "image/png", "size": 1000, "purpose": "reference"}, 415, "unsupported_media_type"),
    ({"content_type": "video/mp4", "size": 0, "purpose": "reference"}, 422, "invalid_input"),
    ({"content_type": "video/mp4", "size": 10, "purpose": "sticker"}, 422, "invalid_input"),
]


async def test_upload_requests_refused(client: httpx.AsyncClient, author_headers: dict[str, str]) -> None:
    course = await build_course(client, author_headers, publish=False)
    for body, status, error in REFUSED:
        payload = {"filename": "f", "sign_id": course.signs["A"], **body}
        response = await client.post("/content/author/media/uploads", json=payload, headers=author_headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"] == error
    # Nothing was recorded for the refused requests.
    assets = await client.get(f"/content/signs/{course.signs['A']}?preview=true", headers=author_headers)
    assert assets.json()["media"] is None


async def test_upload_roles_and_confirm_problems(
    client: httpx.AsyncClient, platform: Platform, author_headers: dict[str, str], learner_headers: dict[str, str]
) -> None:
    course = await build_course(client, author_headers, publish=False)
    body = {"filename": "a.mp4", "content_type": "video/mp4", "size": 10, "purpose": "reference", "sign_id": "x"}
    assert (await client.post("/content/author/media/uploads", json=body)).status_code == 401
    assert (await client.post("/content/author/media/uploads", json=body, headers=learner_headers)).status_code == 403
    unknown = await client.post("/content/author/media/uploads", json=body, headers=author_headers)
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0]["field"] == "sign_id"

    body["sign_id"] = course.signs["A"]
    ticket = await ok(await client.post("/content/author/media/uploads", json=body, headers=author_headers), 201)
    missing = await client.post(f"/content/author/media/{ticket['asset_id']}/confirm", headers=author_headers)
    assert missing.status_code == 409
    assert missing.json()["error"] == "upload_missing"
    store = platform.blobs.store(catalog.CONTENT_ASSETS)
    await store.put(key_of(ticket["upload"]["url"]), b"short", content_type="video/mp4")
    mismatch = await client.post(f"/content/author/media/{ticket['asset_id']}/confirm", headers=author_headers)
    assert mismatch.status_code == 409
    assert mismatch.json()["error"] == "upload_mismatch"
    assert await received(platform, catalog.VIDEO_PROCESSING) == []
    assert (await client.post("/content/author/media/nope/confirm", headers=author_headers)).status_code == 404


async def test_signed_upload_url_enforces_the_declared_size(
    client: httpx.AsyncClient, content_app: Any, author_headers: dict[str, str], platform: Platform
) -> None:
    """Through the real signed URL (the embedded blob endpoint): more bytes than declared → 413."""
    course = await build_course(client, author_headers, publish=False)
    body = {
        "filename": "b.png",
        "content_type": "image/png",
        "size": 8,
        "purpose": "image",
        "sign_id": course.signs["C"],
    }
    ticket = await ok(await client.post("/content/author/media/uploads", json=body, headers=author_headers), 201)
    blob_app = platform.blob_server
    assert blob_app is not None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=blob_app)) as blobs:
        url, headers = ticket["upload"]["url"], ticket["upload"]["headers"]
        assert (await blobs.put(url, content=b"x" * 9, headers=headers)).status_code == 413
        assert (await blobs.put(url, content=b"x" * 8, headers={"Content-Type": "image/gif"})).status_code == 415
        assert (await blobs.put(url, content=b"\x89PNG\r\n\x1a\n", headers=headers)).status_code == 200
    asset = await ok(await client.post(f"/content/author/media/{ticket['asset_id']}/confirm", headers=author_headers))
    assert asset["state"] == "uploaded"
    assert await received(platform, catalog.VIDEO_PROCESSING) == []  # images are not processed
    sign = await ok(await client.get(f"/content/signs/{course.signs['C']}?preview=true", headers=author_headers))
    assert sign["image"]["content_type"] == "image/png"


async def test_practice_upload_flow(
    client: httpx.AsyncClient,
    platform: Platform,
    content_root: ContentRoot,
    learner_headers: dict[str, str],
    mint_token: Any,
) -> None:
    serve_ml(platform)  # the content service asks it whether the session awaits this learner's video
    await practice_session(platform, "learner-1", session_id="sess-123")
    body = {"session_id": "sess-123", "content_type": "video/webm", "size": 2048}
    assert (await client.post("/content/practice-uploads", json=body)).status_code == 401
    ticket = await ok(await client.post("/content/practice-uploads", json=body, headers=learner_headers), 201)
    key = key_of(ticket["upload"]["url"])
    assert key.startswith("practice/learner-1/sess-123/")
    assert key.endswith(".webm")
    await platform.blobs.store(catalog.USER_UPLOADS).put(key, b"w" * 2048, content_type="video/webm")

    other = {"Authorization": f"Bearer {mint_token('learner-2')}"}
    stranger = await client.post(f"/content/practice-uploads/{ticket['upload_id']}/confirm", headers=other)
    assert stranger.status_code == 403
    confirmed = await ok(
        await client.post(f"/content/practice-uploads/{ticket['upload_id']}/confirm", headers=learner_headers)
    )
    assert confirmed["state"] == "uploaded"
    [message] = await received(platform, catalog.VIDEO_PROCESSING)
    uploaded = VideoUploaded.from_envelope(message)
    assert (uploaded.purpose, uploaded.session_id, uploaded.user_id) == ("practice", "sess-123", "learner-1")
    assert uploaded.bucket == catalog.USER_UPLOADS
    assert uploaded.key == key

    for bad, status in [
        ({**body, "size": 60 * MB}, 413),
        ({**body, "content_type": "video/avi"}, 415),
        ({**body, "session_id": "../etc"}, 422),
    ]:
        assert (await client.post("/content/practice-uploads", json=bad, headers=learner_headers)).status_code == status

    # account.deleted removes the user's practice videos (and is safe to receive twice).
    handler = handlers_for(content_root, catalog.CONTENT_ACCOUNT_EVENTS)[AccountDeleted.TYPE]
    event = AccountDeleted(user_id="learner-1").to_envelope("users")
    await handler(event, DELIVERY)
    await handler(event, DELIVERY)
    assert await platform.blobs.store(catalog.USER_UPLOADS).head(key) is None
    gone = await client.post(f"/content/practice-uploads/{ticket['upload_id']}/confirm", headers=learner_headers)
    assert gone.status_code == 404


async def test_consumers_work_without_the_http_app(content_root: ContentRoot) -> None:
    """`senas worker media-status` runs the handlers without the app's lifespan: they open the database."""
    from senas.content import migrate

    database = content_root.context.database
    assert database.database is None
    try:
        handler = handlers_for(content_root, catalog.MEDIA_STATUS)[MediaFailed.TYPE]
        await migrate.upgrade((await database.ensure()).engine)
        await handler(MediaFailed(asset_id="none", reason_es="x", reason_en="x").to_envelope("ml"), DELIVERY)
    finally:
        await database.close()


async def test_the_uploads_path_is_not_read_as_an_asset_id(
    client: httpx.AsyncClient, author_headers: dict[str, str]
) -> None:
    # Asset ids are UUIDs: /uploads is only the upload request, so its 405 names POST alone.
    refused = await client.get("/content/author/media/uploads", headers=author_headers)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.json()["error"] == "method_not_allowed"
    missing = await client.get("/content/author/media/00000000-0000-4000-8000-000000000000", headers=author_headers)
    assert missing.status_code == 404
