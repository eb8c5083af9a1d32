from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from roots import NoPorts, probe_root
from senas.core.app import ServiceSpec, create_service_app
from senas.core.auth import Author, CurrentUser
from senas.platform.identity.signing_keys import LocalSigningKeys
from senas.wiring import Platform
from senas.wiring.embedded import signing_keys

router = APIRouter()


@router.get("/me")
async def me(user: CurrentUser) -> dict[str, object]:
    return {"user_id": user.user_id, "roles": sorted(user.roles)}


@router.post("/authored")
async def authored(user: Author) -> dict[str, str]:
    return {"by": user.user_id}


SPEC = ServiceSpec(name="content", title="auth test", description="", routers=(router,))


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(SPEC, probe_root(platform, NoPorts))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_anonymous_gets_401_with_a_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/content/me")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_valid_token_identifies_the_caller(
    client: httpx.AsyncClient, mint_token: Any, platform: Platform
) -> None:
    response = await client.get("/content/me", headers=bearer(mint_token("u-42")))
    assert response.status_code == 200
    assert response.json() == {"user_id": "u-42", "roles": ["learner"]}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"nbf": int(time.time()) + 600}, "token not yet valid"),
        ({"iat": int(time.time()) + 600}, "token not yet valid"),
        ({"aud": "someone-else"}, "another audience"),
        ({"iss": "https://evil.example/users"}, "another issuer"),
        ({"token_use": "id"}, "not an access token"),
    ],
)
async def test_bad_tokens_are_refused_saying_why(
    client: httpx.AsyncClient, mint_token: Any, platform: Platform, extra: dict[str, object], reason: str
) -> None:
    response = await client.get("/content/me", headers=bearer(mint_token(**extra)))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert reason in response.json()["detail"]


async def test_clock_skew_within_leeway_is_tolerated(
    client: httpx.AsyncClient, mint_token: Any, platform: Platform
) -> None:
    slightly_ahead = int(time.time()) + 10
    token = mint_token(iat=slightly_ahead, nbf=slightly_ahead)
    assert (await client.get("/content/me", headers=bearer(token))).status_code == 200


async def test_token_signed_by_another_key_is_refused(
    client: httpx.AsyncClient, mint_token: Any, platform: Platform, tmp_path: Path
) -> None:
    good = mint_token()
    foreign = LocalSigningKeys(tmp_path / "other.json")
    header_kid = foreign.current()[0]
    import jwt

    claims = jwt.decode(good, options={"verify_signature": False})
    forged = foreign.sign(claims)
    response = await client.get("/content/me", headers=bearer(forged))
    assert response.status_code == 401
    assert header_kid not in (signing_keys(platform.settings).jwks()["keys"][0]["kid"],)
    assert "unknown key" in response.json()["detail"]


async def test_garbage_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/content/me", headers=bearer("not.a.jwt"))
    assert response.status_code == 401


async def test_roles_are_checked_on_author_routes(
    client: httpx.AsyncClient, mint_token: Any, platform: Platform
) -> None:
    learner = await client.post("/content/authored", headers=bearer(mint_token(roles=("learner",))))
    assert learner.status_code == 403
    assert learner.json()["error"] == "forbidden"
    teacher = await client.post("/content/authored", headers=bearer(mint_token("t1", roles=("teacher",))))
    assert teacher.status_code == 200
    assert teacher.json() == {"by": "t1"}
    anonymous = await client.post("/content/authored")
    assert anonymous.status_code == 401
