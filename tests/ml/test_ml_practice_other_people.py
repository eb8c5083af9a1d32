"""Issue 13's done criteria on the real scorer with the shipped metric and thresholds: practice attempts of held-out
letters turned in 3-D, and of the fixture photos of other people, keep a handshape score at or above the sign's
threshold; a turned hand is told how to turn, and nothing about its fingers."""

from __future__ import annotations

import numpy as np
import pytest
from ml_media import ALPHABET, HANDS, letter_hand, read_rgb, require

from senas.demo.derive import load_poses
from senas.ml.datasets import ALPHABET_ASPECT, load_alphabet
from senas.ml.fingerspelling.model import three_blocks
from senas.ml.landmarks.sequence import LEFT
from senas.ml.recognition import demo
from senas.ml.recognition.augment import Hands, rotate, turn
from senas.ml.recognition.scorer import Scorer, passes
from senas.ml.recognition.scoring_api import ScoreRequest, ScoreResponse


@pytest.fixture(scope="module")
def letters() -> tuple[Scorer, list[str]]:
    return demo.alphabet_scorer(load_poses(), thresholds=demo.thresholds_from_file(demo.POSES_FILE))


def attempt(scorer: Scorer, letter: str, hand: np.ndarray, left: bool, aspect: float, seed: int = 0) -> ScoreResponse:
    made, dominant = demo.alphabet_attempt(letter, hand, seed, left=left, aspect=aspect)
    return scorer.score(ScoreRequest(attempt=made, target=f"ase/{letter.lower()}", dominant_hand=dominant))


def by_parameter(response: ScoreResponse) -> dict[str, object]:
    return {f.parameter: f for f in response.feedback}


@pytest.mark.parametrize("letter", ["A", "B", "L", "V", "Y", "W"])
def test_a_turned_hand_keeps_its_handshape_and_is_told_how_to_turn(
    letters: tuple[Scorer, list[str]], letter: str
) -> None:
    """Another person's letter (no dataset needed), straight and turned 60° about the vertical: the handshape
    score barely moves and stays at the threshold; the orientation feedback says what to turn."""
    scorer, _ = letters
    hand = letter_hand(letter, seed=11)
    straight = attempt(scorer, letter, hand, True, 640 / 480)
    turned_hand = turn(Hands.of(hand[None], 640 / 480, True), np.radians(60), 0.0, 0.0).points[0]
    turned = attempt(scorer, letter, turned_hand, True, 640 / 480)
    # The turn costs the handshape (almost) nothing — whether that reaches the sign's threshold is this imitated
    # person's handshape, measured over many in the tests below.
    assert abs(turned.components["handshape"] - straight.components["handshape"]) <= 3.0
    assert by_parameter(turned)["handshape"].status == by_parameter(straight)["handshape"].status  # type: ignore[attr-defined]
    assert by_parameter(straight)["orientation"].status == "ok"  # type: ignore[attr-defined]
    orientation = by_parameter(turned)["orientation"]
    assert orientation.status != "ok"  # type: ignore[attr-defined]
    assert orientation.message_en.startswith(("Turn your palm", "Point your fingers"))  # type: ignore[attr-defined]
    assert orientation.message_es.startswith(("Gira la palma", "Apunta los dedos"))  # type: ignore[attr-defined]
    if by_parameter(turned)["handshape"].status != "ok":  # type: ignore[attr-defined]
        # Advice about a finger, the thumb or the spread — never about the turn, which orientation names.
        assert "Gira" not in by_parameter(turned)["handshape"].message_es  # type: ignore[attr-defined]
    assert turned.components["orientation"] < straight.components["orientation"] - 30


@pytest.mark.slow
def test_held_out_letters_turned_in_3d_keep_their_handshape_at_the_threshold(
    letters: tuple[Scorer, list[str]],
) -> None:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    scorer, _ = letters
    labels, points = load_alphabet(ALPHABET)
    *_, held = three_blocks(labels)
    rows = np.flatnonzero(held)[::10]
    turned = rotate(Hands.of(points[rows], ALPHABET_ASPECT, True), np.random.default_rng(3))
    kept = []
    for i, row in enumerate(rows):
        response = attempt(scorer, str(labels[row]), turned.points[i], True, ALPHABET_ASPECT, seed=i)
        kept.append(response.components["handshape"] >= response.pass_threshold)
    print(f"turned held-out letters with handshape ≥ threshold: {np.mean(kept):.3f} of {len(kept)}")
    assert np.mean(kept) >= 0.97  # measured 0.992 (senas ml evaluate, every 4th row)


@pytest.mark.slow
def test_photos_of_other_people_four_keeps_b_and_rock_passes_nothing(letters: tuple[Scorer, list[str]]) -> None:
    """The fixture photos, hands found with the retry: a `four` hand's handshape reaches B's threshold and it
    passes B and nothing else; a `rock` hand passes no letter. One photo of each may miss (four-10: a hand a few
    pixels wide; rock-10 passes X and D)."""
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    from senas.ml.landmarks.extractor import HandExtractor
    from senas.ml.landmarks.retry import RetryingDetector
    from senas.ml.registry.hand_model import bundled_hand_model

    scorer, keys = letters
    extractor = HandExtractor(bundled_hand_model().read_bytes())
    retry = RetryingDetector(extractor)
    four_ok, rock_ok = 0, 0
    try:
        for kind in ("four", "rock"):
            for photo in sorted((HANDS / kind).glob("*.jpg")):
                track = retry.detect_image(read_rgb(photo))
                if not track.present[0].any():
                    continue
                slot = int(np.argmax(track.scores[0] * track.present[0]))
                hand, left = track.points[0, slot].astype(np.float64), bool(track.handedness[0, slot] == LEFT)
                made, dominant = demo.alphabet_attempt("B", hand, 0, left=left, aspect=track.aspect)
                passed = []
                for chunk in (keys[:13], keys[13:]):
                    response = scorer.score(
                        ScoreRequest(
                            attempt=made, target=chunk[0], candidates=chunk, top_k=len(chunk), dominant_hand=dominant
                        )
                    )
                    for neighbour in response.nearest:
                        entry = scorer.bank.entries[scorer.bank.by_key[neighbour.sign_key]]
                        if passes(neighbour.score, neighbour.handshape or 0.0, entry.pass_threshold):
                            passed.append(entry.gloss)
                if kind == "four":
                    b = scorer.score(ScoreRequest(attempt=made, target="ase/b", dominant_hand=dominant))
                    four_ok += b.components["handshape"] >= b.pass_threshold and b.passed and passed == ["B"]
                else:
                    rock_ok += not passed
    finally:
        retry.close()
        extractor.close()
    print(f"four passing B alone: {four_ok}/10; rock passing nothing: {rock_ok}/10")
    assert four_ok >= 9
    assert rock_ok >= 9
