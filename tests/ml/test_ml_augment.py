"""Augmentation imitating other people and cameras: deterministic given a seed, each change does what it says."""

from __future__ import annotations

import numpy as np
import pytest

from senas.ml.recognition.augment import (
    TRANSFORMS,
    Hands,
    Ranges,
    drop_depth,
    mirror,
    other_people,
    rotate,
)
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handframe import camera_points, orientation_descriptor, palm_frame

POSES = poses_from_file(POSES_FILE)
HANDS = Hands.of(np.stack([POSES[letter] for letter in sorted(POSES)]), 640 / 480, True)


@pytest.mark.parametrize("name", [*TRANSFORMS, "other_people"])
def test_the_same_seed_gives_the_same_hands(name: str) -> None:
    transform = other_people if name == "other_people" else TRANSFORMS[name]
    first = transform(HANDS, np.random.default_rng(5), Ranges())
    again = transform(HANDS, np.random.default_rng(5), Ranges())
    other = transform(HANDS, np.random.default_rng(6), Ranges())
    np.testing.assert_array_equal(first.points, again.points)
    np.testing.assert_array_equal(first.left, again.left)
    assert not np.array_equal(first.points, HANDS.points)
    if name not in ("mirroring", "depth_dropout"):  # every hand is changed alike whatever the seed
        assert not np.array_equal(first.points, other.points)


def test_rotation_is_rigid_and_within_the_wrist_range() -> None:
    ranges = Ranges(yaw_pitch_degrees=40, roll_degrees=30)
    turned = rotate(HANDS, np.random.default_rng(1), ranges)
    before = camera_points(HANDS.points, HANDS.aspect, HANDS.left)
    after = camera_points(turned.points, turned.aspect, turned.left)
    pairs = np.linalg.norm(before[:, :, None] - before[:, None], axis=-1)
    pairs_after = np.linalg.norm(after[:, :, None] - after[:, None], axis=-1)
    np.testing.assert_allclose(pairs_after, pairs, atol=1e-9)
    np.testing.assert_allclose(turned.points[:, 0], HANDS.points[:, 0], atol=1e-12)  # about the wrist
    palm = orientation_descriptor(palm_frame(before))[:, :3]
    palm_after = orientation_descriptor(palm_frame(after))[:, :3]
    degrees = np.degrees(np.arccos(np.clip(np.sum(palm * palm_after, axis=1), -1, 1)))
    assert degrees.max() <= 40 * np.sqrt(2) + 30 + 1e-6
    assert degrees.max() > 10


def test_mirroring_twice_is_the_identity() -> None:
    rng = np.random.default_rng(0)
    twice = mirror(mirror(HANDS, rng), rng)
    np.testing.assert_allclose(twice.points, HANDS.points)
    np.testing.assert_array_equal(twice.left, HANDS.left)


def test_depth_dropout_removes_depth_for_its_share() -> None:
    many = Hands.of(np.repeat(HANDS.points, 20, axis=0), 640 / 480, True)
    dropped = drop_depth(many, np.random.default_rng(2), Ranges(depth_dropout=0.3))
    flat = np.all(dropped.points[..., 2] == 0.0, axis=1)
    assert 0.2 < flat.mean() < 0.4
    np.testing.assert_array_equal(dropped.points[~flat], many.points[~flat])
