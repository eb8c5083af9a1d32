"""The ML side of the author studio (issue 17): recordings made in the page (WebM from MediaRecorder, whose frame
rate FFmpeg can only guess) decode at their real rate while every hostile-video limit still holds."""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any

import httpx
import numpy as np
import pytest

from senas.ml.video.decode import DecodedVideo, VideoLimits, VideoRejected

LIMITS = VideoLimits(max_bytes=50_000_000, max_seconds=15.0, min_seconds=0.5, target_fps=15.0, max_width=960)
DEFAULT_DURATION = b"\x23\xe3\x83"  # Matroska's DefaultDuration element: the header's frame rate
EBML_VOID = 0xEC


def _webm_without_rate(pts_ms: list[int], size: tuple[int, int] = (160, 120)) -> bytes:
    """A VP8 WebM with millisecond timestamps and no rate in its header, as MediaRecorder writes it."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as output:
        stream = output.add_stream("libvpx", rate=1000)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        for index, pts in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), (index * 7) % 250, np.uint8), "rgb24")
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    data = buffer.getvalue()
    # The muxer writes the stream's rate as DefaultDuration; MediaRecorder writes none: turn it into padding.
    at = data.find(DEFAULT_DURATION)
    assert at > 0
    total = 4 + (data[at + 3] & 0x7F)
    return data[:at] + bytes([EBML_VOID, 0x80 | (total - 2)]) + b"\x00" * (total - 2) + data[at + total :]


def _decode(data: bytes, limits: VideoLimits = LIMITS) -> tuple[DecodedVideo, list[float]]:
    video = DecodedVideo(data, limits)
    try:
        times = [seconds for seconds, _ in video.frames()]
    finally:
        video.close()
    return video, times


def test_a_browser_recording_with_a_guessed_rate_of_1000_decodes_at_its_real_rate() -> None:
    import av

    # pairs of frames a millisecond apart every 66 ms — MediaRecorder under load: 60 frames in 1.95 s
    pts = [start + offset for start in range(0, 30 * 66, 66) for offset in (0, 1)]
    clip = _webm_without_rate(pts)
    with av.open(io.BytesIO(clip)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate is None  # no claim in the header ...
        assert float(stream.guessed_rate) > LIMITS.max_fps  # ... and FFmpeg's guess would have refused it
    video, times = _decode(clip)
    assert video.info.fps == 0.0
    assert 25 < video.measured_fps() < 35
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(1.915, abs=0.01)
    # sampled at the target rate over the real span, not at 1000 fps
    assert abs(len(times) - 1.95 * LIMITS.target_fps) <= 2


def test_a_flood_with_no_rate_in_the_header_is_still_refused_while_decoding() -> None:
    # 400 frames a millisecond apart: 1000 fps that no header announces
    with pytest.raises(VideoRejected) as refused:
        _decode(_webm_without_rate(list(range(400))))
    assert refused.value.code == "too_many_frames"


def test_a_short_browser_recording_is_measured_by_its_own_frame_interval() -> None:
    # 8 frames 40 ms apart: 0.28 s spanned, shown for 0.32 s, under the 0.5 s minimum
    with pytest.raises(VideoRejected) as refused:
        _decode(_webm_without_rate([i * 40 for i in range(8)]))
    assert refused.value.code == "too_short"
    assert "0.3" in refused.value.reason_en


# -- a draft sign's reference video, practised by its author, drawn and calibrated ---------------------------------

DRAFT_ID = "sign-draft-hola"
SIGNS = {  # published demo letters, as tests/ml/conftest.py's stand-in serves them
    f"sign-{c}": {"id": f"sign-{c}", "gloss": c.upper(), "slug": f"letra-{c}", "language": "ase"} for c in "abw"
}


def _content_with_a_draft(author_token: str) -> Any:
    """The content stub plus one draft sign: hidden from the public route, shown to its author's preview, and
    changeable by its author only."""
    from fastapi import FastAPI, Header, HTTPException

    app = FastAPI()
    draft = {"id": DRAFT_ID, "gloss": "HOLA-BORRADOR", "slug": "hola-borrador", "language": "ase"}

    @app.get("/content/signs/{sign_id}")
    async def sign(sign_id: str, preview: bool = False, authorization: str = Header("")) -> dict[str, str]:
        if sign_id == DRAFT_ID and preview and authorization == f"Bearer {author_token}":
            return draft
        if sign_id not in SIGNS:
            raise HTTPException(404, "no such sign")
        return SIGNS[sign_id]

    @app.get("/content/author/signs/{sign_id}")
    async def author_sign(sign_id: str, authorization: str = Header("")) -> dict[str, Any]:
        if sign_id not in (DRAFT_ID, *SIGNS):
            raise HTTPException(404, "no such sign")
        return {
            **(draft if sign_id == DRAFT_ID else SIGNS[sign_id]),
            "may_change": authorization == f"Bearer {author_token}" and sign_id == DRAFT_ID,
        }

    return app


@pytest.mark.slow
async def test_a_draft_sign_gets_its_template_is_practised_by_its_author_drawn_and_calibrated(
    ml_platform: Any, ml_root: Any, mint_token: Any
) -> None:
    from ml_media import HANDS, read_rgb, require, still_clip

    from senas.contracts.media import VideoUploaded
    from senas.core.consumer import Delivery
    from senas.ml.app import create_app
    from senas.ml.video.worker import VideoWorker
    from senas.platform import catalog

    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    author = mint_token("teacher-1", roles=("teacher",))
    learner = mint_token("learner-1", roles=("learner",))
    other_teacher = mint_token("teacher-2", roles=("teacher",))
    ml_platform.services.register_in_process("content", _content_with_a_draft(author))

    # the reference upload names its draft sign: the worker builds the template without reading the sign
    clip = still_clip(read_rgb(HANDS / "four" / "four-02.jpg"))
    uploads = ml_platform.blobs.store(ml_platform.settings.resource_name(catalog.CONTENT_ASSETS))
    await uploads.put("signs/draft/ref.mp4", clip, content_type="video/mp4")
    message = VideoUploaded(
        upload_id="asset-draft",
        purpose="reference",
        bucket=catalog.CONTENT_ASSETS,
        key="signs/draft/ref.mp4",
        content_type="video/mp4",
        size=len(clip),
        sign_id=DRAFT_ID,
        asset_id="asset-draft",
        language="ase",
        slug="hola-borrador",
        gloss="HOLA-BORRADOR",
    )
    ml_context = ml_root.context
    await VideoWorker(ml_context).handle(message.to_envelope("content"), Delivery("video-processing", "r", 1, 5))
    runtime = ml_context.runtime
    assert runtime.bank.find(key="ase/hola-borrador") is not None

    app = create_app(ml_root, run_consumers=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ml.test") as client:
            as_author = {"Authorization": f"Bearer {author}"}
            # what the system saw in the reference video, frame by frame
            seen = await client.get("/ml/author/references/asset-draft/landmarks", headers=as_author)
            assert seen.status_code == 200, seen.text
            body = seen.json()
            assert body["frames_with_hand"] > 0
            drawn = [frame for frame in body["frames"] if frame["hands"]]
            assert len(drawn[0]["hands"][0]["points"]) == 21
            assert all(0 <= x <= 1.2 and 0 <= y <= 1.2 for x, y in drawn[0]["hands"][0]["points"])

            # a learner cannot practise the draft; its author can — scored, and marked as not progress
            refused = await client.post(
                "/ml/sessions",
                json={"sign_id": DRAFT_ID, "mode": "video"},
                headers={"Authorization": f"Bearer {learner}"},
            )
            assert refused.status_code == 404
            started = await client.post("/ml/sessions", json={"sign_id": DRAFT_ID, "mode": "video"}, headers=as_author)
            assert started.status_code == 201, started.text
            assert started.json()["preview"] is True

            # calibration: refused to another teacher, done for the author, figure stored in the template
            other = await client.post(
                f"/ml/author/signs/{DRAFT_ID}/calibrate", headers={"Authorization": f"Bearer {other_teacher}"}
            )
            assert (other.status_code, other.json()["error"]) == (403, "not_owner")
            calibrated = await client.post(f"/ml/author/signs/{DRAFT_ID}/calibrate", headers=as_author)
            assert calibrated.status_code == 200, calibrated.text
            figure = calibrated.json()
            assert 50 <= figure["threshold"] <= 80
            assert figure["genuine"] > 0
            assert figure["impostors"] > 0
            index = await runtime.templates.index()
            assert index.templates["ase/hola-borrador"].pass_threshold == figure["threshold"]


def test_the_overlay_highlights_what_to_fix_first() -> None:
    from senas.ml.sessions.models import PracticeSession
    from senas.ml.studio.service import weakest

    base = {
        "session_id": "s",
        "user_id": "u",
        "sign_id": "x",
        "sign_key": "ase/x",
        "gloss": "X",
        "language": "ase",
        "mode": "video",
        "dominant_hand": "right",
        "status": "scored",
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "components": {"handshape": 90.0, "orientation": 40.0, "location": 70.0, "movement": 95.0},
    }

    def feedback(*items: tuple[str, str, float | None]) -> list[dict[str, Any]]:
        return [{"parameter": p, "status": s, "score": score} for p, s, score in items]

    all_ok = PracticeSession(**base, feedback=feedback(("handshape", "ok", 90.0), ("movement", "ok", 95.0)))
    assert weakest(all_ok) is None  # nothing to highlight when everything is right
    almost = PracticeSession(**base, feedback=feedback(("location", "almost", 70.0), ("hand", "almost", None)))
    assert weakest(almost) == "location"  # the lower score first (the hand has none: counted as right)
    fix = PracticeSession(**base, feedback=feedback(("location", "almost", 70.0), ("orientation", "fix", 40.0)))
    assert weakest(fix) == "orientation"  # "fix" before "almost"
