"""The ``aws`` profile's platform: every port on its AWS service, sharing one set of clients."""

from __future__ import annotations

from typing import Any

import httpx

from senas.core.internal import ServiceClients
from senas.core.settings import Settings, SettingsError
from senas.platform import catalog
from senas.platform.aws.clients import AwsClients
from senas.platform.aws.settings import AwsSettings
from senas.platform.blobs.aws import S3Blobs
from senas.platform.errors import Unavailable
from senas.platform.identity.aws import CognitoIdentity
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.identity.verifier import JwtVerifier
from senas.platform.inference.aws import SageMakerInference
from senas.platform.inference.local import LocalInference
from senas.platform.queues import QueueConfig
from senas.platform.queues.aws import SqsQueues
from senas.platform.secrets.aws import SecretsManagerSecrets
from senas.platform.tables.aws import DynamoTables
from senas.platform.topics.aws import SnsTopics
from senas.wiring.platform import Platform

JWKS_TIMEOUT_SECONDS = 5.0


def cognito_issuer(settings: Settings, aws: AwsSettings) -> str:
    return (
        aws.cognito_issuer or f"https://cognito-idp.{settings.aws_region}.amazonaws.com/{settings.cognito_user_pool_id}"
    )


def cognito_jwks_url(settings: Settings, aws: AwsSettings) -> str:
    """Where the pool publishes its keys. Emulators serve them under their own endpoint while still writing the
    AWS issuer into the tokens, so the URL is derived from the endpoint when one is configured."""
    if aws.cognito_jwks_url:
        return aws.cognito_jwks_url
    if settings.aws_endpoint_url:
        return f"{settings.aws_endpoint_url.rstrip('/')}/{settings.cognito_user_pool_id}/.well-known/jwks.json"
    return f"{cognito_issuer(settings, aws)}/.well-known/jwks.json"


def jwks_fetcher(url: str) -> Any:
    async def fetch() -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS) as http:
                response = await http.get(url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"cannot fetch the user pool's keys from {url}: {exc}") from None

    return fetch


def queue_configs(settings: Settings) -> list[QueueConfig]:
    """The catalog's queues under their physical names (the services address them by those)."""
    return [
        QueueConfig(
            name=settings.resource_name(config.name),
            visibility_timeout=config.visibility_timeout,
            max_receive_count=config.max_receive_count,
            dead_letter_queue=settings.resource_name(config.dead_letter_queue) if config.dead_letter_queue else None,
        )
        for config in catalog.queue_configs()
    ]


def build_aws_platform(settings: Settings, *, aws: AwsSettings | None = None) -> Platform:
    aws = aws or AwsSettings()
    if not settings.aws_region:
        raise SettingsError("the aws profile needs AWS_REGION")
    if not settings.cognito_user_pool_id or not settings.cognito_client_id:
        raise SettingsError(
            "the aws profile needs SENAS_COGNITO_USER_POOL_ID and SENAS_COGNITO_CLIENT_ID "
            "(`senas aws provision` prints them for an emulator)"
        )
    clients = AwsClients(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url, settings=aws)
    tables = DynamoTables(clients, [settings.table_name(name) for name in catalog.TABLES], owns_clients=True)
    queues = SqsQueues(clients, queue_configs(settings))
    topics = SnsTopics(clients, queues, topic_names=[settings.resource_name(topic) for topic in catalog.TOPICS])
    # Every service reads the revocation stamps (one key prefix of UserData, GetItem only for content and ml).
    user_data = tables.table(settings.table_name(catalog.USER_DATA))
    revocations = TokenRevocations(user_data, cache_seconds=settings.token_revocation_cache_seconds)
    verifier = JwtVerifier(
        jwks_fetcher(cognito_jwks_url(settings, aws)),
        issuer=cognito_issuer(settings, aws),
        audience=settings.cognito_client_id,
        audience_claim="client_id",
        cache_seconds=aws.jwks_cache_seconds,
        revocations=revocations,
    )
    identity = CognitoIdentity(
        clients,
        user_pool_id=settings.cognito_user_pool_id,
        client_id=settings.cognito_client_id,
        verifier=verifier,
        jwks_url=cognito_jwks_url(settings, aws),
        table=user_data,
        revocations=revocations,
    )
    # Without an endpoint the ML service keeps scoring with its in-process model, as in the embedded profile —
    # never a call to an endpoint that does not exist.
    model_host: LocalInference | None = None
    if settings.sagemaker_endpoint:
        inference: SageMakerInference | LocalInference = SageMakerInference(
            clients, default_endpoint=settings.sagemaker_endpoint
        )
    else:
        inference = model_host = LocalInference()
    return Platform(
        settings=settings,
        tables=tables,
        blobs=S3Blobs(clients),
        queues=queues,
        topics=topics,
        secrets=SecretsManagerSecrets(
            clients, required=[settings.database_secret_id] if settings.database_secret_id else []
        ),
        token_verifier=verifier,
        services=ServiceClients(settings.service_urls()),
        identity=identity,
        inference=inference,
        model_host=model_host,
    )
