"""The one place that chooses port implementations: settings in, a ready ``Platform`` out.

A ``Platform`` is every port of one deployment, shared by the services that run in one process. Services never
reach into it at run time: each service's ``bootstrap.py`` takes from it, once, exactly what that service
declared (see ``senas.wiring.resources``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import ASGIApp

from senas.core.internal import ServiceClients
from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.blobs import Blobs
from senas.platform.identity import Identity, TokenVerifier
from senas.platform.inference import Inference, ModelHost
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
    # Where practice attempts are scored: the in-process model, or a SageMaker endpoint on AWS when
    # SENAS_SAGEMAKER_ENDPOINT is set (same JSON contract).
    inference: Inference
    # The in-process model host the ML service registers its scorer in; None when a remote endpoint scores (it
    # serves the templates it was deployed with).
    model_host: ModelHost | None
    services: ServiceClients = field(default_factory=lambda: ServiceClients({}))
    # Accounts, login and MFA (the user service's; local accounts when embedded, Cognito on AWS).
    identity: Identity | None = None
    # What answers the blob store's signed URLs on this server (the embedded store's; on AWS they point at S3).
    blob_server: ASGIApp | None = None

    async def close(self) -> None:
        await self.services.close()
        await self.tables.close()
        await self.queues.close()


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
