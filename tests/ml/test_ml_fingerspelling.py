"""The fingerspelling classifier: honest held-out accuracy, the artefact, and the endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
from ml_media import ALPHABET, HANDS, jpeg_bomb, png_bomb, require

from senas.ml.app import create_app
from senas.ml.bootstrap import MlRoot
from senas.ml.datasets import load_alphabet
from senas.ml.fingerspelling.classifier import LetterClassifier
from senas.ml.fingerspelling.training import block_split, train_from_csv
from senas.ml.runtime import MlRuntime
from senas.wiring import Platform

# The floor: the held-out block is the same signer's later frames, so accuracy is near 1 (99.8 % measured);
# 0.95 leaves room for seed and BLAS differences while still catching a broken normalisation or split (a
# mis-mirrored or unscaled hand drops it far below). It says nothing about other signers: see the photo test.
HELD_OUT_FLOOR = 0.95


def test_split_holds_out_the_last_block_of_each_letter() -> None:
    labels = np.array(list("AAAAABBBBBCCCCC"))
    train, held = block_split(labels, 0.4)
    assert "".join(labels[held]) == "AABBCC"
    assert list(np.flatnonzero(held)) == [3, 4, 8, 9, 13, 14]
    assert not (train & held).any()


def test_training_reaches_the_floor_on_the_held_out_blocks() -> None:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    report = train_from_csv(ALPHABET)
    metrics = report.metrics
    print(
        f"fingerspelling held-out accuracy {metrics['held_out_accuracy']:.4f} "
        f"(top-3 {metrics['held_out_top3_accuracy']:.4f}) on {metrics['held_out_rows']} rows; floor {HELD_OUT_FLOOR}"
    )
    assert metrics["held_out_accuracy"] >= HELD_OUT_FLOOR
    assert metrics["held_out_rows"] > 2000
    assert "contiguous" in metrics["split"]
    raw = report.classifier.to_bytes()
    assert len(raw) < 100_000
    again = LetterClassifier.from_bytes(raw)
    _labels, points = load_alphabet(ALPHABET)
    from senas.ml.fingerspelling.classifier import shape_features

    sample = shape_features(points[:50], np.ones(50, bool), 4 / 3)
    np.testing.assert_allclose(again.probabilities(sample), report.classifier.probabilities(sample), atol=1e-4)


@pytest.fixture
async def client(ml_platform: Platform, ml_root: MlRoot) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ml_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml") as http:
        yield http


async def test_recognise_from_landmarks(client: httpx.AsyncClient, mint_token: Any) -> None:
    labels, points = load_alphabet(ALPHABET)
    headers = {"Authorization": f"Bearer {mint_token('speller')}"}
    for letter in "AVY":
        pose = points[np.flatnonzero(labels == letter)[-1]]
        answer = await client.post(
            "/ml/fingerspelling/recognise", json={"landmarks": pose.tolist(), "handedness": "left"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["letter"] == letter
        assert 0 < body["confidence"] <= 1
        assert len(body["top3"]) == 3
        assert body["model_version"] == "1"


async def test_recognise_from_a_photo(client: httpx.AsyncClient, mint_token: Any) -> None:
    headers = {"Authorization": f"Bearer {mint_token('speller')}", "Content-Type": "image/jpeg"}
    answer = await client.post(
        "/ml/fingerspelling/recognise", content=(HANDS / "four" / "four-02.jpg").read_bytes(), headers=headers
    )
    assert answer.status_code == 200, answer.text
    # Four fingers up with the thumb folded is the ASL letter B: another person than the training signer.
    assert "B" in [guess["letter"] for guess in answer.json()["top3"]]


async def test_bad_recognition_requests(client: httpx.AsyncClient, mint_token: Any, runtime: MlRuntime) -> None:
    headers = {"Authorization": f"Bearer {mint_token('speller')}"}
    url = "/ml/fingerspelling/recognise"
    assert (await client.post(url, json={"landmarks": [[0, 0, 0]] * 21})).status_code == 401
    short = await client.post(url, json={"landmarks": [[0, 0, 0]] * 3}, headers=headers)
    assert short.status_code == 422
    assert "landmarks" in short.json()["detail"]
    text = await client.post(url, content=b"hello", headers={**headers, "Content-Type": "text/plain"})
    assert text.status_code == 415
    assert text.json()["error"] == "unsupported_media_type"
    empty = await client.post(url, content=b"", headers={**headers, "Content-Type": "image/png"})
    assert empty.status_code == 422
    assert empty.json()["error"] == "empty_image"
    garbage = await client.post(url, content=b"\x89PNG nonsense", headers={**headers, "Content-Type": "image/png"})
    assert garbage.status_code == 422
    assert garbage.json()["error"] == "unreadable_image"


@pytest.mark.parametrize(
    ("photo", "content_type"),
    [
        (lambda: png_bomb(20_000, 15_000), "image/png"),  # ~36 KB declaring 300 Mpx (1.8 GB decoded)
        (lambda: png_bomb(5_000, 4_000), "image/png"),  # 20 Mpx: over the budget, under Pillow's own ceiling
        (lambda: jpeg_bomb(30_000, 30_000), "image/jpeg"),
        (lambda: jpeg_bomb(9_000, 100), "image/jpeg"),  # too long a side
    ],
    ids=["png-300mpx", "png-20mpx", "jpeg-900mpx", "jpeg-wide"],
)
async def test_a_photo_over_the_pixel_budget_is_refused_before_decoding(
    client: httpx.AsyncClient, mint_token: Any, photo: Any, content_type: str
) -> None:
    headers = {"Authorization": f"Bearer {mint_token('speller')}", "Content-Type": content_type}
    response = await client.post("/ml/fingerspelling/recognise", content=photo(), headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "image_too_large"
    assert "Mpx" in response.json()["detail"]  # refused from the header: nothing was decoded


async def test_landmarks_far_outside_the_frame_are_refused_not_a_500(
    client: httpx.AsyncClient, mint_token: Any
) -> None:
    """Found by the fuzzing gate: huge coordinates overflowed the normalisation into NaN confidences (a 500)."""
    headers = {"Authorization": f"Bearer {mint_token('speller')}"}
    extreme = [[1e308, -1e308, 1e308]] * 21
    spelled = await client.post("/ml/fingerspelling/recognise", json={"landmarks": extreme}, headers=headers)
    assert spelled.status_code == 422
    assert "landmarks" in spelled.json()["detail"]
    edge = [[10.0, -10.0, 10.0]] * 21  # the largest coordinates accepted still get an answer, not a 500
    answered = await client.post("/ml/fingerspelling/recognise", json={"landmarks": edge}, headers=headers)
    assert answered.status_code == 200, answered.text
    assert 0.0 <= answered.json()["confidence"] <= 1.0
