"""The one place that chooses port implementations: settings in, a ready ``Platform`` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from senas.core.internal import ServiceClients
from senas.core.settings import Settings, SettingsError
from senas.platform import catalog
from senas.platform.blobs import Blobs
from senas.platform.identity import Identity, TokenVerifier
from senas.platform.identity.claims import LOCAL_AUDIENCE, local_issuer
from senas.platform.identity.keys import LocalSigningKeys
from senas.platform.identity.verifier import JwtVerifier
from senas.platform.inference import Inference
from senas.platform.queues import Queues
from senas.platform.secrets import Secrets
from senas.platform.tables import Tables
from senas.platform.topics import Topics


@dataclass
class Platform:
    """Every port of one deployment, shared by the services that run in this process."""

    settings: Settings
    tables: Tables
    blobs: Blobs
    queues: Queues
    topics: Topics
    secrets: Secrets
    token_verifier: TokenVerifier
    # The embedded identity provider's keys (None on AWS, where Cognito signs the tokens).
    signing_keys: LocalSigningKeys | None = None
    services: ServiceClients = field(default_factory=lambda: ServiceClients({}))
    # Accounts, login and MFA (the user service's; local accounts when embedded, Cognito on AWS).
    identity: Identity | None = None
    # A remote inference endpoint (SageMaker on AWS when SENAS_SAGEMAKER_ENDPOINT is set); None means the ML
    # service scores with its in-process model (the embedded profile, or aws without an endpoint).
    inference: Inference | None = None

    async def close(self) -> None:
        await self.services.close()
        await self.tables.close()
        await self.queues.close()


def build_platform(settings: Settings) -> Platform:
    if settings.profile == "embedded":
        return _embedded(settings)
    if settings.profile == "aws":
        from senas.platform.aws.platform import build_aws_platform  # the only road to boto3

        return build_aws_platform(settings)
    raise SettingsError(f"unknown profile {settings.profile!r}; choose one of: embedded, aws")


def _embedded(settings: Settings) -> Platform:
    from senas.platform.blobs.local import LocalBlobs
    from senas.platform.identity.local import LocalIdentity
    from senas.platform.queues.local import SqliteQueues
    from senas.platform.secrets.local import EnvironmentSecrets
    from senas.platform.tables.local import SqliteTables
    from senas.platform.topics.local import LocalTopics

    state = settings.state_dir
    signing_keys = LocalSigningKeys(state / "identity" / "signing-keys.json")

    async def local_jwks() -> dict[str, Any]:
        return signing_keys.jwks()

    queues = SqliteQueues(
        state / "queues.db", catalog.queue_configs(settings.queue_max_receive_count, settings.resource_name)
    )
    tables = SqliteTables(state / "tables.db", [settings.table_name(t) for t in catalog.TABLES])
    token_verifier = JwtVerifier(local_jwks, issuer=local_issuer(settings.public_url), audience=LOCAL_AUDIENCE)
    identity = LocalIdentity(
        tables.table(settings.table_name(catalog.USER_DATA)),
        signing_keys,
        token_verifier,
        issuer=local_issuer(settings.public_url),
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        mfa_required_for_all=settings.mfa_required_for_all,
    )
    return Platform(
        settings=settings,
        tables=tables,
        blobs=LocalBlobs(
            state / "blobs",
            signing_secret=settings.signing_secret.get_secret_value().encode(),
            public_base_url=settings.public_url,
        ),
        queues=queues,
        topics=LocalTopics(queues),
        secrets=EnvironmentSecrets(),
        token_verifier=token_verifier,
        signing_keys=signing_keys,
        services=ServiceClients(settings.service_urls()),
        identity=identity,
    )


async def declare_subscriptions(platform: Platform) -> None:
    """Subscribe the queues to their topics (locally; on AWS, Terraform and `senas aws provision` do it)."""
    if platform.settings.profile != "embedded":
        return
    for subscription in catalog.SUBSCRIPTIONS:
        await platform.topics.subscribe(
            platform.settings.resource_name(subscription.topic),
            platform.settings.resource_name(subscription.queue),
            filter_types=subscription.filter_types,
        )
