"""A second look at photos where the first pass found no hand (real photos of other people, ``../shared``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from ml_media import HANDS, read_rgb, require

from senas.ml.landmarks.extractor import HandExtractor
from senas.ml.landmarks.retry import RetryingDetector


@pytest.fixture(scope="module")
def detector() -> Iterator[RetryingDetector]:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    from senas.ml.registry.hand_model import bundled_hand_model

    try:
        model = bundled_hand_model().read_bytes()
    except FileNotFoundError as exc:
        require(False, str(exc))
        raise
    extractor = HandExtractor(model)
    retry = RetryingDetector(extractor)
    yield retry
    retry.close()
    extractor.close()


def test_the_retry_finds_at_least_what_the_first_pass_finds(detector: RetryingDetector) -> None:
    photos = sorted((HANDS / "four").glob("*.jpg"))
    first = retried = 0
    for photo in photos:
        rgb = read_rgb(photo)
        first += int(detector.extractor.detect_image(rgb).present[0].any())
        retried += int(detector.detect_image(rgb).present[0].any())
    print(f"hands found on {len(photos)} 'four' photos: first pass {first}, with the retry {retried}")
    assert retried >= first


def test_landmarks_from_a_crop_land_where_the_whole_frame_puts_them(detector: RetryingDetector) -> None:
    rgb = read_rgb(HANDS / "four" / "four-02.jpg")
    whole = detector.extractor.detect_image(rgb)
    require(whole.present[0].any(), "no hand found on four-02.jpg by the first pass")
    slot = int(np.argmax(whole.scores[0]))
    hand = whole.points[0, slot]
    low, high = hand[:, :2].min(axis=0), hand[:, :2].max(axis=0)
    crop = (
        float(max(low[0] - 0.15, 0)),
        float(max(low[1] - 0.15, 0)),
        float(min(high[0] + 0.15, 1)),
        float(min(high[1] + 0.15, 1)),
    )
    found = detector._in_crop(detector._landmarker(), rgb, crop)
    assert found is not None
    mapped = found.points[0, int(np.argmax(found.scores[0]))]
    # Within ~2 % of the frame: the same hand, in the same place.
    assert np.abs(mapped[:, :2] - hand[:, :2]).max() < 0.03
