"""Issue 14, the account findings over HTTP on the user service: wrong TOTP codes limited per account (#5),
replacing the second factor only with a step-up and telling the owner (#5), step-up for deleting the account (#8),
notification streams that end with their token and are capped per user (#13), and the first admin made by an
operator instead of by signing up with a configured address (#7)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from users_support import PASSWORD, bearer, learner, login, sign_up, totp_now

from senas.core.settings import Settings
from senas.users import bootstrap
from senas.users.app import create_app
from senas.users.context import UsersContext
from senas.users.settings import UsersSettings
from senas.wiring import Platform, build_platform


async def enrolled(client: httpx.AsyncClient, email: str) -> tuple[Any, str]:
    """A learner with TOTP confirmed: (learner, secret). The confirmation used the current step's code."""
    user = await learner(client, email)
    enrolment = await client.post("/users/auth/mfa/enrol", json={}, headers=user.headers)
    assert enrolment.status_code == 200, enrolment.text
    secret = enrolment.json()["secret"]
    confirmed = await client.post("/users/auth/mfa/confirm", json={"code": totp_now(secret)}, headers=user.headers)
    assert confirmed.status_code == 200, confirmed.text
    return user, secret


def next_code(secret: str, steps: int = 1) -> str:
    return totp_now(secret, steps)


def code_at(secret: str, identity_time: Any, steps: int = 0) -> str:
    """The code of the identity provider's (movable) now."""
    return pyotp.TOTP(secret).generate_otp(int((time.time() + identity_time.offset) // 30) + steps)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- #5: wrong codes per account -----------------------------------------------------------------------------------


async def test_wrong_codes_are_limited_per_account_across_logins(client: httpx.AsyncClient, identity_time: Any) -> None:
    """18 wrong codes over 3 logins, then the right one, used to be accepted (5 per session, 30 per address a
    minute). Now the account backs off after 5 wrong codes, whatever the session: 429 with Retry-After, the right
    code included, until the wait is over."""
    _, secret = await enrolled(client, "codigos@example.com")
    outcomes = []
    for _ in range(3):
        session = (await login(client, "codigos@example.com"))["session"]
        for _ in range(6):
            answer = await client.post(
                "/users/auth/mfa/challenge", json={"session": session, "code": wrong(next_code(secret))}
            )
            outcomes.append((answer.status_code, answer.json()["error"]))
    # Five codes are looked at; the first session is then used up (5 per session), and every later code, in any
    # session, waits for the account's back-off.
    assert outcomes[:6] == [(401, "invalid_mfa_code")] * 5 + [(401, "invalid_session")]
    assert set(outcomes[6:]) == {(429, "login_throttled")}
    session = (await login(client, "codigos@example.com"))["session"]
    right = await client.post("/users/auth/mfa/challenge", json={"session": session, "code": next_code(secret)})
    assert right.status_code == 429
    assert right.json()["error"] == "login_throttled"
    assert 0 < int(right.headers["retry-after"]) <= 30
    assert "too many wrong codes for this account" in right.json()["detail"]
    identity_time.offset += 31  # the wait is over: the owner's right code is accepted
    session = (await login(client, "codigos@example.com"))["session"]
    code = pyotp.TOTP(secret).generate_otp(int((time.time() + identity_time.offset) // 30))
    accepted = await client.post("/users/auth/mfa/challenge", json={"session": session, "code": code})
    assert accepted.status_code == 200, accepted.text


# --- #5 and #8: replacing the factor needs a step-up, and the owner is told ---------------------------------------


async def test_replacing_the_second_factor_needs_the_password_or_a_current_code(
    client: httpx.AsyncClient, identity_time: Any
) -> None:
    """Issue 14 #5/#8: an access token alone used to replace the second factor."""
    user, secret = await enrolled(client, "factor@example.com")
    # The confirmation of the first factor told the owner already.
    inbox = (await client.get("/users/me/notifications", headers=user.headers)).json()["notifications"]
    assert [(n["kind"], n["data"]) for n in inbox] == [("security", {"event": "mfa_enrolled"})]
    assert inbox[0]["title_es"] == "Nueva verificación en dos pasos"
    assert inbox[0]["title_en"] == "New two-step verification"

    bare = await client.post("/users/auth/mfa/enrol", json={}, headers=user.headers)
    assert bare.status_code == 403, bare.text
    assert bare.json()["error"] == "reauthentication_required"
    assert set(bare.json()) >= {"error", "detail"}
    bad = await client.post("/users/auth/mfa/enrol", json={"password": "no-es-la-mia-42"}, headers=user.headers)
    assert bad.status_code == 403
    assert bad.json()["error"] == "reauthentication_failed"
    bad_code = await client.post("/users/auth/mfa/enrol", json={"code": wrong(next_code(secret))}, headers=user.headers)
    assert bad_code.status_code == 403
    # With a current code of the factor.
    with_code = await client.post("/users/auth/mfa/enrol", json={"code": next_code(secret)}, headers=user.headers)
    assert with_code.status_code == 200, with_code.text
    # With the password: a new secret, confirmed with its own code; the owner is told again.
    with_password = await client.post("/users/auth/mfa/enrol", json={"password": PASSWORD}, headers=user.headers)
    assert with_password.status_code == 200, with_password.text
    new_secret = with_password.json()["secret"]
    identity_time.offset += 90  # past the steps already used (the replay guard is per account)
    confirmed = await client.post(
        "/users/auth/mfa/confirm", json={"code": code_at(new_secret, identity_time)}, headers=user.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    inbox = (await client.get("/users/me/notifications", headers=user.headers)).json()["notifications"]
    assert [n["kind"] for n in inbox] == ["security", "security"]
    # The old factor is gone: its code no longer signs in.
    session = (await login(client, "factor@example.com"))["session"]
    old = await client.post(
        "/users/auth/mfa/challenge", json={"session": session, "code": code_at(secret, identity_time, 1)}
    )
    assert old.status_code == 401


async def test_deleting_the_account_needs_the_password_or_a_code_even_with_a_fresh_token(
    client: httpx.AsyncClient,
) -> None:
    user = await learner(client, "borrar@example.com")
    fresh = await client.post("/users/auth/refresh", json={"refresh_token": user.refresh})
    assert fresh.status_code == 200
    headers = bearer(fresh.json()["access_token"])  # issued a second ago
    refused = await client.request("DELETE", "/users/me", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "reauthentication_required"
    # A code where the account has no factor: use the password.
    no_factor = await client.request("DELETE", "/users/me", json={"code": "123456"}, headers=headers)
    assert no_factor.status_code == 409
    assert no_factor.json()["error"] == "use_password"
    assert (await client.get("/users/me", headers=headers)).status_code == 200
    assert (
        await client.request("DELETE", "/users/me", json={"password": PASSWORD}, headers=headers)
    ).status_code == 204

    mfa_user, secret = await enrolled(client, "borrar-mfa@example.com")
    deleted = await client.request("DELETE", "/users/me", json={"code": next_code(secret)}, headers=mfa_user.headers)
    assert deleted.status_code == 204, deleted.text


async def test_wrong_step_up_passwords_back_off(client: httpx.AsyncClient) -> None:
    user = await learner(client, "stepup@example.com")
    statuses = [
        (
            await client.request("DELETE", "/users/me", json={"password": "no-es-la-mia-42"}, headers=user.headers)
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [403, 403, 403, 429, 429]


# --- #13: notification streams ---------------------------------------------------------------------------------------


async def test_a_stream_ends_when_its_token_expires(
    client: httpx.AsyncClient, runtime: UsersContext, mint_token: Any
) -> None:
    user = await learner(client, "stream@example.com")
    runtime.config = runtime.config.model_copy(update={"sse_poll_seconds": 0.2})
    short = mint_token(user.user_id, exp=int(time.time()) + 2)
    async with asyncio.timeout(15):  # the old stream never ended
        response = await client.get("/users/me/notifications/stream", headers=bearer(short))
    assert response.status_code == 200
    assert response.text.startswith("retry: 3000")
    assert response.text.rstrip().endswith('event: expired\ndata: {"reason": "token_expired"}')
    assert runtime.hub.streams_of(user.user_id) == 0  # the slot went with the stream


async def test_streams_are_capped_per_user(client: httpx.AsyncClient, runtime: UsersContext) -> None:
    user = await learner(client, "tabs@example.com")
    other = await learner(client, "other-tabs@example.com")
    limit = runtime.config.sse_max_streams_per_user
    held = [runtime.hub.try_subscribe(user.user_id, limit) for _ in range(limit)]  # open streams of this user
    assert all(slot is not None for slot in held)
    over = await client.get("/users/me/notifications/stream", headers=user.headers)
    assert over.status_code == 429
    assert over.json()["error"] == "too_many_streams"
    assert "Retry-After" in over.headers
    assert set(over.json()) == {"error", "detail"}
    # Another user is not affected (an expiring token so that the stream ends by itself).
    runtime.hub.close()  # every stream ends at once; the request still gets its 200 and the closing event
    response = await client.get("/users/me/notifications/stream", headers=other.headers)
    assert response.status_code == 200


# --- #7: the first admin ----------------------------------------------------------------------------------------


async def test_signing_up_with_the_old_bootstrap_address_makes_a_learner(
    users_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENAS_USERS_BOOTSTRAP_ADMIN_EMAIL", "first@example.com")
    root = bootstrap.build(users_platform, config=UsersSettings())
    app = create_app(root, run_consumers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        created = await sign_up(client, "first@example.com")
        assert created["roles"] == ["learner"]
        tokens = (await login(client, "first@example.com"))["tokens"]
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["roles"] == ["learner"]


def run_senas(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENAS_")}
    env["SENAS_DATA_DIR"] = str(settings.data_dir)
    src = Path(__file__).resolve().parents[2] / "src"
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "senas.cli", *args],
        env=env,
        cwd=settings.data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
async def test_the_operator_grants_admin_with_the_cli(settings: Settings) -> None:
    platform = build_platform(settings)
    try:
        assert platform.identity is not None
        user_id = await platform.identity.sign_up("jefa@example.com", PASSWORD)
        before = (await platform.identity.login("jefa@example.com", PASSWORD)).tokens
        assert before is not None
    finally:
        await platform.close()
    unknown = run_senas("users", "grant-admin", "nadie@example.com", settings=settings)
    assert unknown.returncode == 1, unknown.stderr
    assert "sign up first" in unknown.stderr
    granted = run_senas("users", "grant-admin", "Jefa@Example.com", settings=settings)
    assert granted.returncode == 0, granted.stderr
    assert user_id in granted.stdout
    platform = build_platform(settings)
    try:
        assert platform.identity is not None
        # The token from before the grant no longer works; the next sign-in must set up MFA (admins need it).
        with pytest.raises(Exception, match="no longer valid"):
            await platform.token_verifier.verify(before.access_token)
        again = await platform.identity.login("jefa@example.com", PASSWORD)
        assert again.challenge == "mfa_setup"
    finally:
        await platform.close()
