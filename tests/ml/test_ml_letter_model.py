"""The fingerspelling classifier on the hand's own frame: calibration, "not sure", determinism, the artefact.

Calibration and the not-sure rule are checked on synthetic numbers and on the packaged classifier (no data needed);
training and the held-out block need the alphabet data (``../shared``) and skip without it.
"""

from __future__ import annotations

import numpy as np
import pytest
from ml_media import ALPHABET, require

from senas.ml.datasets import ALPHABET_ASPECT, load_alphabet
from senas.ml.fingerspelling.model import (
    HandshapeClassifier,
    expected_calibration_error,
    fit_temperature,
    softmax,
    three_blocks,
    train_classifier,
)
from senas.ml.npz import npz_bytes
from senas.ml.recognition.augment import Hands
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handframe import INDEX

HELD_OUT_FLOOR = 0.95


def _overconfident(seed: int, true_temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is ``true_temperature`` times too sharp, and labels drawn from the true probabilities."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, (6000, 10))
    truth = softmax(logits / true_temperature)
    labels = np.array([rng.choice(10, p=row) for row in truth])
    return logits, labels


def test_temperature_scaling_recovers_the_temperature_and_lowers_the_error() -> None:
    logits, labels = _overconfident(0, 2.5)
    temperature = fit_temperature(logits, labels)
    assert temperature == pytest.approx(2.5, rel=0.1)
    before = expected_calibration_error(softmax(logits), labels)
    after = expected_calibration_error(softmax(logits / temperature), labels)
    assert before > 0.1
    assert after < 0.03


def test_a_calibrated_model_keeps_a_temperature_near_one() -> None:
    logits, labels = _overconfident(1, 1.0)
    assert fit_temperature(logits, labels) == pytest.approx(1.0, rel=0.1)


def test_blocks_are_contiguous_and_disjoint() -> None:
    labels = np.array(list("A" * 10 + "B" * 10))
    fit, calibration, held = three_blocks(labels)
    assert "".join(np.where(fit, "f", np.where(calibration, "c", "h"))) == "fffffffchh" * 2
    assert not (fit & calibration).any()
    assert not (fit & held).any()
    assert not (calibration & held).any()


@pytest.fixture(scope="module")
def alphabet() -> tuple[np.ndarray, Hands]:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    return labels, Hands.of(points, ALPHABET_ASPECT, True)


@pytest.fixture(scope="module")
def model() -> HandshapeClassifier:
    """The classifier that ships (trained on the fit block only: the held-out block is unseen by it)."""
    from senas.ml.artefacts import FINGERSPELLING, packaged_bytes

    return HandshapeClassifier.from_bytes(packaged_bytes(FINGERSPELLING))


def test_training_is_deterministic_given_a_seed(alphabet: tuple[np.ndarray, Hands]) -> None:
    labels, hands = alphabet
    small = {"copies": 1, "epochs": 2}
    first = train_classifier(hands, labels, seed=3, **small).to_bytes()
    assert train_classifier(hands, labels, seed=3, **small).to_bytes() == first
    assert train_classifier(hands, labels, seed=4, **small).to_bytes() != first


def test_held_out_blocks_reach_the_floor(model: HandshapeClassifier, alphabet: tuple[np.ndarray, Hands]) -> None:
    labels, hands = alphabet
    *_, held = three_blocks(labels)
    answers = model.answers(hands.take(held))
    top1 = np.array([a.top3[0][0] for a in answers])
    assert (top1 == labels[held]).mean() >= HELD_OUT_FLOOR
    sure = np.array([a.sure for a in answers])
    assert sure.mean() > 0.95
    assert 0.5 < model.temperature < 5.0


def test_artefact_round_trip_and_versioning(model: HandshapeClassifier) -> None:
    raw = model.to_bytes()
    assert len(raw) < 100_000
    again = HandshapeClassifier.from_bytes(raw)
    assert again.to_bytes() == raw
    poses = poses_from_file(POSES_FILE)
    sample = Hands.of(np.stack([poses[letter] for letter in sorted(poses)]), 640 / 480, True)
    np.testing.assert_allclose(
        again.probabilities(again.features(sample)), model.probabilities(model.features(sample)), atol=1e-4
    )
    assert again.temperature == pytest.approx(model.temperature)
    # The retired format 1 (the classifier on canonical coordinates: weights and labels, no kind) is refused with
    # a way out, never loaded as if it were this one.
    old = npz_bytes({"format": np.array(1), "labels": model.labels.astype("U8"), "w1": model.w1.astype(np.float32)})
    with pytest.raises(ValueError, match=r"not a handframe.*install-models"):
        HandshapeClassifier.from_bytes(old)
    with pytest.raises(ValueError, match="not a readable"):
        HandshapeClassifier.from_bytes(b"garbage")


def test_not_sure_below_the_threshold_with_the_top_three(model: HandshapeClassifier) -> None:
    poses = poses_from_file(POSES_FILE)
    sample = Hands.of(np.stack([poses[letter] for letter in sorted(poses)]), 640 / 480, True)
    strict = HandshapeClassifier.from_bytes(model.to_bytes())
    strict.not_sure_below = 1.01  # no probability reaches it
    for answer in strict.answers(sample):
        assert answer.letter is None
        assert not answer.sure
        assert len(answer.top3) == 3
        assert answer.top3[0][1] >= answer.top3[1][1] >= answer.top3[2][1]


def test_a_hand_that_is_no_letter_is_not_sure(model: HandshapeClassifier) -> None:
    """ "Rock" (index and little finger up): made from the letter poses, the I hand with D's raised index."""
    poses = poses_from_file(POSES_FILE)
    rock = poses["I"].copy()
    index = list(INDEX)
    rock[index] = poses["D"][index] - poses["D"][index[0]] + poses["I"][index[0]]
    for pose in (poses["I"], poses["D"]):  # the two letters it is made of are recognised
        answer = model.answers(Hands.of(pose[None], 640 / 480, True))[0]
        assert answer.sure
    answer = model.answers(Hands.of(rock[None], 640 / 480, True))[0]
    assert not answer.sure
    assert answer.atypical
    assert {letter for letter, _ in answer.top3} & {"I", "D"}
