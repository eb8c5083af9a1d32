"""The hand's own frame: the handshape descriptor ignores how the hand is turned, how big it is, where it is, which
hand it is and (nearly) how long its bones are; orientation is named in words a signer uses.

The hands are the project's own letter poses (``senas/demo/alphabet_poses.json``, derived from the CC0 data), so
these tests need nothing from ``../shared``; the one that re-measures the bone ratios does, and skips without it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ml_media import ALPHABET, require

from senas.ml.datasets import ALPHABET_ASPECT, load_alphabet
from senas.ml.recognition.augment import Hands, mirror, reshape_bones, turn
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handframe import (
    BONE_RATIOS,
    FLEXION,
    SHAPE_DIMS,
    SHAPE_NAMES,
    SPREAD,
    bone_ratios,
    camera_points,
    describe,
    orientation_changes,
    orientation_descriptor,
    palm_frame,
)

ASPECT = 640 / 480
POSES = poses_from_file(POSES_FILE)
LETTERS = sorted(POSES)


def _letter(letter: str) -> Hands:
    return Hands.of(POSES[letter][None], ASPECT, True)


def _turned(hands: Hands, yaw: float, pitch: float, roll: float) -> Hands:
    return turn(hands, yaw, pitch, roll)


def test_descriptor_has_its_documented_columns() -> None:
    shape, facing, has_depth = describe(POSES["A"][None], ASPECT, True)
    assert shape.shape == (1, SHAPE_DIMS) == (1, len(SHAPE_NAMES))
    assert facing.shape == (1, 6)
    assert has_depth.tolist() == [True]
    np.testing.assert_allclose(np.linalg.norm(facing[0, :3]), 1.0)
    np.testing.assert_allclose(np.linalg.norm(facing[0, 3:]), 1.0)


@settings(max_examples=60, deadline=None)
@given(
    letter=st.sampled_from(LETTERS),
    yaw=st.floats(-np.pi, np.pi),
    pitch=st.floats(-np.pi / 2, np.pi / 2),
    roll=st.floats(-np.pi, np.pi),
    size=st.floats(0.3, 3.0),
    shift=st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)),
)
def test_shape_ignores_turn_size_and_place(
    letter: str, yaw: float, pitch: float, roll: float, size: float, shift: tuple[float, float]
) -> None:
    hand = _letter(letter)
    changed = _turned(hand, yaw, pitch, roll)
    points = changed.points.copy()
    wrist = points[:, :1].copy()
    points = (points - wrist) * size + wrist + np.array([shift[0], shift[1], 0.0])
    before, _, _ = describe(hand.points, ASPECT, True)
    after, _, _ = describe(points, ASPECT, True)
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_a_left_hand_is_described_as_the_same_right_hand() -> None:
    hand = Hands.of(np.stack([POSES[letter] for letter in LETTERS]), ASPECT, True)
    other = mirror(hand, np.random.default_rng(0))
    assert (other.left != hand.left).all()
    shape, facing, _ = describe(hand.points, hand.aspect, hand.left)
    shape_m, facing_m, _ = describe(other.points, other.aspect, other.left)
    np.testing.assert_allclose(shape_m, shape, atol=1e-9)
    np.testing.assert_allclose(facing_m, facing, atol=1e-9)


def test_joint_angles_ignore_bone_lengths() -> None:
    """Every phalanx ±18 % and the palm ±15 % wide: the bends stay (the knuckles move, so the MCP angle, measured
    against the metacarpal, moves a little), the spread is unchanged."""
    hand = Hands.of(np.repeat(np.stack([POSES[letter] for letter in LETTERS]), 4, axis=0), ASPECT, True)
    changed = reshape_bones(hand, np.random.default_rng(3))
    lengths_before = np.linalg.norm(np.diff(camera_points(hand.points, hand.aspect, True)[:, 5:9], axis=1), axis=2)
    lengths_after = np.linalg.norm(np.diff(camera_points(changed.points, hand.aspect, True)[:, 5:9], axis=1), axis=2)
    assert np.abs(lengths_after / lengths_before - 1).max() > 0.1  # the bones did change
    before, _, _ = describe(hand.points, hand.aspect, hand.left)
    after, _, _ = describe(changed.points, changed.aspect, changed.left)
    assert np.abs(after[:, FLEXION] - before[:, FLEXION]).max() < np.radians(8)
    assert np.median(np.abs(after[:, FLEXION] - before[:, FLEXION])) < np.radians(1)
    np.testing.assert_allclose(after[:, SPREAD], before[:, SPREAD], atol=1e-6)


def test_letters_stay_apart_where_they_should() -> None:
    """Sanity of the meaning of the columns on the letters' poses."""
    shape, _, _ = describe(np.stack([POSES[letter] for letter in LETTERS]), ASPECT, True)
    column = {name: i for i, name in enumerate(SHAPE_NAMES)}
    row = {letter: shape[i] for i, letter in enumerate(LETTERS)}
    # Curled index in A and S, straight in B.
    assert row["A"][column["flex_index_pip"]] > 1.2 > 0.4 > row["B"][column["flex_index_pip"]]
    # V spreads index and middle, U keeps them together, R crosses them.
    assert row["V"][column["spread_index_middle"]] > row["U"][column["spread_index_middle"]]
    assert row["R"][column["spread_index_middle"]] < row["U"][column["spread_index_middle"]]
    # The thumb: beside the index in A, across the fingers in S, out to the side in Y, on the index tip in F.
    assert row["A"][column["thumb_radial"]] > row["S"][column["thumb_radial"]]
    assert row["Y"][column["thumb_radial"]] > 0.6
    assert row["F"][column["thumb_to_index_tip"]] < row["B"][column["thumb_to_index_tip"]]


def test_a_hand_without_depth_is_lifted_and_flagged() -> None:
    flat = np.stack([POSES["A"], POSES["B"]]).copy()
    flat[..., 2] = 0.0
    shape, facing, has_depth = describe(flat, ASPECT, True)
    assert has_depth.tolist() == [False, False]
    assert np.isfinite(shape).all()
    # The palm of a flat hand is taken to face the camera, whichever side was claimed.
    np.testing.assert_allclose(facing[:, 2], -1.0, atol=1e-9)
    again, _, _ = describe(flat, ASPECT, False)
    np.testing.assert_allclose(again, shape, atol=1e-9)
    column = SHAPE_NAMES.index("flex_middle_pip")
    # Folded fingers (A) get their bend back from the bone-length prior; straight ones (B) stay nearly straight.
    assert shape[0, column] > np.radians(45) > np.radians(20) > shape[1, column]


def test_bone_ratios_are_those_of_the_data() -> None:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    _, points = load_alphabet(ALPHABET)
    measured = bone_ratios(camera_points(points, ALPHABET_ASPECT, True))
    np.testing.assert_allclose(measured, np.array(BONE_RATIOS), atol=0.002)


def _facing(letter: str, yaw: float = 0.0, pitch: float = 0.0, left: bool = True) -> np.ndarray:
    hand = _turned(_letter(letter), yaw, pitch, 0.0)
    frame = palm_frame(camera_points(hand.points, hand.aspect, left))
    facing: np.ndarray = orientation_descriptor(frame)[0]
    return facing


def test_orientation_names_the_turn_in_words() -> None:
    template = _facing("B")
    # Palm turned 90° to the side: the palm is to be turned back to the front.
    sideways = _facing("B", yaw=np.radians(90))
    changes = orientation_changes(sideways, template, left=False, tolerance_degrees=30)
    assert changes[0].part == "palm"
    assert changes[0].direction == "forward"
    assert changes[0].message() == ("Gira la palma hacia delante.", "Turn your palm to face forward.")
    # Fingers pointing down instead of up.
    down = _facing("B", pitch=np.radians(180))
    messages = [c.message() for c in orientation_changes(down, template, left=False, tolerance_degrees=30)]
    assert ("Apunta los dedos hacia arriba.", "Point your fingers up.") in messages
    # Within tolerance: nothing to say.
    assert orientation_changes(_facing("B", yaw=np.radians(10)), template, False, 30) == []


def test_left_and_right_are_the_learners_own() -> None:
    """The same right-hand-form difference names opposite sides for a left and a right hand."""
    template = np.array([1.0, 0.0, 0.0, 0.0, -1.0, 0.0])  # palm towards image +x, fingers up
    attempt = np.array([0.0, 0.0, -1.0, 0.0, -1.0, 0.0])  # palm to the camera
    right = orientation_changes(attempt, template, left=False, tolerance_degrees=30)[0]
    left = orientation_changes(attempt, template, left=True, tolerance_degrees=30)[0]
    assert {right.direction, left.direction} == {"left", "right"}


@pytest.mark.parametrize("letter", ["A", "B", "Y"])
def test_descriptor_is_finite_for_degenerate_hands(letter: str) -> None:
    collapsed = np.repeat(POSES[letter][:1], 21, axis=0)[None]  # every point on the wrist
    shape, facing, _ = describe(collapsed, ASPECT, True)
    assert np.isfinite(shape).all()
    assert np.isfinite(facing).all()
