"""Body (pose) landmarks for *location* feedback: the offline-built pose model, pose landmarks on real photos and
clips, location relative to the body in scoring and feedback, and the service without the pose model."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from ml_media import ALPHABET, HANDS, read_rgb, require, still_clip

from senas.contracts.media import VideoUploaded
from senas.core.consumer import Delivery
from senas.core.messages import Envelope
from senas.ml.app import create_app
from senas.ml.bootstrap import MlRoot
from senas.ml.context import MlContext
from senas.ml.datasets import load_alphabet
from senas.ml.landmarks import artefact
from senas.ml.landmarks.extractor import _body_track
from senas.ml.landmarks.sequence import BODY, BODY_NAMES, BODY_POINTS, POSE_POINTS, RIGHT, HandTrack
from senas.ml.recognition.body import REGIONS, anchors_of, region_of, to_body
from senas.ml.recognition.features import features_from_hands
from senas.ml.recognition.normalise import canonical_hands
from senas.ml.recognition.scorer import Scorer, attempt_from_track, track_from_attempt
from senas.ml.recognition.scoring_api import AttemptFrame, ScoreRequest
from senas.ml.recognition.templates import TemplateBank, TemplateEntry
from senas.ml.registry import pose_build
from senas.ml.registry.model_registry import POSE_LANDMARKER, ModelRegistry
from senas.ml.registry.pose_model import MODEL_FILE, bundled_pose_model, install_pose_model, installed_path
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.schemas import StartSession
from senas.ml.sessions.scoring_worker import InferenceWorker
from senas.ml.sessions.service import SessionService
from senas.ml.video.pipeline import extract_landmarks, limits_of
from senas.ml.video.worker import VideoWorker
from senas.platform import catalog
from senas.wiring import Platform

# --- synthetic signer: a person facing a 640×480 camera, and a flat hand (alphabet "B") placed on the body -------

WIDTH, HEIGHT, FPS = 640, 480, 15.0
ASPECT = WIDTH / HEIGHT
SKELETON = {  # image-normalised; the person's left is the picture's right (an un-mirrored camera)
    "nose": (0.50, 0.35),
    "left_eye": (0.53, 0.31),
    "right_eye": (0.47, 0.31),
    "left_ear": (0.57, 0.33),
    "right_ear": (0.43, 0.33),
    "mouth_left": (0.52, 0.40),
    "mouth_right": (0.48, 0.40),
    "left_shoulder": (0.66, 0.58),
    "right_shoulder": (0.34, 0.58),
    "left_elbow": (0.72, 0.85),
    "right_elbow": (0.28, 0.85),
    "left_wrist": (0.70, 1.02),
    "right_wrist": (0.30, 1.02),
}
SHOULDER_WIDTH = (0.66 - 0.34) * ASPECT  # in frame heights
PALM = 0.11  # palm length in frame heights: about a quarter of the shoulder width


@pytest.fixture(scope="module")
def flat_hand() -> np.ndarray:
    """A real flat hand (the alphabet's B) as a right hand, wrist at the origin, palm length PALM (frame heights)."""
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    hand = points[np.flatnonzero(labels == "B")[0]].astype(np.float64)
    hand = hand - hand[0]
    hand[:, 0] *= -ASPECT  # the dataset's hand is a left one; mirrored into a right hand, x in frame heights
    hand[:, 2] *= ASPECT
    return hand * (PALM / np.linalg.norm(hand[9, :2]))


def body_frames(count: int, rng: np.random.Generator, offset: float = 0.0) -> np.ndarray:
    body = np.array([[SKELETON[name][0] + offset, SKELETON[name][1], 0.0] for name in BODY_NAMES], np.float32)
    return np.repeat(body[None], count, axis=0) + rng.normal(0, 0.002, (count, BODY, 3)).astype(np.float32)


def signing(
    hand: np.ndarray,
    where: tuple[float, float],
    *,
    count: int = 24,
    with_body: bool = True,
    seed: int = 0,
    offset: float = 0.0,
) -> HandTrack:
    """The hand held with its top (fingertips) at ``where`` in body units (shoulder widths from the shoulders'
    midpoint, y down), a little unsteady; a right-handed learner ``offset`` frame widths right of the centre."""
    rng = np.random.default_rng(seed)
    top = hand[np.argmin(hand[:, 1])]
    x = (0.5 + offset) * ASPECT + where[0] * SHOULDER_WIDTH
    y = 0.58 + where[1] * SHOULDER_WIDTH
    placed = hand - top + np.array([x, y, 0.0])
    placed[:, 0] /= ASPECT  # back to image-normalised x
    frames = np.repeat(placed[None], count, axis=0) + rng.normal(0, 0.002, (count, 21, 3))
    return HandTrack.from_single_hand(
        frames.astype(np.float32),
        [RIGHT] * count,
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
        body=body_frames(count, rng, offset) if with_body else None,
    )


CHIN, CHEST, CHEEK = (0.0, -0.30), (0.0, 0.5), (-0.13, -0.50)


def template_of(key: str, track: HandTrack) -> tuple[TemplateEntry, Any]:
    features = features_from_hands(
        canonical_hands(track, "right"), track.aspect, body=track.body, body_present=track.body_present
    )
    language, slug = key.split("/")
    return TemplateEntry(key=key, language=language, slug=slug, gloss=slug, version=1, blob_key="-"), features


@pytest.fixture(scope="module")
def scorer(flat_hand: np.ndarray) -> Scorer:
    """Four signs with one handshape: made at the chin, at the chest, at the cheek (from reference videos, with a
    body) and a demo-like one without body landmarks."""
    made = [
        template_of("ase/at-chin", signing(flat_hand, CHIN, seed=10)),
        template_of("ase/at-chest", signing(flat_hand, CHEST, seed=11)),
        template_of("ase/at-cheek", signing(flat_hand, CHEEK, seed=13)),
        template_of("ase/no-body", signing(flat_hand, CHIN, seed=12, with_body=False)),
    ]
    return Scorer(TemplateBank([e for e, _ in made], [f for _, f in made], revision=1))


def score(scorer: Scorer, track: HandTrack, target: str, dominant: str = "right") -> dict[str, Any]:
    request = ScoreRequest(attempt=attempt_from_track(track), target=target, dominant_hand=dominant)
    return scorer(request.model_dump(mode="json"))


def location_of(result: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in result["feedback"] if f["parameter"] == "location")


# --- the model file ----------------------------------------------------------------------------------------------


def installed_pose_model() -> Path:
    try:
        return bundled_pose_model()
    except FileNotFoundError as exc:
        require(False, f"{exc} (make install builds it)")
        raise


def test_the_built_pose_model_is_a_stored_task_bundle_that_mediapipe_loads() -> None:
    path = installed_pose_model()
    assert path == installed_path()
    with zipfile.ZipFile(path) as bundle:
        infos = {info.filename: info for info in bundle.infolist()}
    # MediaPipe maps the members in place: they must be stored, not compressed.
    assert set(infos) == set(pose_build.MEMBERS)
    assert all(info.compress_type == zipfile.ZIP_STORED and info.file_size > 1_000_000 for info in infos.values())
    # ... and start on aligned offsets, so TFLite uses the tensors in place instead of copying them.
    raw = path.read_bytes()
    for info in infos.values():
        name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
        assert (info.header_offset + 30 + name_length + extra_length) % pose_build.ALIGN == 0
    assert pose_build.is_complete(path)
    # Already built: a re-run (make install again) is a no-op that keeps the file.
    before = path.stat().st_mtime_ns
    assert pose_build.main(["--out", str(path)]) == 0
    assert path.stat().st_mtime_ns == before
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=path.read_bytes()), running_mode=vision.RunningMode.IMAGE
    )
    landmarker = vision.PoseLandmarker.create_from_options(options)
    landmarker.close()


def test_an_incomplete_or_foreign_task_file_is_not_taken_as_built(tmp_path: Path) -> None:
    half = tmp_path / "half.task"
    with zipfile.ZipFile(half, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.writestr(pose_build.DETECTOR_MEMBER, b"x" * 10)
    empty_member = tmp_path / "empty.task"
    with zipfile.ZipFile(empty_member, "w") as bundle:
        bundle.writestr(pose_build.DETECTOR_MEMBER, b"x")
        bundle.writestr(pose_build.LANDMARKS_MEMBER, b"")
    text = tmp_path / "text.task"
    text.write_text("not a zip")
    whole = tmp_path / "whole.task"
    with zipfile.ZipFile(whole, "w") as bundle:
        for member in pose_build.MEMBERS:
            bundle.writestr(member, b"model")
    assert not pose_build.is_complete(half)
    assert not pose_build.is_complete(empty_member)
    assert not pose_build.is_complete(text)
    assert not pose_build.is_complete(tmp_path / "absent.task")
    assert pose_build.is_complete(whole)


async def test_install_registers_the_pose_model_once_and_names_it(platform: Platform, tmp_path: Path) -> None:
    registry = ModelRegistry(platform.blobs.store(platform.settings.resource_name(catalog.ML_MODELS)))
    model = tmp_path / MODEL_FILE
    model.write_bytes(b"a pose task")
    first, created = await install_pose_model(registry, model)
    again, created_again = await install_pose_model(registry, model)
    assert (created, created_again) == (True, False)
    assert first.version == again.version == "1"
    assert POSE_LANDMARKER in await registry.names()
    with pytest.raises(FileNotFoundError, match="SENAS_ML_POSE_MODEL_PATH"):
        bundled_pose_model(tmp_path / "nowhere.task")


def test_cli_installs_the_pose_model_and_refuses_a_named_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    hand, pose = tmp_path / "hand_landmarker.task", tmp_path / MODEL_FILE
    hand.write_bytes(b"hand")
    pose.write_bytes(b"pose")
    runner = CliRunner()
    installed = runner.invoke(app, ["ml", "install-models", "--path", str(hand), "--pose-path", str(pose)])
    assert installed.exit_code == 0, installed.output
    assert "pose-landmarker v1 registered" in installed.output
    missing = runner.invoke(
        app, ["ml", "install-models", "--path", str(hand), "--pose-path", str(tmp_path / "nowhere.task")]
    )
    assert missing.exit_code == 1
    assert "does not exist" in missing.output


# --- extraction --------------------------------------------------------------------------------------------------


def test_the_body_between_runs_of_the_pose_model_is_interpolated_or_held() -> None:
    first, second = np.zeros((BODY, 3), np.float32), np.ones((BODY, 3), np.float32)
    body, present = _body_track(8, {0: first, 3: second, 6: None}, 3)
    assert present.tolist() == [True] * 6 + [False, False]
    assert np.allclose(body[1], 1 / 3)
    assert np.allclose(body[2], 2 / 3)
    assert np.allclose(body[3:6], 1.0)  # the last run seen is held until the next run's frame
    # A run that saw nobody is a gap, not a reason to interpolate across it.
    body, present = _body_track(9, {0: first, 3: None, 6: second}, 3)
    assert present.tolist() == [True, True, True, False, False, False, True, True, True]
    assert np.allclose(body[:3], 0.0)


async def test_pose_landmarks_are_found_on_real_photos_and_place_raised_hands_beside_the_head(
    runtime: MlRuntime,
) -> None:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    installed_pose_model()
    await runtime.ensure_loaded()
    extractor = runtime.require_extractor()
    assert extractor.has_pose
    photos = sorted(HANDS.glob("*/*.jpg"))
    bodies, raised, regions = 0, 0, {}
    for photo in photos:
        track = extractor.detect_image(read_rgb(photo), with_body=True)
        if not track.frames_with_body:
            continue
        bodies += 1
        assert track.body is not None
        points = {name: track.body[0, i] for i, name in enumerate(BODY_NAMES)}
        # A person upright in the picture: shoulders below the nose, the person's left shoulder on the right.
        assert points["left_shoulder"][1] > points["nose"][1]
        assert points["left_shoulder"][0] > points["right_shoulder"][0]
        if canonical_hands(track, "right").count:
            location, anchors = _locate(track)
            regions[photo.name] = region_of(location, anchors)
            raised += photo.parent.name in ("four", "rock") and regions[photo.name] in ("side", "cheek")
    print(f"bodies in {bodies}/{len(photos)} photos; regions {regions}")
    # The photos show people (HaGRID): MediaPipe finds a body in 29 of the 30 here.
    assert bodies >= 0.8 * len(photos)
    # In the "four" and "rock" photos the hand is raised beside the face (16 found with a body and a hand).
    assert raised >= 12
    # none-03: the hand rests on the stomach.
    assert regions["none-03.jpg"] in ("chest", "neutral")


def _locate(track: HandTrack) -> tuple[np.ndarray, np.ndarray]:
    from senas.ml.recognition.body import body_location

    hands = canonical_hands(track, "right")
    assert track.body is not None
    assert hands.points is not None
    found = body_location(hands.points, track.body[hands.frame_index], hands.left, track.aspect)
    return found.location, found.anchors


async def test_an_image_without_a_person_has_no_body_and_still_gives_a_track(runtime: MlRuntime) -> None:
    installed_pose_model()
    await runtime.ensure_loaded()
    extractor = runtime.require_extractor()
    ramp = np.broadcast_to(np.linspace(0, 255, 320, dtype=np.uint8)[None, :, None], (240, 320, 3)).copy()
    track = extractor.detect_image(ramp, with_body=True)
    assert track.frames == 1
    assert track.frames_with_body == 0
    assert track.frames_with_hand == 0


async def _upload(platform: Platform, key: str, data: bytes) -> None:
    uploads = platform.blobs.store(platform.settings.resource_name(catalog.USER_UPLOADS))
    await uploads.put(key, data, content_type="video/mp4")


@pytest.mark.slow
async def test_a_reference_video_beside_the_head_and_a_practice_video_at_the_stomach_name_both_places(
    ml_platform: Platform,
    runtime: MlRuntime,
    ml_context: MlContext,
) -> None:
    """Real clips through both workers (hands every frame, pose every k-th): an author's reference video with the
    hand raised beside the head becomes the sign's template, with the body; a learner's attempt with the hand
    resting low is told where to go and where the hand is."""
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    installed_pose_model()
    await runtime.ensure_loaded()
    reference = still_clip(read_rgb(HANDS / "four" / "four-02.jpg"))
    await _upload(ml_platform, "media/reference-w.mp4", reference)
    message = VideoUploaded(
        upload_id="up-reference-w",
        purpose="reference",
        bucket=catalog.USER_UPLOADS,
        key="media/reference-w.mp4",
        content_type="video/mp4",
        size=len(reference),
        sign_id="sign-w",
        asset_id="asset-w",
    )
    await VideoWorker(ml_context).handle(message.to_envelope("content"), Delivery("video-processing", "r", 1, 5))
    position = runtime.bank.find(key="ase/letra-w")
    assert position is not None
    assert runtime.bank.entries[position].source.startswith("reference video")
    template = runtime.bank.features[position]
    assert template.has_body
    assert template.body_anchors is not None
    assert template.body_location is not None
    assert region_of(template.body_location, template.body_anchors) == "side"

    service = SessionService(ml_context)
    session = await service.start("learner", StartSession(sign_id="sign-w", mode="video"))
    attempt = still_clip(read_rgb(HANDS / "none" / "none-03.jpg"))
    key = f"practice/learner/{session.session_id}.mp4"
    await _upload(ml_platform, key, attempt)
    practice = VideoUploaded(
        upload_id=f"up-{session.session_id}",
        purpose="practice",
        bucket=catalog.USER_UPLOADS,
        key=key,
        content_type="video/mp4",
        size=len(attempt),
        sign_id="sign-w",
        session_id=session.session_id,
        user_id="learner",
    )
    await VideoWorker(ml_context).handle(practice.to_envelope("content"), Delivery("video-processing", "p", 1, 5))
    inference = ml_platform.queues.queue(ml_platform.settings.resource_name(catalog.ML_INFERENCE))
    for received in await inference.receive(max_messages=10, wait_seconds=0):
        await InferenceWorker(ml_context).handle(Envelope.from_json(received.body), Delivery("ml-inference", "i", 1, 5))
        await inference.delete(received.receipt)
    scored = await service.repo.get(session.session_id)
    assert scored is not None
    assert scored.status == "scored", scored.reason_en
    location = next(f for f in scored.feedback if f["parameter"] == "location")
    print(scored.components, location)
    assert location["status"] == "fix"
    assert location["message_es"] == "Lleva la mano al lado de la cabeza; ahora está en el pecho."
    assert location["message_en"] == "Move your hand to the side of your head; it is at your chest now."
    stored, meta = artefact.load(await ml_context.ports.processed.get(scored.artefact_key))
    assert runtime.pose_model is not None
    assert meta["pose_model"] == runtime.pose_model.version
    assert stored.frames_with_body >= stored.frames // 2


# --- scoring and feedback ----------------------------------------------------------------------------------------


def test_regions_are_named_from_the_signers_own_face(flat_hand: np.ndarray) -> None:
    track = signing(flat_hand, CHIN)
    assert track.body is not None
    _, body = to_body(track.points[:, 0], track.body, track.aspect, np.zeros(track.frames, bool))
    anchors = anchors_of(body)
    for index, region in enumerate(REGIONS):
        assert region_of(anchors[index], anchors) == region
    assert region_of(np.array([2.0, -2.0]), anchors) == "neutral"  # far from everything


def test_hand_at_the_chin_against_the_chin_template_is_in_the_right_place(
    scorer: Scorer, flat_hand: np.ndarray
) -> None:
    right = score(scorer, signing(flat_hand, CHIN, seed=1), "ase/at-chin")
    location = location_of(right)
    assert right["location_reference"] == "body"
    assert right["components"]["location"] >= 90
    assert location["status"] == "ok"
    assert "la barbilla" in location["message_es"]
    assert "your chin" in location["message_en"]
    assert right["passed"]
    assert right["nearest"][0]["sign_key"] == "ase/at-chin"


def test_hand_at_the_chest_for_a_chin_sign_scores_lower_and_is_told_to_go_to_the_chin(
    scorer: Scorer, flat_hand: np.ndarray
) -> None:
    right = score(scorer, signing(flat_hand, CHIN, seed=1), "ase/at-chin")
    wrong = score(scorer, signing(flat_hand, CHEST, seed=2), "ase/at-chin")
    location = location_of(wrong)
    print(right["score"], wrong["score"], location)
    assert wrong["location_reference"] == "body"
    assert wrong["components"]["location"] < 20
    assert wrong["score"] <= right["score"] - 20
    assert location["status"] == "fix"
    assert location["message_es"] == "Lleva la mano a la barbilla; ahora está en el pecho."
    assert location["message_en"] == "Move your hand to your chin; it is at your chest now."
    # Same handshape, same movement: the place tells the two signs apart.
    assert wrong["nearest"][0]["sign_key"] == "ase/at-chest"
    cheek = score(scorer, signing(flat_hand, CHEEK, seed=3), "ase/at-chin")
    assert cheek["score"] < right["score"]
    assert location_of(cheek)["status"] != "ok"
    assert "mejilla" in location_of(cheek)["message_es"]


def test_a_left_handed_mirror_scores_within_five_points(scorer: Scorer, flat_hand: np.ndarray) -> None:
    for where, target in ((CHIN, "ase/at-chin"), (CHEST, "ase/at-chin"), (CHEEK, "ase/at-cheek")):
        track = signing(flat_hand, where, seed=4, offset=0.12)  # sitting off-centre: mirroring moves the person
        original = score(scorer, track, target)
        mirrored = score(scorer, track.mirrored(), target, dominant="left")
        assert mirrored["hand_used"] == "left"
        assert mirrored["location_reference"] == "body"
        assert abs(mirrored["score"] - original["score"]) <= 5, (where, original["score"], mirrored["score"])
        assert location_of(mirrored)["message_en"] == location_of(original)["message_en"]
    # The body must be mirrored with the hand: a mirrored hand on an un-mirrored body is elsewhere on the body
    # and no longer matches.
    track = signing(flat_hand, CHEEK, seed=4, offset=0.12)
    whole = score(scorer, track.mirrored(), "ase/at-cheek", dominant="left")
    half = track.mirrored()
    half.body, half.body_present = track.body, track.body_present
    unmirrored_body = score(scorer, half, "ase/at-cheek", dominant="left")
    assert unmirrored_body["components"]["location"] < whole["components"]["location"] - 20


def test_without_a_body_on_either_side_location_is_judged_against_the_frame(
    scorer: Scorer, flat_hand: np.ndarray
) -> None:
    # The attempt has no body (no pose model installed, or a device that sends none).
    no_body = score(scorer, signing(flat_hand, CHIN, seed=5, with_body=False), "ase/at-chin")
    assert no_body["location_reference"] == "frame"
    assert no_body["passed"]
    assert "barbilla" not in location_of(no_body)["message_es"]
    # The template has none (a demo template): the attempt's body is not used for location.
    demo = score(scorer, signing(flat_hand, CHEST, seed=6), "ase/no-body")
    assert demo["location_reference"] == "frame"
    # The frame's weights (scorer.WEIGHTS): with the frame as reference location counts for 0.1.
    parts = no_body["components"]
    assert no_body["score"] == pytest.approx(
        0.45 * parts["handshape"] + 0.25 * parts["orientation"] + 0.2 * parts["movement"] + 0.1 * parts["location"],
        abs=0.2,
    )


def test_the_contract_carries_the_body_and_bounds_it(flat_hand: np.ndarray) -> None:
    track = signing(flat_hand, CHIN, count=6)
    attempt = attempt_from_track(track)
    assert all(frame.body is not None and len(frame.body) == BODY for frame in attempt.frames)
    back = track_from_attempt(attempt, "right")
    assert back.body is not None
    assert track.body is not None
    assert np.allclose(back.body, track.body, atol=1e-4)
    hand = {"landmarks": [[0.5, 0.5, 0.0]] * 21}
    with pytest.raises(ValueError, match="body"):
        AttemptFrame.model_validate({"hands": [hand], "body": [[0.5, 0.5, 0.0]] * (BODY - 1)})
    with pytest.raises(ValueError, match="body"):
        AttemptFrame.model_validate({"hands": [hand], "body": [[0.5, 1e6, 0.0]] * BODY})
    assert AttemptFrame.model_validate({"hands": [hand]}).body is None


def test_landmark_artefacts_keep_the_body_and_old_ones_still_load(flat_hand: np.ndarray) -> None:
    track = signing(flat_hand, CHIN, count=5)
    loaded, meta = artefact.load(artefact.dump(track, pose_model="1"))
    assert meta["format"] == artefact.ARTEFACT_FORMAT == 2
    assert loaded.body is not None
    assert track.body is not None
    assert np.array_equal(loaded.body, track.body)
    assert loaded.frames_with_body == 5
    # A format-1 artefact, as written before body landmarks: hands only.
    buffer = io.BytesIO()
    header = {"format": 1, "fps": 15.0, "width": 640, "height": 480}
    np.savez_compressed(
        buffer,
        meta=np.array(json.dumps(header)),
        points=track.points,
        present=track.present,
        handedness=track.handedness,
        scores=track.scores,
    )
    old, old_meta = artefact.load(buffer.getvalue())
    assert old_meta["format"] == 1
    assert old.body is None
    assert old.frames_with_hand == 5
    header["format"] = 7
    future = io.BytesIO()
    np.savez_compressed(future, meta=np.array(json.dumps(header)), points=track.points)
    with pytest.raises(ValueError, match="format 7"):
        artefact.load(future.getvalue())


# --- the service with and without the pose model -----------------------------------------------------------------


@pytest.fixture
async def client(ml_platform: Platform, ml_root: MlRoot) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ml_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml") as http:
        yield http


async def test_landmarks_mode_accepts_pose_points_and_bounds_them(
    client: httpx.AsyncClient, mint_token: Any, flat_hand: np.ndarray
) -> None:
    headers = {"Authorization": f"Bearer {mint_token('learner-pose')}"}
    track = signing(flat_hand, CHIN, count=8)
    assert track.body is not None
    pose = np.zeros((track.frames, POSE_POINTS, 3))
    pose[:, list(BODY_POINTS.values())] = track.body
    frames = [
        {"landmarks": track.points[t, 0].round(5).tolist(), "handedness": "right", "pose": pose[t].round(5).tolist()}
        for t in range(track.frames)
    ]

    async def submit(body: dict[str, Any]) -> httpx.Response:
        created = await client.post("/ml/sessions", json={"sign_id": "sign-b", "mode": "landmarks"}, headers=headers)
        assert created.status_code == 201, created.text
        return await client.post(f"/ml/sessions/{created.json()['session_id']}/landmarks", json=body, headers=headers)

    scored = await submit({"frames": frames})
    assert scored.status_code == 200, scored.text
    assert scored.json()["status"] == "scored"
    short = await submit({"frames": [{**frames[0], "pose": frames[0]["pose"][:-1]}] * 4})
    assert short.status_code == 422
    assert short.json()["error"]
    assert "pose" in short.json()["detail"]
    far = await submit({"frames": [{**frames[0], "pose": [[0.5, 1e6, 0.0]] * POSE_POINTS}] * 4})
    assert far.status_code == 422
    assert "pose" in far.json()["detail"]


async def test_without_the_pose_model_the_service_scores_and_says_it_is_degraded(
    ml_platform: Platform, runtime: MlRuntime, client: httpx.AsyncClient
) -> None:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    # Installed without the pose model: the store has no active version of it.
    await runtime.models_store.delete(f"registry/{POSE_LANDMARKER}/active.json")
    await runtime.load()
    assert POSE_LANDMARKER in runtime.degraded
    assert "frame" in runtime.degraded[POSE_LANDMARKER]
    await runtime.readiness()  # still ready: nothing it cannot work without is missing
    assert not runtime.require_extractor().has_pose
    health = (await client.get("/ml/health/models")).json()
    assert health["status"] == "degraded"
    assert health["location_reference"] == "frame"
    assert health["models"]["pose-landmarker"] is None
    assert "pose" in health["degraded"][POSE_LANDMARKER]
    assert (await client.get("/ml/health/ready")).status_code == 200
    track = extract_landmarks(
        still_clip(read_rgb(HANDS / "four" / "four-02.jpg")), runtime.require_extractor(), limits_of(runtime.ml)
    )
    assert track.body is None
    assert track.frames_with_hand >= 3
    request = ScoreRequest(attempt=attempt_from_track(track), target="ase/letra-b")
    result = await runtime.score(request)
    assert result.location_reference == "frame"
    assert {f.parameter for f in result.feedback} == {"handshape", "orientation", "location", "movement", "hand"}


async def test_with_the_pose_model_health_says_location_is_judged_on_the_body(client: httpx.AsyncClient) -> None:
    installed_pose_model()
    health = (await client.get("/ml/health/models")).json()
    assert health["status"] == "ok", health
    assert health["location_reference"] == "body"
    assert health["models"]["pose-landmarker"] is not None


async def test_first_start_without_the_pose_model_file_warns_and_works(platform: Platform, tmp_path: Path) -> None:
    """Installed without the pose model (the file is not there): the embedded first start registers everything
    else, and the service is ready, degraded."""
    from senas.ml import bootstrap
    from senas.ml.registry.hand_model import bundled_hand_model
    from senas.ml.settings import MlSettings

    try:
        bundled_hand_model()
    except FileNotFoundError as exc:
        require(False, str(exc))
    config = MlSettings(pose_model_path=tmp_path / "none.task")
    runtime = bootstrap.build(platform, config=config).context.runtime
    try:
        await runtime.start()
        assert not runtime.problems
        assert runtime.pose_model is None
        assert "location is judged against the video frame" in runtime.degraded[POSE_LANDMARKER]
        assert await runtime.registry.active_version(POSE_LANDMARKER) is None
        await runtime.readiness()
    finally:
        runtime.close()


async def test_a_pose_model_mediapipe_cannot_load_is_dropped_at_start_up(
    ml_platform: Platform, runtime: MlRuntime
) -> None:
    """A broken pose-landmarker version in the store degrades location feedback; it does not break videos."""
    await runtime.registry.publish(POSE_LANDMARKER, {MODEL_FILE: b"not a task file"}, notes="broken on purpose")
    await runtime.load()
    assert runtime.pose_model is None
    assert "could not be loaded" in runtime.degraded[POSE_LANDMARKER]
    assert not runtime.require_extractor().has_pose
    await runtime.readiness()


def tilted(track: HandTrack, degrees: float) -> HandTrack:
    """The clip as a camera turned ``degrees`` about its axis sees it: hands and body turned in the picture."""
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([0.5 * ASPECT, 0.5])

    def turn_points(points: np.ndarray) -> np.ndarray:
        out = points.copy()
        xy = out[..., :2] * np.array([ASPECT, 1.0]) - centre
        out[..., :2] = (xy @ rotation.T + centre) / np.array([ASPECT, 1.0])
        return out

    assert track.body is not None
    return HandTrack(
        turn_points(track.points),
        track.present.copy(),
        track.handedness.copy(),
        track.scores.copy(),
        track.fps,
        track.width,
        track.height,
        body=turn_points(track.body),
        body_present=None if track.body_present is None else track.body_present.copy(),
    )


def test_orientation_is_judged_against_the_shoulders_when_both_sides_have_a_body(
    scorer: Scorer, flat_hand: np.ndarray
) -> None:
    """A camera tilted 25°: relative to the learner's shoulders the hand points as the reference's does (the
    template with a body); against the frame (the template without one) it is turned."""
    track = tilted(signing(flat_hand, CHIN, seed=7), 25.0)
    with_body = score(scorer, track, "ase/at-chin")
    frame_only = score(scorer, track, "ase/no-body")
    print(
        f"orientation against the shoulders {with_body['components']['orientation']}, against the frame "
        f"{frame_only['components']['orientation']}"
    )
    assert with_body["components"]["orientation"] >= 90
    assert frame_only["components"]["orientation"] < with_body["components"]["orientation"] - 10
    straight = score(scorer, signing(flat_hand, CHIN, seed=7), "ase/at-chin")
    assert abs(with_body["components"]["handshape"] - straight["components"]["handshape"]) <= 1.0
