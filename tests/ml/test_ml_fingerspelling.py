"""``POST /ml/fingerspelling/recognise`` on the packaged classifier: calibrated confidence, "not sure" with the top
three, a second look at photos, the handedness checked, bad input refused — and the answer documented."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
from ml_media import ALPHABET, HANDS, jpeg_bomb, letter_hand, png_bomb, require

from senas.ml.app import create_app
from senas.ml.bootstrap import MlRoot
from senas.ml.datasets import load_alphabet
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handframe import INDEX
from senas.wiring import Platform

URL = "/ml/fingerspelling/recognise"


@pytest.fixture
async def client(ml_platform: Platform, ml_root: MlRoot) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ml_root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ml") as http:
        yield http


def _headers(mint_token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('speller')}"}


async def test_recognise_from_landmarks(client: httpx.AsyncClient, mint_token: Any) -> None:
    """Another person's A, V and Y (no dataset needed): the letter, sure, with a calibrated confidence."""
    for seed, letter in enumerate("AVY"):
        body = {"landmarks": letter_hand(letter, seed).tolist(), "handedness": "left"}
        answer = await client.post(URL, json=body, headers=_headers(mint_token))
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert (found["letter"], found["answer"], found["sure"]) == (letter, letter, True)
        assert found["not_sure_reason"] is None
        assert 0.5 <= found["confidence"] <= 1
        assert found["top3"][0]["letter"] == letter
        assert found["top3"][0]["confidence"] >= found["top3"][1]["confidence"] >= found["top3"][2]["confidence"]
        assert found["message_en"] == f"That is “{letter}”."
        assert found["model_version"] == "1"
        assert found["handedness"]["decided_by"] == "label"
        assert found["hand"] == "left"


async def test_held_out_rows_of_the_data_are_recognised(client: httpx.AsyncClient, mint_token: Any) -> None:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    for letter in "AVY":
        pose = points[np.flatnonzero(labels == letter)[-1]]  # the last row: held out of training
        answer = await client.post(
            URL, json={"landmarks": pose.tolist(), "handedness": "left"}, headers=_headers(mint_token)
        )
        assert answer.json()["answer"] == letter


async def test_a_hand_that_is_no_letter_is_not_sure(client: httpx.AsyncClient, mint_token: Any) -> None:
    """ "Rock" (index and little finger up), made from the packaged I and D poses: "no estoy seguro", with the top
    three, never a confident letter."""
    poses = poses_from_file(POSES_FILE)
    rock = poses["I"].copy()
    rock[list(INDEX)] = poses["D"][list(INDEX)] - poses["D"][INDEX[0]] + poses["I"][INDEX[0]]
    answer = await client.post(
        URL, json={"landmarks": rock.tolist(), "handedness": "left"}, headers=_headers(mint_token)
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert not found["sure"]
    assert found["answer"] is None
    assert found["not_sure_reason"] == "unlike_any_letter"
    assert found["message_es"].startswith("No estoy seguro")
    assert found["message_en"].startswith("Not sure")
    assert len(found["top3"]) == 3
    assert found["letter"] == found["top3"][0]["letter"]  # the old field keeps its meaning: the best guess


async def test_handedness_is_checked_against_the_hand(client: httpx.AsyncClient, mint_token: Any) -> None:
    """The same left hand sent as "left", as "right" (a mirrored label) and without a label: the same letter, and
    the answer says which hand it took and why."""
    hand = letter_hand("A", 3).tolist()
    answers = {}
    for sent in ("left", "right", None):
        body: dict[str, Any] = {"landmarks": hand} | ({"handedness": sent} if sent else {})
        answers[sent] = (await client.post(URL, json=body, headers=_headers(mint_token))).json()
    assert answers["left"]["handedness"]["decided_by"] == "label"
    assert answers["right"]["handedness"]["decided_by"] == "geometry"
    assert answers["right"]["handedness"]["sent"] == "right"
    assert answers[None]["handedness"]["decided_by"] == "geometry"
    assert {a["hand"] for a in answers.values()} == {"left"}
    assert {a["answer"] for a in answers.values()} == {"A"}


async def test_recognise_from_a_photo(client: httpx.AsyncClient, mint_token: Any) -> None:
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    headers = {**_headers(mint_token), "Content-Type": "image/jpeg"}
    answer = await client.post(URL, content=(HANDS / "four" / "four-02.jpg").read_bytes(), headers=headers)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # Four fingers up with the thumb folded is the ASL letter B: another person than the training signer.
    assert found["answer"] == "B"
    assert found["hand_found_by"] == "first pass"
    assert found["handedness"] is None


async def test_a_photo_whose_hand_the_first_look_misses_is_looked_at_again(
    client: httpx.AsyncClient, mint_token: Any
) -> None:
    """four-03: no hand at MediaPipe's default threshold; the retry finds it (and its letter is B)."""
    require(HANDS.is_dir(), f"the fixture photos are not at {HANDS}")
    headers = {**_headers(mint_token), "Content-Type": "image/jpeg"}
    answer = await client.post(URL, content=(HANDS / "four" / "four-03.jpg").read_bytes(), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["hand_found_by"] != "first pass"
    assert "B" in [g["letter"] for g in answer.json()["top3"]]


async def test_bad_recognition_requests(client: httpx.AsyncClient, mint_token: Any) -> None:
    headers = _headers(mint_token)
    assert (await client.post(URL, json={"landmarks": [[0, 0, 0]] * 21})).status_code == 401
    short = await client.post(URL, json={"landmarks": [[0, 0, 0]] * 3}, headers=headers)
    assert short.status_code == 422
    assert "landmarks" in short.json()["detail"]
    sideways = await client.post(URL, json={"landmarks": [[0, 0, 0]] * 21, "handedness": "up"}, headers=headers)
    assert sideways.status_code == 422
    assert "handedness" in sideways.json()["detail"]
    text = await client.post(URL, content=b"hello", headers={**headers, "Content-Type": "text/plain"})
    assert text.status_code == 415
    assert text.json()["error"] == "unsupported_media_type"
    empty = await client.post(URL, content=b"", headers={**headers, "Content-Type": "image/png"})
    assert empty.status_code == 422
    assert empty.json()["error"] == "empty_image"
    garbage = await client.post(URL, content=b"\x89PNG nonsense", headers={**headers, "Content-Type": "image/png"})
    assert garbage.status_code == 422
    assert garbage.json()["error"] == "unreadable_image"
    blank = await client.post(URL, content=_blank_png(), headers={**headers, "Content-Type": "image/png"})
    assert blank.status_code == 422
    assert blank.json()["error"] == "no_hands"


def _blank_png() -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", np.full((120, 160, 3), 128, np.uint8))
    assert ok
    return data.tobytes()


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
    headers = _headers(mint_token)
    extreme = [[1e308, -1e308, 1e308]] * 21
    spelled = await client.post(URL, json={"landmarks": extreme}, headers=headers)
    assert spelled.status_code == 422
    assert "landmarks" in spelled.json()["detail"]
    edge = [[10.0, -10.0, 10.0]] * 21  # the largest coordinates accepted still get an answer, not a 500
    answered = await client.post(URL, json={"landmarks": edge}, headers=headers)
    assert answered.status_code in (200, 422), answered.text
    if answered.status_code == 200:
        assert 0.0 <= answered.json()["confidence"] <= 1.0
    else:
        assert answered.json()["error"] == "invalid_landmarks"


async def test_the_answer_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/ml/openapi.json")).json()
    recognised = schema["components"]["schemas"]["Recognised"]["properties"]
    for field in ("letter", "confidence", "top3", "model_version", "hand", "sure", "answer", "not_sure_reason"):
        assert field in recognised, field
    assert "not sure" in recognised["sure"]["description"]
    operation = schema["paths"]["/ml/fingerspelling/recognise"]["post"]
    landmarks = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "un-mirrored" in landmarks["properties"]["handedness"]["description"]
    assert "no estoy seguro" in operation["description"]
