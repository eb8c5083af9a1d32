"""Which inference port the ML runtime scores on: SageMaker on the aws profile when SENAS_SAGEMAKER_ENDPOINT is
set, the in-process model otherwise (embedded, or aws without an endpoint)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from aws.aws_harness import REGION, fake_credentials, moto_server_url, unique_prefix
from aws.test_aws_platform import aws_settings
from senas.core.settings import Settings
from senas.ml import bootstrap
from senas.ml.recognition.scoring_api import Attempt, AttemptFrame, ScoreRequest
from senas.platform import catalog
from senas.platform.inference.aws import SageMakerInference
from senas.platform.inference.local import LocalInference
from senas.wiring import Platform, build_platform


async def test_aws_with_an_endpoint_scores_through_sagemaker(tmp_path: Path) -> None:
    # A whole answer of the scoring contract (the runtime checks what an endpoint sends back).
    answer = {
        "contract_version": 1,
        "target": "asl/b",
        "score": 91.0,
        "passed": True,
        "pass_threshold": 60.0,
        "components": {"handshape": 90.0, "movement": 95.0, "location": 88.0},
        "feedback": [],
        "nearest": [],
        "hand_used": "right",
        "location_reference": "frame",
        "frames_used": 12,
        "template_version": 1,
        "templates_revision": 3,
        "model_version": "dtw-2",
    }
    with fake_credentials():
        url = moto_server_url()
        async with httpx.AsyncClient() as http:
            queued = await http.post(
                f"{url}/moto-api/static/sagemaker/endpoint-results",
                json={"region": REGION, "results": [{"Body": json.dumps(answer), "ContentType": "application/json"}]},
            )
            queued.raise_for_status()
        settings = aws_settings(tmp_path, unique_prefix(), sagemaker_endpoint="senas-scorer", aws_endpoint_url=url)
        platform = build_platform(settings)
        runtime = bootstrap.build(platform).context.runtime
        try:
            assert isinstance(platform.inference, SageMakerInference)
            assert runtime.inference is platform.inference
            assert platform.inference.endpoint_for(runtime.ml.scorer_model) == "senas-scorer"
            async with httpx.AsyncClient() as http:  # the ml-models bucket, empty: no templates
                (await http.put(f"{url}/{settings.resource_name(catalog.ML_MODELS)}")).raise_for_status()
            await runtime.reload_templates()  # the endpoint scores with its own bank: nothing is registered
            request = ScoreRequest(attempt=Attempt(frames=[AttemptFrame()]), target="asl/b")
            assert (await runtime.score(request)).model_dump(mode="json") == answer
        finally:
            runtime.close()
            await platform.close()


async def test_aws_without_an_endpoint_scores_in_process(tmp_path: Path) -> None:
    with fake_credentials():
        platform = build_platform(aws_settings(tmp_path, unique_prefix()))
        runtime = bootstrap.build(platform).context.runtime
        try:
            assert isinstance(runtime.inference, LocalInference)
            assert runtime.model_host is runtime.inference
        finally:
            runtime.close()
            await platform.close()


async def test_embedded_scores_in_process(settings: Settings, platform: Platform) -> None:
    assert settings.profile == "embedded"
    runtime = bootstrap.build(platform).context.runtime
    try:
        assert isinstance(runtime.inference, LocalInference)
        assert runtime.model_host is runtime.inference
    finally:
        runtime.close()
