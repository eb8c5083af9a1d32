"""The scoring model's SageMaker hosting app (``senas ml serve-sagemaker``), in process: the hosting contract
(``/ping``, ``/invocations``) around the same scorer, on the templates of the ml-models store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
from ml_media import ALPHABET, require

from senas.ml.context import MlContext
from senas.ml.datasets import ALPHABET_SIDE, load_alphabet
from senas.ml.hosting import ScorerHost, create_hosting_app
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.recognition.scorer import Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import AttemptFrame, ScoreRequest, ScoreResponse
from senas.ml.recognition.templates import TemplateBank, TemplateStore
from senas.platform import catalog
from senas.wiring import Platform


def held_out_attempt(letter: str) -> ScoreRequest:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    pose = points[np.flatnonzero(labels == letter)[-1]]  # the last row: held out of the templates
    frames = np.repeat(pose[None], 10, axis=0).astype(np.float32)
    track = HandTrack.from_single_hand(frames, [ALPHABET_SIDE] * 10, fps=15, width=640, height=480)
    return ScoreRequest(attempt=attempt_from_track(track), target=f"ase/letra-{letter.lower()}")


@pytest.fixture
async def hosting(ml_context: MlContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_hosting_app(ScorerHost(TemplateStore(ml_context.ports.models)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://model") as client:
        yield client


async def test_ping_is_ok_once_the_templates_are_there(hosting: httpx.AsyncClient) -> None:
    response = await hosting.get("/ping")
    assert response.status_code == 200, response.text


async def test_ping_is_503_without_templates(platform: Platform) -> None:
    empty = TemplateStore(platform.blobs.store(catalog.ML_MODELS))
    app = create_hosting_app(ScorerHost(empty))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://model") as client:
        ping = await client.get("/ping")
        scored = await client.post("/invocations", content=held_out_attempt("B").model_dump_json())
    assert ping.status_code == 503
    assert ping.json()["error"] == "no_templates"
    assert scored.status_code == 503


async def test_invocations_answer_what_the_in_process_scorer_answers(
    hosting: httpx.AsyncClient, ml_context: MlContext
) -> None:
    request = held_out_attempt("B")
    response = await hosting.post("/invocations", content=request.model_dump_json())
    assert response.status_code == 200, response.text
    remote = ScoreResponse.model_validate(response.json())
    local = Scorer(await TemplateBank.load(TemplateStore(ml_context.ports.models))).score(request)
    assert remote == local
    assert remote.target == "ase/letra-b"
    assert remote.passed


async def test_a_refused_attempt_is_a_422_with_the_learners_reason(hosting: httpx.AsyncClient) -> None:
    request = held_out_attempt("B")
    no_hands = request.model_copy(update={"attempt": request.attempt.model_copy(update={"frames": [AttemptFrame()]})})
    response = await hosting.post("/invocations", content=no_hands.model_dump_json())
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "no_hands"
    assert "mano" in body["reason_es"]
    assert body["reason_en"]
    unknown = await hosting.post(
        "/invocations", content=request.model_copy(update={"target": "ase/no-such-sign"}).model_dump_json()
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "no_template"


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b'{"target": "ase/letra-b"}', b'{"contract_version": 2, "target": "x", "attempt": {}}'],
)
async def test_what_is_not_a_scoring_request_is_a_400(hosting: httpx.AsyncClient, body: bytes) -> None:
    response = await hosting.post("/invocations", content=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"
    assert response.json()["detail"]


def test_serve_sagemaker_refuses_another_mode_than_serve() -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    result = CliRunner().invoke(app, ["ml", "serve-sagemaker", "train"])
    assert result.exit_code == 1
    assert "serve" in result.output
