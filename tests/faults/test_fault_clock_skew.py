"""Tokens from an identity provider whose clock is ahead of or behind the services' clock.

The embedded provider (``LocalIdentity``) takes its clock as a constructor argument, so a second provider over the
same account table and signing key, with its clock moved, issues tokens exactly as a skewed server would: a
learner signs in through it. Author tokens (a teacher's login needs MFA) are built with the provider's own claims
function at the skewed instant and signed with its key. Each token is sent to an authenticated route of each
service (content, users, ml) whose verifier allows ``LEEWAY`` seconds of skew:

* expired more than the leeway ago, or valid only from more than the leeway ahead (``nbf``/``iat`` in the
  future) → 401 ``{"error": "invalid_token", "detail": ...}``;
* skewed by less than the leeway → accepted.

A verifier whose expiry and not-before checks are off (an unbounded leeway, injected as the platform's
``token_verifier``) is shown to fail these assertions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from senas.content import bootstrap as content_bootstrap
from senas.content.app import create_app as create_content_app
from senas.content.settings import ContentSettings
from senas.ml import bootstrap as ml_bootstrap
from senas.ml.app import create_app as create_ml_app
from senas.platform import catalog
from senas.platform.identity.claims import access_token_claims, local_issuer
from senas.platform.identity.local import LocalIdentity
from senas.platform.identity.verifier import JwtVerifier
from senas.users import bootstrap as users_bootstrap
from senas.users.app import create_app as create_users_app
from senas.wiring import Platform
from senas.wiring.embedded import signing_keys

LEEWAY = 30  # the verifier's default leeway, in seconds
TTL = 900  # the access token lifetime the provider is given
PASSWORD = "Manos-que-hablan-42"


@dataclass(frozen=True)
class Skew:
    name: str
    offset: float  # provider clock minus the services' clock, seconds
    accepted: bool
    detail: str = ""


SKEWS = (
    Skew("expired beyond the leeway", -(TTL + 4 * LEEWAY), accepted=False, detail="token expired"),
    Skew("expired within the leeway", -(TTL + LEEWAY / 3), accepted=True),
    Skew("not yet valid beyond the leeway", 4 * LEEWAY, accepted=False, detail="token not yet valid"),
    Skew("not yet valid within the leeway", LEEWAY / 3, accepted=True),
    Skew("no skew", 0, accepted=True),
)


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    role: str  # "learner": token from the provider's login; "teacher": the provider's claims, signed by its key
    ok: int
    body: dict[str, Any] | None = None


ROUTES = (
    Route("users", "GET", "/users/me", "learner", 200),
    Route("ml", "GET", "/ml/sessions?sign_id=sign-a", "learner", 200),
    Route("content", "POST", "/content/author/languages", "teacher", 201),
)


class SkewedProvider:
    """The embedded identity provider of ``platform`` with its clock ``offset`` seconds off."""

    def __init__(self, platform: Platform, offset: float) -> None:
        settings = platform.settings
        self.platform = platform
        self.keys = signing_keys(settings)
        self.clock: Callable[[], float] = lambda: time.time() + offset
        self.identity = LocalIdentity(
            platform.tables.table(settings.table_name(catalog.USER_DATA)),
            self.keys,
            platform.token_verifier,
            issuer=local_issuer(settings.public_url),
            access_ttl_seconds=TTL,
            clock=self.clock,
        )

    async def learner_token(self, email: str) -> str:
        result = await self.identity.login(email, PASSWORD)
        assert result.tokens is not None, result
        return result.tokens.access_token

    def author_token(self, user_id: str) -> str:
        claims = access_token_claims(
            user_id=user_id,
            issuer=local_issuer(self.platform.settings.public_url),
            roles=("teacher",),
            ttl_seconds=TTL,
            now=self.clock(),
        )
        return self.keys.sign(claims)


@contextlib.asynccontextmanager
async def service_clients(platform: Platform) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """content (with its database), users and ml, in-process. The ML app's lifespan (loading the models) is
    not entered: the routes used here only read the sessions table."""
    content = create_content_app(
        content_bootstrap.build(platform, config=ContentSettings(seed_demo=False)), run_consumers=False
    )
    apps = {
        "content": content,
        "users": create_users_app(users_bootstrap.build(platform), run_consumers=False),
        "ml": create_ml_app(ml_bootstrap.build(platform), run_consumers=False),
    }
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(content.router.lifespan_context(content))
        clients = {}
        for name, app in apps.items():
            transport = httpx.ASGITransport(app=app)
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=f"http://{name}.test")
            )
        yield clients


async def outcomes(platform: Platform, email: str) -> list[tuple[Skew, Route, httpx.Response]]:
    """Every skew × route, sent to the services built on ``platform``."""
    results = []
    async with service_clients(platform) as clients:
        for n, skew in enumerate(SKEWS):
            provider = SkewedProvider(platform, skew.offset)
            tokens = {"learner": await provider.learner_token(email), "teacher": provider.author_token("teacher-1")}
            for route in ROUTES:
                token = tokens[route.role]
                body = route.body
                if route.service == "content":  # a new language each time, so acceptance is a plain 201
                    body = {"code": f"ls{chr(ord('a') + n)}", "name_es": "Lengua", "name_en": "Language"}
                response = await clients[route.service].request(
                    route.method, route.path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                results.append((skew, route, response))
    return results


def assert_skew_handled(results: list[tuple[Skew, Route, httpx.Response]]) -> None:
    for skew, route, response in results:
        where = f"{skew.name} on {route.method} {route.path}"
        if skew.accepted:
            assert response.status_code == route.ok, f"{where}: {response.status_code} {response.text}"
        else:
            assert response.status_code == 401, f"{where} was let in: {response.status_code} {response.text}"
            body = response.json()
            assert body == {"error": "invalid_token", "detail": skew.detail}, f"{where}: {body}"
            assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
async def learner_email(platform: Platform) -> str:
    assert platform.identity is not None
    email = "skew@example.org"
    await platform.identity.sign_up(email, PASSWORD)
    return email


async def test_skewed_tokens_are_refused_beyond_the_leeway_and_accepted_within_it(
    platform: Platform, learner_email: str
) -> None:
    results = await outcomes(platform, learner_email)
    assert len(results) == len(SKEWS) * len(ROUTES)
    assert_skew_handled(results)


async def test_a_verifier_without_expiry_and_not_before_checks_is_caught(
    platform: Platform, learner_email: str
) -> None:
    real = platform.token_verifier
    assert isinstance(real, JwtVerifier)
    keys = signing_keys(platform.settings)

    async def jwks() -> dict[str, Any]:
        return keys.jwks()

    # Broken: a leeway of ~30 years makes every exp/nbf/iat check pass.
    lax = JwtVerifier(jwks, issuer=real.issuer, audience=real.audience, leeway_seconds=10**9)
    broken = dataclasses.replace(platform, token_verifier=lax)
    results = await outcomes(broken, learner_email)
    with pytest.raises(AssertionError, match="was let in"):
        assert_skew_handled(results)
