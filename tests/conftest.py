"""Shared fixtures: settings under a temporary data directory and the embedded platform built from them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from prerequisites import REPO_ROOT, SHARED, skip_or_fail, strict_ci  # noqa: F401 - re-exported for tests
from senas.core.settings import Settings, load_settings
from senas.wiring import Platform, build_platform


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("SENAS_") and name != "SENAS_STRICT_TESTS":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file from the developer's checkout
    return load_settings(data_dir=tmp_path / "data", log_json=False)


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    built = build_platform(settings)
    try:
        yield built
    finally:
        await built.close()


MintToken = Callable[..., str]


@pytest.fixture
def mint_token(platform: Platform) -> MintToken:
    """Real access tokens signed by the embedded identity provider's key, for tests of protected routes."""
    from senas.platform.identity.claims import access_token_claims, local_issuer
    from senas.wiring.embedded import signing_keys

    keys = signing_keys(platform.settings)

    def mint(user_id: str = "user-1", *, roles: tuple[str, ...] = ("learner",), **extra: object) -> str:
        claims = access_token_claims(
            user_id=user_id, issuer=local_issuer(platform.settings.public_url), roles=roles, ttl_seconds=300
        )
        claims.update(extra)
        return keys.sign(claims)

    return mint
