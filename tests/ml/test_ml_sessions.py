"""The practice-session API and its workers on the embedded platform (real tables, blobs and queues)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
from ml_media import letter_hand

from senas.contracts.accounts import AccountDeleted
from senas.contracts.progress import PracticeScored
from senas.core.consumer import Delivery
from senas.core.messages import Envelope
from senas.ml.app import create_app
from senas.ml.bootstrap import MlRoot
from senas.ml.context import MlContext
from senas.ml.landmarks import artefact
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.messages import LandmarksExtracted
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.scoring_worker import InferenceWorker
from senas.ml.sessions.service import SessionService
from senas.platform import catalog
from senas.wiring import Platform


@pytest.fixture
async def client(ml_platform: Platform, ml_root: MlRoot) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ml_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml") as http:
        yield http


@pytest.fixture(scope="module")
def poses() -> dict[str, np.ndarray]:
    """Another person's A, B and Y (left hands; see ``ml_media.letter_hand``): no dataset needed."""
    return {letter: letter_hand(letter, seed) for seed, letter in enumerate("ABY")}


def device_frames(pose: np.ndarray, *, side: str | None = "left", count: int = 10, mirror: bool = False) -> list[Any]:
    rng = np.random.default_rng(1)
    frames = []
    for _ in range(count):
        points = pose + rng.normal(0, 0.002, pose.shape)
        if mirror:
            points[:, 0] = 1 - points[:, 0]
        frame: dict[str, Any] = {"landmarks": points.round(5).tolist()}
        if side is not None:
            frame["handedness"] = side
        frames.append(frame)
    return frames


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def practice_messages(platform: Platform) -> list[PracticeScored]:
    queue = platform.queues.queue(platform.settings.resource_name(catalog.PRACTICE_RESULTS))
    received = await queue.receive(max_messages=10, wait_seconds=0)
    return [PracticeScored.from_envelope(Envelope.from_json(m.body)) for m in received]


async def test_landmarks_mode_scores_synchronously_and_tells_the_user_service(
    client: httpx.AsyncClient, ml_platform: Platform, mint_token: Any, poses: dict[str, np.ndarray]
) -> None:
    token = mint_token("learner-1")
    created = await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=auth(token))
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["status"] == "awaiting_landmarks"  # a landmarks session never awaits an upload
    assert session["upload"] is None
    assert session["sign_key"] == "ase/letra-b"
    scored = await client.post(
        f"/ml/sessions/{session['session_id']}/landmarks",
        json={"frames": [*device_frames(poses["B"]), None]},
        headers=auth(token),
    )
    assert scored.status_code == 200, scored.text
    body = scored.json()
    assert body["status"] == "scored"
    assert body["passed"]
    assert body["score"] >= 80
    assert [f["parameter"] for f in body["feedback"]] == ["handshape", "orientation", "location", "movement", "hand"]
    assert set(body["components"]) == {"handshape", "orientation", "location", "movement"}
    assert body["nearest"][0]["gloss"] == "B"
    assert body["handedness"]["used"] == "left"
    assert body["handedness"]["decided_by"] == "label"
    messages = await practice_messages(ml_platform)
    assert [(m.session_id, m.user_id, m.sign_id, m.mode, m.passed) for m in messages] == [
        (session["session_id"], "learner-1", "sign-b", "landmarks", True)
    ]
    again = await client.post(
        f"/ml/sessions/{session['session_id']}/landmarks",
        json={"frames": device_frames(poses["B"])},
        headers=auth(token),
    )
    assert again.status_code == 409
    assert again.json()["error"] == "session_finished"


async def test_a_landmarks_attempt_can_be_drawn_as_the_device_sent_it(
    client: httpx.AsyncClient, ml_platform: Platform, mint_token: Any, poses: dict[str, np.ndarray]
) -> None:
    """Privacy mode sends no video, yet the result's overlay still shows the learner's hand: the landmarks they
    sent are kept as the session's artefact (deleted with the account like a video's)."""
    token = auth(mint_token("learner-overlay"))
    created = (await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=token)).json()
    sent = device_frames(poses["B"], count=12)
    scored = await client.post(f"/ml/sessions/{created['session_id']}/landmarks", json={"frames": sent}, headers=token)
    assert scored.json()["status"] == "scored", scored.text
    overlay = await client.get(f"/ml/sessions/{created['session_id']}/overlay", headers=token)
    assert overlay.status_code == 200, overlay.text
    attempt = overlay.json()["attempt"]
    assert attempt is not None
    assert attempt["frames_with_hand"] == 12
    assert len(attempt["frames"]) == 12
    other = await client.get(f"/ml/sessions/{created['session_id']}/overlay", headers=auth(mint_token("someone-else")))
    assert other.status_code == 404


async def test_a_different_sign_fails_and_a_left_handed_mirror_scores_the_same(
    client: httpx.AsyncClient, mint_token: Any, poses: dict[str, np.ndarray]
) -> None:
    token = auth(mint_token("learner-2"))

    async def attempt(sign_id: str, frames: list[Any], dominant: str = "right", lesson: str | None = None) -> Any:
        body = {"sign_id": sign_id, "mode": "landmarks", "dominant_hand": dominant, "lesson_id": lesson}
        created = (await client.post("/ml/sessions", json=body, headers=token)).json()
        answer = await client.post(
            f"/ml/sessions/{created['session_id']}/landmarks", json={"frames": frames}, headers=token
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    as_a = await attempt("sign-a", device_frames(poses["B"]))
    assert as_a["status"] == "scored"
    assert not as_a["passed"]
    assert as_a["score"] < as_a["pass_threshold"]
    original = await attempt("sign-y", device_frames(poses["Y"], side="right"), lesson="lesson-1")
    mirrored = await attempt("sign-y", device_frames(poses["Y"], side="left", mirror=True), dominant="left")
    assert abs(original["score"] - mirrored["score"]) <= 5
    # lesson-1 holds A, B, F, W: the top-3 is ranked among the lesson's signs and the target.
    assert {n["gloss"] for n in original["nearest"]} <= {"A", "B", "F", "W", "Y"}


async def test_only_the_owner_sees_a_session_and_history_is_per_sign(
    client: httpx.AsyncClient, mint_token: Any, poses: dict[str, np.ndarray]
) -> None:
    owner, other = auth(mint_token("owner")), auth(mint_token("someone-else"))
    ids = []
    for sign in ("sign-b", "sign-b", "sign-c"):
        response = await client.post("/ml/sessions", json={"sign_id": sign, "mode": "video"}, headers=owner)
        assert response.status_code == 201
        ids.append(response.json()["session_id"])
    first = await client.get(f"/ml/sessions/{ids[0]}", headers=owner)
    assert first.status_code == 200
    assert first.json()["status"] == "awaiting_upload"
    upload = first.json()["upload"]
    create, send, confirm = upload["steps"]
    assert (create["method"], create["path"]) == ("POST", "/content/practice-uploads")
    assert create["json_body"] == {"session_id": ids[0]}  # real values only, no placeholders
    assert set(create["add_to_json"]) == {"content_type", "size"}
    assert (send["method"], send["url_from"], send["headers_from"]) == ("PUT", "upload.url", "upload.headers")
    assert not send["auth"]
    assert (confirm["method"], confirm["path_template"]) == ("POST", "/content/practice-uploads/{upload_id}/confirm")
    assert confirm["path_values_from"] == {"upload_id": "upload_id"}
    assert upload["content_types"] == ["video/webm", "video/mp4"]
    assert upload["max_bytes"] == 50 * 1024 * 1024
    assert "<" not in str(upload)
    hidden = await client.get(f"/ml/sessions/{ids[0]}", headers=other)
    assert hidden.status_code == 404
    assert hidden.json()["error"] == "session_not_found"
    history = (await client.get("/ml/sessions", params={"sign_id": "sign-b"}, headers=owner)).json()
    assert [s["session_id"] for s in history["items"]] == [ids[1], ids[0]]
    assert (await client.get("/ml/sessions", params={"sign_id": "sign-b"}, headers=other)).json()["items"] == []
    wrong_mode = await client.post(
        f"/ml/sessions/{ids[0]}/landmarks", json={"frames": device_frames(poses["B"])}, headers=owner
    )
    assert wrong_mode.status_code == 409
    assert wrong_mode.json()["error"] == "wrong_mode"
    stolen = await client.post(
        f"/ml/sessions/{ids[0]}/landmarks", json={"frames": device_frames(poses["B"])}, headers=other
    )
    assert stolen.status_code == 404


async def test_bad_requests_get_clear_errors(client: httpx.AsyncClient, mint_token: Any) -> None:
    token = auth(mint_token("learner-3"))
    assert (await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "video"})).status_code == 401
    unknown = await client.post("/ml/sessions", json={"sign_id": "sign-nope", "mode": "video"}, headers=token)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "sign_not_found"
    bad_mode = await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "telepathy"}, headers=token)
    assert bad_mode.status_code == 422
    assert bad_mode.json()["fields"][0]["field"] == "mode"
    created = (await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=token)).json()
    short = await client.post(
        f"/ml/sessions/{created['session_id']}/landmarks",
        json={"frames": [{"landmarks": [[0, 0, 0]] * 20}]},
        headers=token,
    )
    assert short.status_code == 422
    assert "landmarks" in short.json()["detail"]
    no_hands = await client.post(
        f"/ml/sessions/{created['session_id']}/landmarks", json={"frames": [None, None]}, headers=token
    )
    assert no_hands.status_code == 200
    assert no_hands.json()["status"] == "failed"
    assert no_hands.json()["reason_en"] == "No hand in the landmarks (at least 3 frames with a hand are needed)."
    assert no_hands.json()["reason_es"].startswith("No hay ninguna mano en los puntos enviados")
    assert no_hands.json()["handedness"] is None


async def test_handedness_is_checked_against_the_hand_not_trusted(
    client: httpx.AsyncClient, mint_token: Any, poses: dict[str, np.ndarray]
) -> None:
    """The same left hand sent with its true label, with a mirrored one, and with none: scored alike, and the
    session says which hand it took and why (issue 13: "left" scored 82, omitted 43)."""
    token = auth(mint_token("learner-hands"))

    async def attempt(side: str | None) -> Any:
        body = {"sign_id": "sign-a", "mode": "landmarks", "dominant_hand": "right"}
        created = (await client.post("/ml/sessions", json=body, headers=token)).json()
        frames = device_frames(poses["A"], side=side)
        answer = await client.post(
            f"/ml/sessions/{created['session_id']}/landmarks", json={"frames": frames}, headers=token
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    labelled, mirrored, missing = await attempt("left"), await attempt("right"), await attempt(None)
    assert labelled["handedness"]["decided_by"] == "label"
    assert mirrored["handedness"] | {"evidence_degrees": 0} == {
        "sent": "right",
        "used": "left",
        "decided_by": "geometry",
        "evidence_degrees": 0,
        "message_es": mirrored["handedness"]["message_es"],
        "message_en": mirrored["handedness"]["message_en"],
    }
    assert "mirrored" in mirrored["handedness"]["message_en"]
    assert "espejo" in mirrored["handedness"]["message_es"]
    assert (missing["handedness"]["sent"], missing["handedness"]["used"]) == (None, "left")
    assert missing["handedness"]["decided_by"] == "geometry"
    assert labelled["score"] == mirrored["score"] == missing["score"]
    assert labelled["hand_used"] == "left"


async def test_content_down_still_works_for_signs_with_templates(
    ml_context: MlContext, client: httpx.AsyncClient, mint_token: Any
) -> None:
    from senas.contracts.content_api import ContentApi
    from senas.core.internal import ServiceClients

    token = auth(mint_token("learner-4"))
    # While content answers, the template learns the sign's id…
    assert (
        await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=token)
    ).status_code == 201
    # …so with content unreachable (nothing listens on port 9) the sign can still be practised.
    unreachable = ServiceClients({"content": "http://127.0.0.1:9"})
    ml_context.content = ContentApi(unreachable)
    known = await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=token)
    assert known.status_code == 201
    assert known.json()["sign_key"] == "ase/letra-b"
    unknown = await client.post("/ml/sessions", json={"sign_id": "sign-x", "mode": "landmarks"}, headers=token)
    assert unknown.status_code == 503
    assert unknown.json()["error"] == "unavailable"
    await unreachable.close()


async def test_redelivered_inference_message_scores_once(
    ml_platform: Platform,
    runtime: MlRuntime,
    poses: dict[str, np.ndarray],
    ml_context: MlContext,
) -> None:
    service = SessionService(ml_context)
    from senas.ml.sessions.schemas import StartSession

    await runtime.ensure_loaded()
    session = await service.start("learner-5", StartSession(sign_id="sign-b", mode="video"))
    session = await service.transition(session, "queued")
    session = await service.transition(session, "processing")
    frames = np.repeat(poses["B"][None], 8, axis=0).astype(np.float32)
    track = HandTrack.from_single_hand(frames, [0] * 8, fps=15, width=640, height=480)
    key = artefact.artefact_key(session.session_id)
    await ml_context.ports.processed.put(key, artefact.dump(track), content_type="application/x-npz")
    envelope = LandmarksExtracted(
        session_id=session.session_id, user_id="learner-5", artefact_key=key, frames=8, frames_with_hand=8
    ).to_envelope("ml")
    worker = InferenceWorker(ml_context)
    for attempt in (1, 2, 3):
        await worker.handle(envelope, Delivery("ml-inference", "m-1", attempt, 5))
    stored = await service.repo.get(session.session_id)
    assert stored is not None
    assert stored.status == "scored"
    assert stored.result_sent
    assert stored.version == session.version + 2  # scored, then marked as announced: nothing more
    assert len(await practice_messages(ml_platform)) == 1


async def test_lost_artefact_and_last_attempt_fail_the_session_with_a_reason(
    ml_platform: Platform,
    runtime: MlRuntime,
    ml_context: MlContext,
) -> None:
    from senas.ml.sessions.schemas import StartSession

    service = SessionService(ml_context)
    worker = InferenceWorker(ml_context)
    lost = await service.start("learner-6", StartSession(sign_id="sign-b", mode="video"))
    lost = await service.transition(await service.transition(lost, "queued"), "processing")
    message = LandmarksExtracted(
        session_id=lost.session_id,
        user_id="learner-6",
        artefact_key="landmarks/none/v1.npz",
        frames=1,
        frames_with_hand=1,
    )
    await worker.handle(message.to_envelope("ml"), Delivery("ml-inference", "m", 1, 5))
    assert (await service.repo.get(lost.session_id)).status == "failed"  # type: ignore[union-attr]

    broken = await service.start("learner-6", StartSession(sign_id="sign-b", mode="video"))
    broken = await service.transition(await service.transition(broken, "queued"), "processing")
    key = artefact.artefact_key(broken.session_id)
    await ml_context.ports.processed.put(key, b"not an npz file", content_type="application/x-npz")
    envelope = LandmarksExtracted(
        session_id=broken.session_id, user_id="learner-6", artefact_key=key, frames=1, frames_with_hand=1
    ).to_envelope("ml")
    with pytest.raises(Exception):  # noqa: PT011 — left for redelivery
        await worker.handle(envelope, Delivery("ml-inference", "m2", 1, 5))
    assert (await service.repo.get(broken.session_id)).status == "processing"  # type: ignore[union-attr]
    with pytest.raises(Exception):  # noqa: PT011 — on to the DLQ, but the learner is told
        await worker.handle(envelope, Delivery("ml-inference", "m2", 5, 5))
    failed = await service.repo.get(broken.session_id)
    assert failed is not None
    assert failed.status == "failed"
    assert failed.reason_es.startswith("No pudimos")


async def test_account_deleted_removes_sessions_and_artefacts(
    ml_platform: Platform,
    runtime: MlRuntime,
    client: httpx.AsyncClient,
    mint_token: Any,
    ml_context: MlContext,
) -> None:
    from senas.ml.sessions.account_events import AccountEventsWorker

    token = auth(mint_token("leaving"))
    ids = [
        (await client.post("/ml/sessions", json={"sign_id": s, "mode": "video"}, headers=token)).json()["session_id"]
        for s in ("sign-a", "sign-b")
    ]
    keep = (
        await client.post(
            "/ml/sessions", json={"sign_id": "sign-a", "mode": "video"}, headers=auth(mint_token("staying"))
        )
    ).json()
    await ml_context.ports.processed.put(artefact.artefact_key(ids[0]), b"x", content_type="application/x-npz")
    envelope = AccountDeleted(user_id="leaving").to_envelope("users")
    worker = AccountEventsWorker(ml_context)
    await worker.handle(envelope, Delivery("ml-account-events", "d", 1, 5))
    await worker.handle(envelope, Delivery("ml-account-events", "d", 2, 5))  # idempotent
    repo = SessionService(ml_context).repo
    assert [await repo.get(i) for i in ids] == [None, None]
    assert await ml_context.ports.processed.head(artefact.artefact_key(ids[0])) is None
    assert await repo.get(keep["session_id"]) is not None


async def test_readiness_names_a_missing_model(platform: Platform, mint_token: Any) -> None:
    from senas.ml import bootstrap
    from senas.ml.settings import MlSettings

    root = bootstrap.build(platform, config=MlSettings(bootstrap=False))
    app = create_app(root, run_consumers=False)
    operator = {"Authorization": f"Bearer {mint_token('admin-1', roles=('admin',))}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml") as http:
        ready = await http.get("/ml/health/ready", headers=operator)
    root.context.runtime.close()
    assert ready.status_code == 503
    assert "hand-landmarker" in ready.json()["detail"]
    assert "fingerspelling" in ready.json()["detail"]
