"""The ``embedded`` profile: every port on this machine under one data directory, zero setup."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.types import ASGIApp

from senas.core.internal import ServiceClients
from senas.core.settings import DEFAULT_SIGNING_SECRET, Settings
from senas.platform import catalog
from senas.platform.blobs.local import LocalBlobs
from senas.platform.files import private_file, read_or_create_secret
from senas.platform.identity.claims import LOCAL_AUDIENCE, local_issuer
from senas.platform.identity.local import LocalIdentity
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.identity.secret_box import SecretBox
from senas.platform.identity.signing_keys import LocalSigningKeys
from senas.platform.identity.verifier import JwtVerifier
from senas.platform.inference.local import LocalInference
from senas.platform.queues.local import SqliteQueues
from senas.platform.secrets.local import EnvironmentSecrets
from senas.platform.tables.local import SqliteTables
from senas.platform.topics.local import LocalTopics
from senas.wiring.platform import Platform


def signing_keys(settings: Settings) -> LocalSigningKeys:
    """The embedded identity provider's keys (a file under the data directory, shared by every process)."""
    return LocalSigningKeys(settings.state_dir / "identity" / "signing-keys.json")


def signing_secret(settings: Settings) -> bytes:
    """What the embedded blob store signs its URLs with: SENAS_SIGNING_SECRET when set, else a random secret made on
    first start and kept in the data directory (0600). The unset value is a constant in the source code: signing
    with it would let anyone who reaches the port forge reads and writes of every blob (models, templates)."""
    configured = settings.signing_secret.get_secret_value()
    if configured != DEFAULT_SIGNING_SECRET:
        return configured.encode()
    return read_or_create_secret(settings.state_dir / "signing-secret", lambda: secrets.token_urlsafe(48).encode())


def totp_secret_box(settings: Settings) -> SecretBox:
    """The key TOTP secrets are sealed with: SENAS_TOTP_ENCRYPTION_KEY, else a key file beside the tables (never in
    them)."""
    if settings.totp_encryption_key is not None:
        return SecretBox(settings.totp_encryption_key.get_secret_value().encode())
    return SecretBox.from_key_file(settings.state_dir / "identity" / "totp.key")


def build_embedded_platform(settings: Settings) -> Platform:
    state = settings.state_dir
    keys = signing_keys(settings)
    if settings.database_url is None:
        private_file(state / "content.db")  # before SQLAlchemy creates it with the umask's permissions

    async def local_jwks() -> dict[str, Any]:
        return keys.jwks()

    queues = SqliteQueues(
        state / "queues.db", catalog.queue_configs(settings.queue_max_receive_count, settings.resource_name)
    )
    tables = SqliteTables(state / "tables.db", [settings.table_name(t) for t in catalog.TABLES])
    user_data = tables.table(settings.table_name(catalog.USER_DATA))
    revocations = TokenRevocations(user_data, cache_seconds=settings.token_revocation_cache_seconds)
    token_verifier = JwtVerifier(
        local_jwks, issuer=local_issuer(settings.public_url), audience=LOCAL_AUDIENCE, revocations=revocations
    )
    identity = LocalIdentity(
        user_data,
        keys,
        token_verifier,
        issuer=local_issuer(settings.public_url),
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        mfa_required_for_all=settings.mfa_required_for_all,
        secret_box=totp_secret_box(settings),
        revocations=revocations,
    )
    blobs = LocalBlobs(state / "blobs", signing_secret=signing_secret(settings), public_base_url=settings.public_url)
    model_host = LocalInference()
    return Platform(
        settings=settings,
        tables=tables,
        blobs=blobs,
        queues=queues,
        topics=LocalTopics(queues),
        secrets=EnvironmentSecrets(),
        token_verifier=token_verifier,
        inference=model_host,
        model_host=model_host,
        services=ServiceClients(settings.service_urls()),
        identity=identity,
        blob_server=blob_server(blobs),
    )


def blob_server(blobs: LocalBlobs) -> ASGIApp:
    """Signed URLs of the embedded blob store point at this server (``/_blobs``), so it must answer them."""
    from fastapi import FastAPI

    from senas.core.errors import install_error_handlers
    from senas.platform.blobs.http import blob_router

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    app.include_router(blob_router(blobs))
    return app
