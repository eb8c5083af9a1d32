"""Normalisation, features, DTW and the scorer's contract on real landmark data (the alphabet dataset)."""

from __future__ import annotations

import numpy as np
import pytest
from ml_media import ALPHABET, require

from senas.ml.datasets import ALPHABET_SIDE, load_alphabet
from senas.ml.landmarks.sequence import LEFT, RIGHT, HandTrack
from senas.ml.recognition.demo import demo_signs
from senas.ml.recognition.dtw import batch_dtw, dtw_path
from senas.ml.recognition.features import features_from_hands
from senas.ml.recognition.normalise import canonical_hands, canonicalise, resample
from senas.ml.recognition.scorer import MODEL_NAME, Scorer, ScoringError, attempt_from_track
from senas.ml.recognition.scoring_api import ScoreRequest, ScoreResponse
from senas.ml.recognition.templates import TemplateBank, TemplateEntry
from senas.platform.errors import InvalidRequest, NotFound
from senas.platform.inference.local import LocalInference


@pytest.fixture(scope="module")
def alphabet() -> tuple[np.ndarray, np.ndarray]:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    return load_alphabet(ALPHABET)


@pytest.fixture(scope="module")
def scorer(alphabet: tuple[np.ndarray, np.ndarray]) -> Scorer:
    signs, _ = demo_signs()
    entries = [
        TemplateEntry(
            key=f"ase/{s.slug}",
            language="ase",
            slug=s.slug,
            gloss=s.gloss,
            version=1,
            blob_key="-",
            pass_threshold=s.pass_threshold,
        )
        for s in signs
    ]
    return Scorer(TemplateBank(entries, [s.features for s in signs], revision=1))


def clip_of(pose: np.ndarray, side: int, frames: int = 12, jitter: float = 0.002) -> HandTrack:
    rng = np.random.default_rng(0)
    points = np.repeat(pose[None], frames, axis=0) + rng.normal(0, jitter, (frames, 21, 3))
    return HandTrack.from_single_hand(points.astype(np.float32), [side] * frames, fps=15, width=640, height=480)


def held_out_pose(alphabet: tuple[np.ndarray, np.ndarray], letter: str) -> np.ndarray:
    labels, points = alphabet
    rows = np.flatnonzero(labels == letter)
    return points[rows[-1]]  # the last row: in the held-out block, not the template's medoid


def test_canonical_form_ignores_position_scale_and_mirroring(alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    pose = held_out_pose(alphabet, "L")[None]
    aligned, orientation, _, _ = canonicalise(pose, np.array([True]), 4 / 3)
    moved = pose.copy()
    moved[..., :2] = (moved[..., :2] - 0.5) * 0.6 + np.array([0.3, 0.2])
    moved[..., 2] *= 0.6
    aligned_moved, orientation_moved, _, _ = canonicalise(moved, np.array([True]), 4 / 3)
    np.testing.assert_allclose(aligned, aligned_moved, atol=1e-9)
    np.testing.assert_allclose(orientation, orientation_moved, atol=1e-9)
    mirrored = pose.copy()
    mirrored[..., 0] = 1 - mirrored[..., 0]
    aligned_mirror, *_ = canonicalise(mirrored, np.array([False]), 4 / 3)
    np.testing.assert_allclose(aligned, aligned_mirror, atol=1e-9)
    assert abs(np.linalg.norm(aligned[0, 9, :2]) - 1) < 1e-9  # palm length 1
    assert aligned[0, 9, 1] < 0
    assert abs(aligned[0, 9, 0]) < 1e-9


def test_resample_keeps_ends_and_interpolates() -> None:
    values = np.arange(5, dtype=float)[:, None]
    out = resample(values, 9)
    assert out.shape == (9, 1)
    assert out[0, 0] == 0
    assert out[-1, 0] == 4
    assert out[1, 0] == 0.5


def test_dtw_absorbs_a_slower_performance() -> None:
    t = np.linspace(0, 1, 16)
    template = np.stack([np.sin(2 * np.pi * t), np.cos(2 * np.pi * t)], axis=1)
    slow = resample(np.concatenate([np.repeat(template[:4], 2, axis=0), template[4:]]), 16)
    shifted = template + 0.5
    distances = batch_dtw(slow, np.stack([template, shifted]))
    assert distances[0] < 0.1 < distances[1]
    cost, path = dtw_path(slow, template)
    assert path[0] == (0, 0)
    assert path[-1] == (15, 15)
    assert cost == pytest.approx(distances[0])


def test_right_letter_passes_and_wrong_letter_fails(scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    attempt = attempt_from_track(clip_of(held_out_pose(alphabet, "B"), ALPHABET_SIDE))
    right = scorer.score(ScoreRequest(attempt=attempt, target="ase/letra-b"))
    wrong = scorer.score(ScoreRequest(attempt=attempt, target="ase/letra-a"))
    print(f"B as B: {right.score}; B as A: {wrong.score}")
    assert right.passed
    assert right.score >= 80
    assert not wrong.passed
    assert wrong.score < wrong.pass_threshold
    assert right.nearest[0].gloss == "B"
    assert len(right.nearest) == 3
    assert [f.parameter for f in right.feedback] == ["handshape", "orientation", "location", "movement", "hand"]
    assert set(right.components) == {"handshape", "orientation", "location", "movement"}
    assert all(f.message_es and f.message_en for f in right.feedback)
    handshape = next(f for f in wrong.feedback if f.parameter == "handshape")
    assert handshape.status == "fix"


def test_left_handed_learner_mirrored_attempt_scores_the_same(
    scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]
) -> None:
    track = clip_of(held_out_pose(alphabet, "Y"), RIGHT)
    original = scorer.score(
        ScoreRequest(attempt=attempt_from_track(track), target="ase/letra-y", dominant_hand="right")
    )
    mirrored = scorer.score(
        ScoreRequest(attempt=attempt_from_track(track.mirrored()), target="ase/letra-y", dominant_hand="left")
    )
    assert abs(original.score - mirrored.score) <= 5
    assert mirrored.hand_used == "left"
    assert next(f for f in mirrored.feedback if f.parameter == "hand").status == "ok"


def test_motion_letter_needs_its_movement(scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    held_still = attempt_from_track(clip_of(held_out_pose(alphabet, "J"), ALPHABET_SIDE))
    result = scorer.score(ScoreRequest(attempt=held_still, target="ase/letra-j"))
    movement = next(f for f in result.feedback if f.parameter == "movement")
    assert result.components["movement"] < 75
    assert movement.status != "ok"
    assert "moves" in movement.message_en


def test_top_k_is_limited_to_the_candidates(scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    attempt = attempt_from_track(clip_of(held_out_pose(alphabet, "V"), LEFT))
    result = scorer.score(
        ScoreRequest(attempt=attempt, target="ase/letra-v", candidates=["ase/letra-a", "ase/letra-v", "ase/zz"])
    )
    assert {n.sign_key for n in result.nearest} == {"ase/letra-a", "ase/letra-v"}


def test_attempt_without_enough_hand_frames_is_refused(scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    track = clip_of(held_out_pose(alphabet, "B"), LEFT, frames=4)
    track.present[1:] = False
    with pytest.raises(ScoringError) as caught:
        scorer.score(ScoreRequest(attempt=attempt_from_track(track), target="ase/letra-b"))
    assert caught.value.code == "no_hands"
    assert "mano" in caught.value.reason_es


async def test_inference_port_runs_the_json_contract(scorer: Scorer, alphabet: tuple[np.ndarray, np.ndarray]) -> None:
    inference = LocalInference({MODEL_NAME: scorer})
    payload = ScoreRequest(
        attempt=attempt_from_track(clip_of(held_out_pose(alphabet, "C"), LEFT)), target="ase/letra-c"
    )
    answer = await inference.invoke(MODEL_NAME, payload.model_dump(mode="json"))
    parsed = ScoreResponse.model_validate(answer)  # the response is the documented contract, as JSON
    assert parsed.contract_version == 1
    assert parsed.target == "ase/letra-c"
    assert parsed.templates_revision == 1
    with pytest.raises(InvalidRequest):
        await inference.invoke(MODEL_NAME, {"target": "ase/letra-c", "attempt": {"frames": []}})
    with pytest.raises(InvalidRequest):
        await inference.invoke(MODEL_NAME, {**payload.model_dump(mode="json"), "target": "ase/unknown"})
    with pytest.raises(NotFound):
        await inference.invoke("no-such-model", {})


def test_features_need_a_hand() -> None:
    track = HandTrack.empty(15, 640, 480)
    with pytest.raises(ValueError, match="no hand"):
        features_from_hands(canonical_hands(track, "right"), track.aspect)
