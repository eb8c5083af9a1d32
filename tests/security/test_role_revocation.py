"""Issue 14 #9 over HTTP, through the local load balancer with all three services: a teacher demoted by an admin
used to keep authoring for the rest of the access token's 15 minutes (the content service verifies tokens locally).
Now a role change voids the user's tokens in every service at once: the old token's author write is refused (401),
a refreshed token carries the new roles (403 for authoring), and nobody else's tokens are touched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette

from senas.gateway.app import create_gateway
from senas.services import SERVICE_NAMES, build_app
from senas.wiring import Platform

pytestmark = pytest.mark.slow
PASSWORD = "Manos-que-hablan-42"


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    apps: dict[str, FastAPI] = {name: build_app(name, platform, run_consumers=False) for name in SERVICE_NAMES}
    router = create_gateway(platform, apps)
    fallback = router.fallback
    assert isinstance(fallback, Starlette)
    async with fallback.router.lifespan_context(fallback):
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url=platform.settings.public_url, timeout=60) as c:
            yield c


async def signed_in_with_mfa(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    """Log in an account that must enrol MFA (a teacher or an admin): its tokens."""
    first = (await client.post("/users/auth/login", json={"email": email, "password": PASSWORD})).json()
    assert first["challenge"] == "mfa_setup", first
    secret = (await client.post("/users/auth/mfa/enrol", json={"session": first["session"]})).json()["secret"]
    done = await client.post(
        "/users/auth/mfa/confirm", json={"code": pyotp.TOTP(secret).now(), "session": first["session"]}
    )
    assert done.status_code == 200, done.text
    tokens: dict[str, Any] = done.json()["tokens"]
    return tokens


_codes = iter(f"x{a}{b}" for a in "abcdefghij" for b in "abcdefghij")


def language() -> dict[str, str]:
    code = next(_codes)  # a fresh language code each time (a data dir per test)
    return {"code": code, "name_es": f"Lengua {code}", "name_en": f"Language {code}"}


async def test_a_demoted_teachers_old_token_can_no_longer_author(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    client = gateway
    ids = {}
    for email in ("admin@example.org", "teacher@example.org", "learner@example.org"):
        signup = await client.post("/users/auth/signup", json={"email": email, "password": PASSWORD})
        assert signup.status_code == 201, signup.text
        ids[email] = signup.json()["user_id"]
    teacher_id = ids["teacher@example.org"]
    assert platform.identity is not None
    # The operator's `senas users grant-admin` (grant_role) in effect; set here through set_roles.
    await platform.identity.set_roles(ids["admin@example.org"], frozenset({"admin", "learner"}))
    admin = {"Authorization": f"Bearer {(await signed_in_with_mfa(client, 'admin@example.org'))['access_token']}"}
    learner_login = await client.post("/users/auth/login", json={"email": "learner@example.org", "password": PASSWORD})
    learner = {"Authorization": f"Bearer {learner_login.json()['tokens']['access_token']}"}

    promoted = await client.put(f"/users/{teacher_id}/roles", json={"roles": ["learner", "teacher"]}, headers=admin)
    assert promoted.status_code == 200, promoted.text
    tokens = await signed_in_with_mfa(client, "teacher@example.org")
    teacher = {"Authorization": f"Bearer {tokens['access_token']}"}
    authored = await client.post("/content/author/languages", json=language(), headers=teacher)
    assert authored.status_code == 201, authored.text

    demoted = await client.put(f"/users/{teacher_id}/roles", json={"roles": ["learner"]}, headers=admin)
    assert demoted.status_code == 200, demoted.text
    # The old token, still within its 15 minutes, is refused by the content service …
    refused = await client.post("/content/author/languages", json=language(), headers=teacher)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_token"
    assert "sign in again" in refused.json()["detail"]
    # … and by every other service.
    assert (await client.get("/users/me", headers=teacher)).status_code == 401
    assert (await client.get("/ml/sessions", headers=teacher)).status_code == 401
    # A refresh gives a token with the new roles: a learner, who may not author.
    refreshed = await client.post("/users/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    now_learner = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await client.get("/users/me", headers=now_learner)).json()["roles"] == ["learner"]
    forbidden = await client.post("/content/author/languages", json=language(), headers=now_learner)
    assert forbidden.status_code == 403
    # Nobody else's tokens were touched.
    assert (await client.get("/users/me", headers=admin)).status_code == 200
    assert (await client.get("/users/me", headers=learner)).status_code == 200
    assert (await client.post("/content/author/languages", json=language(), headers=admin)).status_code == 201
