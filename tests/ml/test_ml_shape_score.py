"""The practice scorer's prototype on the hand's own frame: a turned hand keeps its handshape score and is told
about its orientation; finger advice never names a finger that already matches."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from ml_media import ALPHABET, require

from senas.ml.datasets import ALPHABET_ASPECT, load_alphabet
from senas.ml.fingerspelling.training import block_split
from senas.ml.recognition.augment import Hands, rotate, turn
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handframe import FINGER_NAMES, JOINTS, SHAPE_DIMS, SHAPE_NAMES
from senas.ml.recognition.shape_score import (
    FINGER_TOLERANCE,
    FINGER_WORDS,
    ShapeScale,
    ShapeSequence,
    curve,
    finger_corrections,
    fit_scale,
    handshape_distances,
    score,
)

ASPECT = 640 / 480
POSES = poses_from_file(POSES_FILE)
LETTERS = sorted(POSES)
# A unit scale for tests that need none from the data: one tolerance is 0.2 of every feature's unit.
UNIT = ShapeScale(np.full(SHAPE_DIMS, 0.2), 1.0)


def _sequence(pose: np.ndarray, *, yaw: float = 0.0, frames: int = 10) -> ShapeSequence:
    hands = Hands.of(np.repeat(pose[None], frames, axis=0), ASPECT, True)
    if yaw:
        hands = turn(hands, yaw, 0.0, 0.0)
    return ShapeSequence.of(hands.points, ASPECT, True)


def test_a_turned_hand_keeps_its_handshape_and_is_told_to_turn() -> None:
    template = _sequence(POSES["B"])
    turned = _sequence(POSES["B"], yaw=np.radians(70))
    result = score(turned, template, UNIT)
    assert result.handshape == score(template, template, UNIT).handshape == 100.0
    shape_advice, orientation_advice = result.feedback
    assert shape_advice.parameter == "handshape"
    assert shape_advice.status == "ok"
    assert orientation_advice.parameter == "orientation"
    assert orientation_advice.status != "ok"
    assert orientation_advice.message_es == "Gira la palma hacia delante."
    assert orientation_advice.message_en == "Turn your palm to face forward."
    straight = score(template, template, UNIT).feedback[1]
    assert straight.status == "ok"


def test_the_right_letter_is_nearest_on_handshape_however_turned() -> None:
    templates = [_sequence(POSES[letter]) for letter in LETTERS]
    for letter in ("A", "B", "V", "Y"):
        turned = _sequence(POSES[letter], yaw=np.radians(50))
        distances = handshape_distances(turned, templates, UNIT)
        assert LETTERS[int(np.argmin(distances))] == letter


def _finger_columns(finger: str) -> list[int]:
    return [SHAPE_NAMES.index(f"flex_{finger}_{joint}") for joint in JOINTS[finger]]


@settings(max_examples=80, deadline=None)
@given(
    wrong=st.sampled_from(FINGER_NAMES[1:]),
    bend=st.booleans(),
    small=st.lists(st.floats(-0.95, 0.95), min_size=SHAPE_DIMS, max_size=SHAPE_DIMS),
)
def test_finger_advice_never_names_a_finger_within_tolerance(wrong: str, bend: bool, small: list[float]) -> None:
    tolerance = np.full(SHAPE_DIMS, 0.2)
    template = np.zeros(SHAPE_DIMS)
    # Every joint off by less than FINGER_TOLERANCE tolerances, but one finger's joint far off.
    attempt = template + np.asarray(small) * FINGER_TOLERANCE * tolerance
    column = _finger_columns(wrong)[1]
    attempt[column] = template[column] + (-1 if bend else 1) * 3 * FINGER_TOLERANCE * tolerance[column]
    corrections = finger_corrections(attempt, template, tolerance)
    assert len(corrections) == 1
    es, en = FINGER_WORDS[wrong]
    assert corrections[0].message_es == (f"Dobla {es}." if bend else f"Estira {es}.")
    assert corrections[0].message_en == (f"Bend {en}." if bend else f"Straighten {en}.")
    assert finger_corrections(template + np.asarray(small) * FINGER_TOLERANCE * tolerance, template, tolerance) == []


def test_scale_from_data_keeps_rotated_held_out_letters_scoring_as_unrotated() -> None:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    train, held = block_split(labels)
    hands = Hands.of(points, ALPHABET_ASPECT, True)
    rows = np.flatnonzero(train)[::6]
    scale = fit_scale(hands.take(rows), labels[rows], copies=1)
    assert 0.3 < scale.d50 < 5.0
    assert (scale.tolerance > 0).all()
    templates = [_sequence(POSES[letter]) for letter in LETTERS]
    sample = np.flatnonzero(held)[::40]
    turned = rotate(hands.take(sample), np.random.default_rng(0))
    for i, row in enumerate(sample):
        still = ShapeSequence.of(np.repeat(points[row][None], 4, axis=0), ALPHABET_ASPECT, True)
        moved = ShapeSequence.of(np.repeat(turned.points[i][None], 4, axis=0), ALPHABET_ASPECT, True)
        before = curve(handshape_distances(still, templates, scale), scale.d50)
        after = curve(handshape_distances(moved, templates, scale), scale.d50)
        np.testing.assert_allclose(after, before, atol=1e-6)
