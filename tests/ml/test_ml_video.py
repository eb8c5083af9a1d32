"""Hand landmarks on real photos, and the video worker on clips made from them (and on broken files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ml_media import HANDS, blank_clip, corrupt_clip, encode, png_bytes, read_rgb, require, still_clip
from test_ml_video_hostile import FFCONCAT, SDP, h264

from senas.contracts.media import VideoUploaded
from senas.core.consumer import Delivery
from senas.core.messages import Envelope
from senas.ml.context import MlContext
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.schemas import StartSession
from senas.ml.sessions.scoring_worker import InferenceWorker
from senas.ml.sessions.service import SessionService
from senas.ml.video.worker import VideoWorker
from senas.platform import catalog
from senas.wiring import Platform

pytestmark = pytest.mark.slow  # MediaPipe on real images and clips: ~20 s in all on 2 cores


def four_photo() -> Path:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    return HANDS / "four" / "four-02.jpg"


@pytest.fixture(scope="module")
def four_clip() -> bytes:
    return still_clip(read_rgb(four_photo()))


@pytest.fixture(scope="module")
def four_clip_mirrored() -> bytes:
    return still_clip(read_rgb(four_photo()), mirror=True)


async def test_hands_are_found_in_at_least_8_of_10_photos_per_class(runtime: MlRuntime) -> None:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    await runtime.ensure_loaded()
    extractor = runtime.require_extractor()
    found = {}
    for folder in ("four", "rock", "none"):
        photos = sorted((HANDS / folder).glob("*.jpg"))
        assert len(photos) == 10
        found[folder] = sum(bool(extractor.detect_image(read_rgb(p)).present.any()) for p in photos)
    print("hands found per class:", found)
    assert all(count >= 8 for count in found.values()), found


async def run_practice(
    platform: Platform,
    ml_context: MlContext,
    data: bytes,
    *,
    sign: str = "sign-b",
    dominant: str = "right",
    content_type: str = "video/mp4",
    receive_count: int = 1,
) -> dict[str, Any]:
    """Create a video session, upload the clip as the content service would, run both workers."""
    service = SessionService(ml_context)
    session = await service.start("learner", StartSession(sign_id=sign, mode="video", dominant_hand=dominant))
    key = f"practice/learner/{session.session_id}.mp4"
    uploads = platform.blobs.store(platform.settings.resource_name(catalog.USER_UPLOADS))
    await uploads.put(key, data, content_type=content_type)
    uploaded = VideoUploaded(
        upload_id=f"up-{session.session_id}",
        purpose="practice",
        bucket=catalog.USER_UPLOADS,
        key=key,
        content_type=content_type,
        size=len(data),
        sign_id=sign,
        session_id=session.session_id,
        user_id="learner",
    )
    await VideoWorker(ml_context).handle(
        uploaded.to_envelope("content"), Delivery("video-processing", "v", receive_count, 5)
    )
    inference = platform.queues.queue(platform.settings.resource_name(catalog.ML_INFERENCE))
    for message in await inference.receive(max_messages=10, wait_seconds=0):
        await InferenceWorker(ml_context).handle(Envelope.from_json(message.body), Delivery("ml-inference", "i", 1, 5))
        await inference.delete(message.receipt)
    stored = await service.repo.get(session.session_id)
    assert stored is not None
    return {**stored.model_dump(), "_uploaded": uploaded}


async def test_four_fingers_clip_passes_as_b_fails_as_a_and_mirrors_fairly(
    ml_platform: Platform,
    runtime: MlRuntime,
    four_clip: bytes,
    four_clip_mirrored: bytes,
    ml_context: MlContext,
) -> None:
    as_b = await run_practice(ml_platform, ml_context, four_clip)
    as_a = await run_practice(ml_platform, ml_context, four_clip, sign="sign-a")
    mirrored = await run_practice(ml_platform, ml_context, four_clip_mirrored, dominant="left")
    print(f"four as B {as_b['score']} (≥{as_b['pass_threshold']}), as A {as_a['score']}, mirrored {mirrored['score']}")
    assert as_b["status"] == "scored", as_b.get("reason_en")
    assert as_b["passed"]
    assert as_b["timings"].keys() >= {"created_at", "queued_at", "processing_at", "scored_at"}
    assert as_a["status"] == "scored"
    assert not as_a["passed"]
    assert as_a["score"] < as_a["pass_threshold"]
    assert mirrored["status"] == "scored"
    assert abs(mirrored["score"] - as_b["score"]) <= 5
    assert mirrored["hand_used"] == "left"
    # The landmark artefact is in the processed store, compressed and versioned.
    from senas.ml.landmarks import artefact

    track, meta = artefact.load(await ml_context.ports.processed.get(as_b["artefact_key"]))
    assert meta["format"] == 2
    assert track.frames_with_hand >= 3
    assert as_b["artefact_key"].endswith("/v2.npz")
    # The pose model ran (every k-th frame, interpolated between): the person in the photo has a body.
    assert meta["pose_model"] is not None
    assert track.body is not None
    assert track.frames_with_body >= track.frames // 2


async def test_redelivered_upload_is_not_processed_twice(
    ml_platform: Platform,
    runtime: MlRuntime,
    four_clip: bytes,
    ml_context: MlContext,
) -> None:
    done = await run_practice(ml_platform, ml_context, four_clip)
    await VideoWorker(ml_context).handle(
        done["_uploaded"].to_envelope("content"), Delivery("video-processing", "v", 2, 5)
    )
    inference = ml_platform.queues.queue(ml_platform.settings.resource_name(catalog.ML_INFERENCE))
    assert await inference.receive(max_messages=10, wait_seconds=0) == []
    after = await SessionService(ml_context).repo.get(done["session_id"])
    assert after is not None
    assert after.version == done["version"]
    assert after.status == "scored"


def too_long_clip() -> bytes:
    frames = [np.full((64, 64, 3), i % 255, np.uint8) for i in range(16 * 4)]
    return encode(frames, 4)


def too_short_clip() -> bytes:
    return encode([np.zeros((64, 64, 3), np.uint8)] * 2, 10)


@pytest.mark.parametrize(
    ("make", "content_type", "code", "words_en"),
    [
        (lambda clip: b"", "video/mp4", "empty", "empty"),
        (corrupt_clip, "video/mp4", "corrupt", "damaged"),
        (lambda clip: too_long_clip(), "video/mp4", "too_long", "maximum is 15 s"),
        (lambda clip: too_short_clip(), "video/mp4", "too_short", "at least 0.5 s"),
        (lambda clip: png_bytes(), "image/png", "unsupported_type", "not a video"),
        (lambda clip: png_bytes(), "video/mp4", "unsupported_type", "not a video"),
        (lambda clip: blank_clip(), "video/mp4", "no_hands", "No hand is visible"),
        (lambda clip: FFCONCAT, "video/mp4", "unsupported_type", "not a video"),
        (lambda clip: SDP, "video/webm", "unsupported_type", "not a video"),
        (lambda clip: h264([np.zeros((8192, 8192, 3), np.uint8)], 1), "video/mp4", "picture_too_large", "1080p"),
    ],
    ids=[
        "empty",
        "corrupt",
        "too-long",
        "too-short",
        "wrong-type",
        "image-as-video",
        "no-hands",
        "ffconcat",
        "sdp",
        "picture-bomb",
    ],
)
async def test_unusable_videos_fail_the_session_with_a_reason(
    ml_platform: Platform,
    runtime: MlRuntime,
    four_clip: bytes,
    make: Any,
    content_type: str,
    code: str,
    words_en: str,
    ml_context: MlContext,
) -> None:
    session = await run_practice(ml_platform, ml_context, make(four_clip), content_type=content_type)
    assert session["status"] == "failed"
    assert session["failure_code"] == code
    assert words_en in session["reason_en"]
    assert session["reason_es"]


async def test_a_message_that_keeps_failing_fails_the_session_before_the_dlq(
    ml_platform: Platform,
    runtime: MlRuntime,
    four_clip: bytes,
    ml_context: MlContext,
) -> None:
    await runtime.ensure_loaded()
    runtime.extractor = None  # the hand model vanished: every attempt raises
    runtime.problems["hand-landmarker"] = "gone"
    with pytest.raises(LookupError):
        await run_practice(ml_platform, ml_context, four_clip, receive_count=1)
    service = SessionService(ml_context)
    pending = [s for s in await service.repo.all_of_user("learner") if s.status == "processing"]
    assert len(pending) == 1
    uploaded = VideoUploaded(
        upload_id="again",
        purpose="practice",
        bucket=catalog.USER_UPLOADS,
        key=pending[0].upload_key,
        content_type="video/mp4",
        size=len(four_clip),
        sign_id="sign-b",
        session_id=pending[0].session_id,
        user_id="learner",
    )
    with pytest.raises(LookupError):
        await VideoWorker(ml_context).handle(uploaded.to_envelope("content"), Delivery("video-processing", "v", 5, 5))
    failed = await service.repo.get(pending[0].session_id)
    assert failed is not None
    assert failed.status == "failed"
    assert "varios intentos" in failed.reason_es
