"""The ML service scoring through SageMaker, end to end but for AWS itself: the real ``SageMakerInference``
adapter (boto3's sagemaker-runtime client, over HTTP) → a local stand-in of SageMaker Runtime's ``InvokeEndpoint``
→ the scoring model's hosting app (``senas ml serve-sagemaker``) on the prepared templates. The same attempts give
the same answers as the in-process model, and a refused attempt comes back as the learner's reason."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import uvicorn
from ml_media import ALPHABET, require
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aws.aws_harness import REGION, fake_credentials
from senas.ml.context import MlContext
from senas.ml.datasets import ALPHABET_SIDE, load_alphabet
from senas.ml.hosting import ScorerHost, create_hosting_app
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.recognition.scorer import ScoringError, attempt_from_track
from senas.ml.recognition.scoring_api import AttemptFrame, ScoreRequest
from senas.ml.recognition.templates import TemplateStore
from senas.ml.runtime import MlRuntime
from senas.platform.aws.clients import AwsClients
from senas.platform.inference.aws import SageMakerInference

ENDPOINT = "senas-scorer"


def invoke_endpoint_standin(model: object) -> Starlette:
    """SageMaker Runtime's InvokeEndpoint as boto3 sees it: the body goes to the container's /invocations; a 4xx
    or 5xx from the container is SageMaker's ModelError, with the container's own answer as OriginalMessage."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=model), base_url="http://container")  # type: ignore[arg-type]

    async def invoke(request: Request) -> Response:
        if request.path_params["name"] != ENDPOINT:
            return JSONResponse(
                {"message": f"Endpoint {request.path_params['name']} of account 000 not found."},
                status_code=400,
                headers={
                    "x-amzn-ErrorType": "ValidationError:http://internal.amazon.com/coral/com.amazon.coral.validate/"
                },
            )
        answer = await client.post(
            "/invocations", content=await request.body(), headers={"content-type": "application/json"}
        )
        if answer.status_code < 400:
            return Response(answer.content, media_type="application/json")
        return JSONResponse(
            {
                "message": f'Received client error ({answer.status_code}) from primary with message "{answer.text}".',
                "OriginalStatusCode": answer.status_code,
                "OriginalMessage": answer.text,
                "LogStreamArn": f"arn:aws:logs:{REGION}:000000000000:log-group:/aws/sagemaker/Endpoints/{ENDPOINT}",
            },
            status_code=424,
            headers={"x-amzn-ErrorType": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/"},
        )

    return Starlette(routes=[Route("/endpoints/{name}/invocations", invoke, methods=["POST"])])


@pytest.fixture
def runtime_url(ml_context: MlContext) -> Iterator[str]:
    hosting = create_hosting_app(ScorerHost(TemplateStore(ml_context.ports.models)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(invoke_endpoint_standin(hosting), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def attempt(letter: str) -> ScoreRequest:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    labels, points = load_alphabet(ALPHABET)
    pose = points[np.flatnonzero(labels == letter)[-1]]
    frames = np.repeat(pose[None], 10, axis=0).astype(np.float32)
    track = HandTrack.from_single_hand(frames, [ALPHABET_SIDE] * 10, fps=15, width=640, height=480)
    return ScoreRequest(attempt=attempt_from_track(track), target=f"ase/letra-{letter.lower()}")


async def test_scoring_through_sagemaker_answers_as_in_process(ml_context: MlContext, runtime_url: str) -> None:
    with fake_credentials():
        clients = AwsClients(region=REGION, endpoint_url=runtime_url)
        remote = MlRuntime(
            ml_context.config,
            ml_context.ports.models,
            SageMakerInference(clients, default_endpoint=ENDPOINT),
            None,
            media_status=ml_context.ports.media_status,
        )
        local = ml_context.runtime
        try:
            await local.ensure_loaded()
            for letter in "BCL":
                request = attempt(letter)
                assert await remote.score(request) == await local.score(request)
            refused = attempt("B")
            refused = refused.model_copy(
                update={"attempt": refused.attempt.model_copy(update={"frames": [AttemptFrame()]})}
            )
            with pytest.raises(ScoringError) as caught_remote:
                await remote.score(refused)
            with pytest.raises(ScoringError) as caught_local:
                await local.score(refused)
            assert caught_remote.value.code == caught_local.value.code == "no_hands"
            assert caught_remote.value.reason_es == caught_local.value.reason_es
        finally:
            await clients.close()


async def test_a_missing_endpoint_is_not_found(ml_context: MlContext, runtime_url: str) -> None:
    from senas.platform.errors import NotFound

    with fake_credentials():
        clients = AwsClients(region=REGION, endpoint_url=runtime_url)
        inference = SageMakerInference(clients, default_endpoint="no-such-endpoint")
        try:
            with pytest.raises(NotFound):
                await inference.invoke("sign-scorer", json.loads(attempt("B").model_dump_json()))
        finally:
            await clients.close()
