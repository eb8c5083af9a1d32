"""Which hand sent landmarks show: the label is checked against the hand's 3-D shape, a clearly mirrored one
overruled, a missing one decided — and said so (``recognition.handedness``). No dataset needed: the packaged poses
(the alphabet signer's left hand) made by imitated other people."""

from __future__ import annotations

import numpy as np
import pytest
from ml_media import letter_hand

from senas.ml.recognition.handedness import DECIDE_DEGREES, OVERRULE_DEGREES, Side, check_handedness
from senas.ml.recognition.handframe import right_hand_evidence

ASPECT = 640 / 480


def frames_of(letter: str, count: int = 8, seed: int = 0, mirror: bool = False) -> np.ndarray:
    hand = letter_hand(letter, seed)
    if mirror:
        hand = hand.copy()
        hand[:, 0] = 1.0 - hand[:, 0]
    rng = np.random.default_rng(seed)
    return np.repeat(hand[None], count, axis=0) + rng.normal(0.0, 0.002, (count, 21, 3))


@pytest.mark.parametrize("letter", ["A", "E", "S", "V", "Y", "D", "L"])
def test_the_shape_tells_a_left_hand_from_a_right_one(letter: str) -> None:
    left = right_hand_evidence(frames_of(letter), ASPECT)
    right = right_hand_evidence(frames_of(letter, mirror=True), ASPECT)
    assert np.median(left) <= -OVERRULE_DEGREES  # the signer's left hand
    assert np.median(right) >= OVERRULE_DEGREES  # its mirror image: a right hand


def test_a_flat_open_hand_a_hand_without_depth_or_no_hand_tells_nothing() -> None:
    b = right_hand_evidence(frames_of("B"), ASPECT)
    assert abs(float(np.median(b))) < OVERRULE_DEGREES
    flat = frames_of("A")
    flat[..., 2] = 0.0
    assert (right_hand_evidence(flat, ASPECT) == 0.0).all()
    assert (right_hand_evidence(np.zeros((2, 21, 3)), ASPECT) == 0.0).all()


def test_a_label_that_agrees_is_used_as_sent() -> None:
    sides, check = check_handedness(frames_of("A"), ASPECT, ["left"] * 8, "right")
    assert sides == ["left"] * 8
    assert (check.used, check.sent, check.decided_by) == ("left", "left", "label")
    assert check.evidence_degrees <= -OVERRULE_DEGREES


def test_a_mirrored_label_is_overruled_and_said() -> None:
    sides, check = check_handedness(frames_of("E"), ASPECT, ["right"] * 8, "right")
    assert sides == ["left"] * 8
    assert (check.used, check.sent, check.decided_by) == ("left", "right", "geometry")
    assert "espejo" in check.message_es
    assert "mirrored" in check.message_en
    # The same for the mirror image sent as a left hand.
    sides, check = check_handedness(frames_of("E", mirror=True), ASPECT, ["left"] * 8, "left")
    assert (sides[0], check.used, check.decided_by) == ("right", "right", "geometry")


def test_a_missing_label_is_decided_by_the_shape_or_else_the_default() -> None:
    sides, check = check_handedness(frames_of("Y"), ASPECT, [None] * 8, "right")
    assert sides == ["left"] * 8
    assert (check.sent, check.decided_by) == (None, "geometry")
    flat = frames_of("Y")
    flat[..., 2] = 0.0  # no depth: the shape cannot tell
    sides, check = check_handedness(flat, ASPECT, [None] * 8, "right")
    assert sides == ["right"] * 8
    assert check.decided_by == "default"
    assert "right hand" in check.message_en


def test_a_label_the_shape_cannot_judge_is_trusted() -> None:
    """A flat open hand sent with either label: kept as sent (nothing clear enough to overrule it)."""
    for sent in ("left", "right"):
        sides, check = check_handedness(frames_of("B"), ASPECT, [sent] * 8, "right")
        if abs(check.evidence_degrees) < OVERRULE_DEGREES:
            assert sides == [sent] * 8
            assert check.decided_by == "label"


def test_frames_with_and_without_a_label_are_each_decided() -> None:
    sent: list[Side | None] = ["left", None, "left", None, "left", None, "left", None]
    sides, check = check_handedness(frames_of("A"), ASPECT, sent, "right")
    assert sides == ["left"] * 8
    assert check.decided_by == "label"
    assert DECIDE_DEGREES < OVERRULE_DEGREES
