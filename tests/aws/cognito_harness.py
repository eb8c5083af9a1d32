"""A platform on the aws profile whose identity is a fresh Cognito user pool in the moto server (one per test), shared
by the Cognito identity and TOTP suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aws.aws_harness import REGION, aws_clients, fake_credentials, moto_server_url, unique_prefix
from senas.core.settings import load_settings
from senas.wiring import Platform, build_platform
from senas.wiring.provision import Provisioner


@asynccontextmanager
async def cognito_platform(data_dir: Path) -> AsyncIterator[Platform]:
    with fake_credentials():
        url = moto_server_url()
        base = {"resource_prefix": f"{unique_prefix()}senas", "aws_region": REGION, "aws_endpoint_url": url}
        clients = aws_clients(url)
        user_data = f"{base['resource_prefix']}-UserData"
        try:
            provisioner = Provisioner(clients, load_settings(**base))  # type: ignore[arg-type]
            pool_id, client_id = provisioner.user_pool()
            # The identity's own items (revocation stamps, wrong-code counters) live in UserData, as on AWS.
            provisioner.table(user_data)
        finally:
            await clients.close()
        settings = load_settings(
            profile="aws",
            signing_secret="s" * 40,
            # Only the identity (and the UserData table it keeps its counters in) is exercised: the other resources
            # are named, never reached.
            database_url="postgresql+asyncpg://app:pw@127.0.0.1/senas",
            table_user_data=user_data,
            table_user_progress="UserProgress",
            table_ai_sessions="AiSessions",
            cognito_user_pool_id=pool_id,
            cognito_client_id=client_id,
            data_dir=data_dir,
            **base,  # type: ignore[arg-type]
        )
        built = build_platform(settings)
        try:
            yield built
        finally:
            await built.close()
