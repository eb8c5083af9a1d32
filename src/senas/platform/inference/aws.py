"""Inference on SageMaker real-time endpoints: the payload goes as JSON to ``InvokeEndpoint`` and the model's
JSON answer comes back. Each model name maps to an endpoint (by default every model to the deployment's one
endpoint, ``SENAS_SAGEMAKER_ENDPOINT``, which then receives the model name as ``CustomAttributes``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import InvalidRequest, NotFound, Unavailable

__all__ = ["SageMakerInference"]


class SageMakerInference:
    def __init__(
        self, clients: AwsClients, *, default_endpoint: str | None = None, endpoints: Mapping[str, str] | None = None
    ) -> None:
        self.clients = clients
        self._default = default_endpoint
        self._endpoints = dict(endpoints or {})

    def endpoint_for(self, model: str) -> str:
        endpoint = self._endpoints.get(model) or self._default
        if not endpoint:
            raise NotFound(f"no SageMaker endpoint serves the model {model!r} (set SENAS_SAGEMAKER_ENDPOINT)")
        return endpoint

    async def invoke(self, model: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        endpoint = self.endpoint_for(model)
        try:
            body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(f"the payload for {model!r} is not JSON: {exc}") from None
        try:
            response = await self.clients.call(
                "sagemaker-runtime",
                "invoke_endpoint",
                EndpointName=endpoint,
                ContentType="application/json",
                Accept="application/json",
                CustomAttributes=f"model={model}",
                Body=body,
            )
            raw = await self.clients.run(response["Body"].read)
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code == "ModelError":  # the model refused the payload (its container answered 4xx/5xx)
                raise InvalidRequest(
                    f"model {model!r} refused the payload: {message}", answer=_original_answer(exc)
                ) from None
            if code == "ValidationError" and "not found" in message.lower():
                raise NotFound(f"SageMaker endpoint {endpoint} does not exist") from None
            raise Unavailable(f"SageMaker {code or 'error'} on {endpoint}: {message}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise Unavailable(f"SageMaker endpoint {endpoint} answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise Unavailable(f"SageMaker endpoint {endpoint} answered {type(answer).__name__}, not an object")
        return answer

    async def ping(self) -> None:
        for endpoint in sorted({*self._endpoints.values(), *([self._default] if self._default else [])}):
            try:
                response = await self.clients.call("sagemaker", "describe_endpoint", EndpointName=endpoint)
            except ClientError as exc:
                raise Unavailable(f"SageMaker endpoint {endpoint} cannot be described: {error_code(exc)}") from None
            if response.get("EndpointStatus") != "InService":
                raise Unavailable(f"SageMaker endpoint {endpoint} is {response.get('EndpointStatus')}, not InService")


def _original_answer(exc: ClientError) -> dict[str, object] | None:
    """The JSON body the model's container answered, which SageMaker passes on as ``OriginalMessage``."""
    original = exc.response.get("OriginalMessage")
    if not isinstance(original, str):
        return None
    try:
        answer = json.loads(original)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


if TYPE_CHECKING:
    from senas.platform.inference import Inference

    def _satisfies_port(inference: SageMakerInference) -> Inference:
        return inference
