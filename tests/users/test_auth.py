"""Every auth flow over HTTP: sign-up rules, login, rotation with reuse detection, logout, throttling, MFA
enrolment and challenges (with replay guard), roles and the first admin, expired and foreign tokens."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from fastapi import FastAPI
from users_support import PASSWORD, bearer, learner, login, sign_up, totp_now

from senas.gateway.app import PathRouter
from senas.users.app import create_app
from senas.users.bootstrap import UsersRoot
from senas.users.clock import ManualClock
from senas.users.context import UsersContext
from senas.wiring import Platform


async def test_sign_up_then_login_gives_tokens_that_work(client: httpx.AsyncClient) -> None:
    created = await sign_up(client, "Ana@Example.com", display_name="Ana", timezone="America/Mexico_City")
    assert created["email"] == "ana@example.com"
    assert created["roles"] == ["learner"]
    body = await login(client, "ana@example.com")
    assert body["status"] == "authenticated"
    tokens = body["tokens"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    me = await client.get("/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["display_name"] == "Ana"
    assert me.json()["timezone"] == "America/Mexico_City"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short1"}, "password"),
        ({"email": "a@example.com", "password": "aaaaaaaaaaaa"}, "password"),
        ({"email": "carolina@example.com", "password": "carolina-2024"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        # Issue 14 #10: common or breached passwords, also padded with digits and symbols, and control characters.
        ({"email": "a@example.com", "password": "qwerty1234"}, "password"),
        ({"email": "a@example.com", "password": "Password1!"}, "password"),
        ({"email": "a@example.com", "password": "2024Dragon!!"}, "password"),
        ({"email": "a@example.com", "password": "Contraseña123"}, "password"),
        ({"email": "a@example.com", "password": "manos\x00que-hablan-42"}, "password"),
        ({"email": "a@example.com", "password": "manos-que\nhablan-42"}, "password"),
    ],
)
async def test_sign_up_refuses_bad_email_or_weak_password(
    client: httpx.AsyncClient, payload: dict[str, str], field: str
) -> None:
    response = await client.post("/users/auth/signup", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert field in str(body)


async def test_breached_password_and_control_characters_say_why(client: httpx.AsyncClient) -> None:
    common = await client.post("/users/auth/signup", json={"email": "c@example.com", "password": "Password1!"})
    assert common.status_code == 422
    assert common.json()["detail"] == (
        "esa contraseña es común o ya apareció en filtraciones; elige otra / "
        "that password is common or has appeared in breaches; choose another"
    )
    nul = await client.post("/users/auth/signup", json={"email": "c@example.com", "password": "manos\x00que-hablan-42"})
    assert nul.status_code == 422
    assert "control" in nul.json()["detail"]
    assert (
        await client.post("/users/auth/signup", json={"email": "c@example.com", "password": PASSWORD})
    ).status_code == 201


def test_the_shipped_list_is_large_and_its_source_recorded() -> None:
    from senas.platform.identity.passwords import COMMON_PASSWORDS_FILE, common_passwords

    assert len(common_passwords()) >= 10_000
    assert {"qwerty1234", "password1", "iloveyou"} <= common_passwords()
    notice = COMMON_PASSWORDS_FILE.with_name("common-passwords.NOTICE.md").read_text(encoding="utf-8")
    assert "zxcvbn 4.5.0" in notice
    assert "MIT License" in notice


async def test_sign_up_refuses_invalid_timezone_and_unknown_fields(client: httpx.AsyncClient) -> None:
    bad_zone = await client.post(
        "/users/auth/signup", json={"email": "z@example.com", "password": PASSWORD, "timezone": "Mars/Olympus"}
    )
    assert bad_zone.status_code == 422
    assert bad_zone.json()["fields"][0]["field"] == "timezone"
    extra = await client.post(
        "/users/auth/signup", json={"email": "z@example.com", "password": PASSWORD, "roles": ["admin"]}
    )
    assert extra.status_code == 422


async def test_email_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    await sign_up(client, "dup@example.com")
    again = await client.post("/users/auth/signup", json={"email": " DUP@example.com ", "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["error"] == "email_taken"


async def test_concurrent_sign_ups_with_one_email_create_one_account(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(client.post("/users/auth/signup", json={"email": "race@example.com", "password": PASSWORD}) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    await sign_up(client, "b@example.com")
    wrong = await client.post("/users/auth/login", json={"email": "b@example.com", "password": "nope-nope-nope"})
    unknown = await client.post("/users/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def at_address(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client at ``address``, through the local gateway (which appends it to X-Forwarded-For)."""
    transport = httpx.ASGITransport(app=PathRouter({"/users": app}, app), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


@pytest.fixture
def users_app(users_root: UsersRoot, clock: ManualClock) -> FastAPI:
    app = create_app(users_root, run_consumers=False)
    return app


async def test_guessing_backs_off_per_address_and_the_owner_still_gets_in(
    users_app: FastAPI, users_platform: Platform, clock: ManualClock
) -> None:
    """Issue 14 #6: five wrong passwords used to lock any account for 15 minutes against the right password too
    (admins included). Now the guessing address backs off exponentially and the owner, from a clean address, gets
    in — or gets the second-factor challenge."""
    wrong = {"email": "victima@example.com", "password": "adivina-adivina-1"}
    async with at_address(users_app, "198.51.100.7") as attacker, at_address(users_app, "203.0.113.9") as owner:
        await sign_up(owner, "victima@example.com")
        statuses = [(await attacker.post("/users/auth/login", json=wrong)).status_code for _ in range(8)]
        assert statuses == [401, 401, 401, 429, 429, 429, 429, 429]
        refused = await attacker.post("/users/auth/login", json={**wrong, "password": PASSWORD})
        assert refused.status_code == 429  # not even evaluated while it waits
        assert refused.json() == {
            "error": "login_throttled",
            "detail": "demasiados intentos fallidos; espera 1 s / too many failed attempts; wait 1 s",
        }
        assert refused.headers["retry-after"] == "1"
        # The owner is not locked out.
        assert (await login(owner, "victima@example.com"))["status"] == "authenticated"
        # The attacker's waits double: 1 s, then 2 s, then 4 s …
        clock.advance(timedelta(seconds=1))
        assert (await attacker.post("/users/auth/login", json=wrong)).status_code == 401
        again = await attacker.post("/users/auth/login", json=wrong)
        assert (again.status_code, again.headers["retry-after"]) == (429, "2")
        # Many addresses: the first guess of each is heard, and the account's failures add up …
        for n in range(8):
            async with at_address(users_app, f"192.0.2.{n + 10}") as helper:
                assert (await helper.post("/users/auth/login", json=wrong)).status_code == 401
        # … so that past 10 of them every address that already failed on the account waits the account's back-off.
        async with at_address(users_app, "192.0.2.10") as dirty:
            held = await dirty.post("/users/auth/login", json=wrong)
            assert held.status_code == 429
            assert int(held.headers["retry-after"]) >= 2
        # … while a correct password from a clean address still gets in, and an admin gets its MFA challenge.
        assert (await login(owner, "victima@example.com"))["status"] == "authenticated"
        assert users_platform.identity is not None
        await sign_up(owner, "jefa@example.com")
        await users_platform.identity.grant_role("jefa@example.com", "admin")
        boss = {"email": "jefa@example.com", "password": "adivina-adivina-1"}
        for _ in range(6):
            await attacker.post("/users/auth/login", json=boss)
        assert (await login(owner, "jefa@example.com"))["challenge"] == "mfa_setup"


async def test_one_address_trying_many_accounts_backs_off(users_app: FastAPI) -> None:
    async with at_address(users_app, "198.51.100.8") as stuffer:
        statuses = [
            (
                await stuffer.post("/users/auth/login", json={"email": f"u{n}@example.com", "password": "x" * 12})
            ).status_code
            for n in range(22)
        ]
    assert statuses == [401] * 20 + [429, 429]


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(client: httpx.AsyncClient) -> None:
    user = await learner(client, "r@example.com")
    first = await client.post("/users/auth/refresh", json={"refresh_token": user.refresh})
    assert first.status_code == 200
    second_refresh = first.json()["refresh_token"]
    assert second_refresh != user.refresh
    assert (await client.get("/users/me", headers=bearer(first.json()["access_token"]))).status_code == 200
    # The spent token is presented again (stolen copy): refused, and the family is revoked …
    reuse = await client.post("/users/auth/refresh", json={"refresh_token": user.refresh})
    assert reuse.status_code == 401
    assert reuse.json()["error"] == "refresh_token_reused"
    # … so the legitimate newest token of the family no longer works either.
    after = await client.post("/users/auth/refresh", json={"refresh_token": second_refresh})
    assert after.status_code == 401
    assert after.json()["error"] in {"invalid_refresh_token", "refresh_token_reused"}
    # Another login (another family) is unaffected.
    assert (await login(client, "r@example.com"))["status"] == "authenticated"


async def test_two_concurrent_refreshes_of_one_token_cannot_both_succeed(client: httpx.AsyncClient) -> None:
    user = await learner(client, "cc@example.com")
    responses = await asyncio.gather(
        *(client.post("/users/auth/refresh", json={"refresh_token": user.refresh}) for _ in range(4))
    )
    assert [r.status_code for r in responses].count(200) <= 1


async def test_unknown_refresh_token_and_logout(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/users/auth/refresh", json={"refresh_token": "x" * 43})
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_refresh_token"
    user = await learner(client, "lo@example.com")
    out = await client.post("/users/auth/logout", json={"refresh_token": user.refresh})
    assert out.status_code == 204
    refused = await client.post("/users/auth/refresh", json={"refresh_token": user.refresh})
    assert refused.status_code == 401
    # Logging out twice (or with an unknown token) is harmless.
    assert (await client.post("/users/auth/logout", json={"refresh_token": user.refresh})).status_code == 204


async def test_expired_token_and_token_for_another_audience_are_refused(
    client: httpx.AsyncClient, mint_token: Any
) -> None:
    expired = mint_token("u-1", exp=int(time.time()) - 120)
    response = await client.get("/users/me", headers=bearer(expired))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "expired" in response.json()["detail"]
    foreign = mint_token("u-1", aud="some-other-app")
    response = await client.get("/users/me", headers=bearer(foreign))
    assert response.status_code == 401
    assert "audience" in response.json()["detail"]
    assert (await client.get("/users/me")).status_code == 401


async def test_jwks_publishes_the_key_that_verifies_issued_tokens(client: httpx.AsyncClient) -> None:
    user = await learner(client, "k@example.com")
    jwks = (await client.get("/users/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(user.access)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert "d" not in key  # public parts only
    claims = jwt.decode(user.access, jwt.PyJWK(key), algorithms=["RS256"], audience="senas")
    assert claims["sub"] == user.user_id
    assert claims["token_use"] == "access"


async def enrol(client: httpx.AsyncClient, headers: dict[str, str], session: str | None = None) -> str:
    body: dict[str, Any] = {} if session is None else {"session": session}
    response = await client.post("/users/auth/mfa/enrol", json=body, headers=headers)
    assert response.status_code == 200, response.text
    uri = urlparse(response.json()["otpauth_uri"])
    assert uri.scheme == "otpauth"
    assert parse_qs(uri.query)["issuer"] == ["Señas"]
    secret: str = response.json()["secret"]
    return secret


async def test_a_learner_enrols_mfa_and_then_logs_in_with_a_code(client: httpx.AsyncClient) -> None:
    user = await learner(client, "m@example.com")
    secret = await enrol(client, user.headers)
    wrong = await client.post("/users/auth/mfa/confirm", json={"code": "000000"}, headers=user.headers)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_mfa_code"
    confirmed = await client.post("/users/auth/mfa/confirm", json={"code": totp_now(secret, -1)}, headers=user.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"mfa_enabled": True}

    challenge = await login(client, "m@example.com")
    assert challenge["status"] == "challenge"
    assert challenge["challenge"] == "totp"
    assert "tokens" not in challenge
    # The session is no access token.
    assert (await client.get("/users/me", headers=bearer(challenge["session"]))).status_code == 401
    bad = await client.post("/users/auth/mfa/challenge", json={"session": challenge["session"], "code": "123456"})
    assert bad.status_code == 401
    code = totp_now(secret)
    answered = await client.post("/users/auth/mfa/challenge", json={"session": challenge["session"], "code": code})
    assert answered.status_code == 200, answered.text
    assert jwt.decode(answered.json()["access_token"], options={"verify_signature": False})["mfa"] is True
    # The same code cannot be used again (replay guard), even in a fresh login.
    again = await login(client, "m@example.com")
    replay = await client.post("/users/auth/mfa/challenge", json={"session": again["session"], "code": code})
    assert replay.status_code == 401
    # A used session cannot be answered twice.
    used = await client.post("/users/auth/mfa/challenge", json={"session": challenge["session"], "code": code})
    assert used.status_code == 401


async def test_confirming_without_enrolling_first_is_a_conflict(client: httpx.AsyncClient) -> None:
    user = await learner(client, "n@example.com")
    response = await client.post("/users/auth/mfa/confirm", json={"code": "123456"}, headers=user.headers)
    assert response.status_code == 409
    assert response.json()["error"] == "mfa_not_started"
    assert (await client.post("/users/auth/mfa/enrol", json={})).status_code == 401


async def make_admin(client: httpx.AsyncClient, platform: Platform, email: str) -> dict[str, str]:
    """An operator's `senas users grant-admin` (the identity port's grant_role) on a signed-up account; the admin
    must enrol MFA at its first login."""
    created = await sign_up(client, email)
    assert created["roles"] == ["learner"]
    assert platform.identity is not None
    assert await platform.identity.grant_role(email.upper(), "admin") == created["user_id"]
    first = await login(client, email)
    assert first["status"] == "challenge"
    assert first["challenge"] == "mfa_setup"
    secret = await enrol(client, {}, session=first["session"])
    done = await client.post("/users/auth/mfa/confirm", json={"code": totp_now(secret), "session": first["session"]})
    assert done.status_code == 200, done.text
    tokens = done.json()["tokens"]
    return bearer(tokens["access_token"])


async def test_admin_bootstrap_mfa_setup_and_granting_teacher(
    client: httpx.AsyncClient, users_platform: Platform
) -> None:
    admin = await make_admin(client, users_platform, "boss@example.com")
    teacher = await learner(client, "teach@example.com")
    granted = await client.put(f"/users/{teacher.user_id}/roles", json={"roles": ["teacher", "learner"]}, headers=admin)
    assert granted.status_code == 200
    assert granted.json()["roles"] == ["learner", "teacher"]
    # The new teacher's old login cannot be refreshed without MFA; a new login must enrol first.
    refresh = await client.post("/users/auth/refresh", json={"refresh_token": teacher.refresh})
    assert refresh.status_code == 401
    again = await login(client, "teach@example.com")
    assert again["challenge"] == "mfa_setup"
    # An mfa_setup session cannot answer a TOTP challenge before enrolling.
    early = await client.post("/users/auth/mfa/challenge", json={"session": again["session"], "code": "123456"})
    assert early.status_code == 409


async def test_only_admins_with_mfa_grant_roles(
    client: httpx.AsyncClient, runtime: UsersContext, mint_token: Any
) -> None:
    user = await learner(client, "plain@example.com")
    forbidden = await client.put(f"/users/{user.user_id}/roles", json={"roles": ["admin"]}, headers=user.headers)
    assert forbidden.status_code == 403
    no_mfa = bearer(mint_token("adm", roles=("admin",)))
    assert (
        await client.put(f"/users/{user.user_id}/roles", json={"roles": ["teacher"]}, headers=no_mfa)
    ).status_code == 403
    admin = bearer(mint_token("adm", roles=("admin",), mfa=True))
    unknown = await client.put("/users/nobody/roles", json={"roles": ["teacher"]}, headers=admin)
    assert unknown.status_code == 404
    bad = await client.put(f"/users/{user.user_id}/roles", json={"roles": ["superuser"]}, headers=admin)
    assert bad.status_code == 422
    self_demote = await client.put("/users/adm/roles", json={"roles": ["learner"]}, headers=admin)
    assert self_demote.status_code == 409


async def test_mfa_required_for_everyone_when_configured(users_platform: Platform, client: httpx.AsyncClient) -> None:
    identity = users_platform.identity
    assert identity is not None
    identity.mfa_required_for_all = True  # type: ignore[attr-defined]
    await sign_up(client, "all@example.com")
    first = await login(client, "all@example.com")
    assert first["challenge"] == "mfa_setup"
