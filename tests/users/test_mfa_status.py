"""Whether the caller's account has TOTP MFA on, and whether it must: the identity port's ``mfa_enabled`` on the
embedded provider, and ``mfa_enabled``/``mfa_required`` on ``GET``/``PATCH /users/me``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from users_support import PASSWORD, bearer, learner, login, sign_up, totp_now

from senas.core.settings import Settings
from senas.platform.identity import Identity
from senas.platform.identity.errors import UnknownUser
from senas.users import keys
from senas.users.context import UsersContext
from senas.wiring import Platform


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The root settings; ``indirect`` parametrisation turns SENAS_MFA_REQUIRED_FOR_ALL on for one test."""
    return settings.model_copy(update={"mfa_required_for_all": getattr(request, "param", False)})


def identity_of(platform: Platform) -> Identity:
    assert platform.identity is not None
    return platform.identity


async def me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/users/me", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def enrol_with_session(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """A login that must enrol first (``mfa_setup``): enrol and confirm with its session; the new login's headers."""
    first = await login(client, email)
    assert first["challenge"] == "mfa_setup", first
    enrolment = await client.post("/users/auth/mfa/enrol", json={"session": first["session"]})
    assert enrolment.status_code == 200, enrolment.text
    code = totp_now(enrolment.json()["secret"])
    done = await client.post("/users/auth/mfa/confirm", json={"code": code, "session": first["session"]})
    assert done.status_code == 200, done.text
    return bearer(done.json()["tokens"]["access_token"])


async def test_the_local_provider_reports_mfa_only_once_confirmed(users_platform: Platform) -> None:
    identity = identity_of(users_platform)
    with pytest.raises(UnknownUser):
        await identity.mfa_enabled("nobody")
    user_id = await identity.sign_up("local-mfa@example.com", PASSWORD)
    assert await identity.mfa_enabled(user_id) is False
    tokens = (await identity.login("local-mfa@example.com", PASSWORD)).tokens
    assert tokens is not None
    enrolment = await identity.begin_mfa_enrolment(tokens.access_token)
    assert await identity.mfa_enabled(user_id) is False, "a begun enrolment is not MFA yet"
    await identity.confirm_mfa_enrolment(tokens.access_token, totp_now(enrolment.secret))
    assert await identity.mfa_enabled(user_id) is True
    assert (await identity.login("local-mfa@example.com", PASSWORD)).challenge == "totp"  # what "on" means


async def test_a_learner_is_off_after_sign_up_and_on_after_enrolment(client: httpx.AsyncClient) -> None:
    user = await learner(client, "estado@example.com")
    before = await me(client, user.headers)
    assert (before["mfa_enabled"], before["mfa_required"]) == (False, False)

    enrolment = await client.post("/users/auth/mfa/enrol", json={}, headers=user.headers)
    assert enrolment.status_code == 200, enrolment.text
    assert (await me(client, user.headers))["mfa_enabled"] is False, "a begun enrolment is not MFA yet"
    code = totp_now(enrolment.json()["secret"])
    confirmed = await client.post("/users/auth/mfa/confirm", json={"code": code}, headers=user.headers)
    assert confirmed.status_code == 200, confirmed.text

    after = await me(client, user.headers)  # the same access token: the status is read, not taken from it
    assert (after["mfa_enabled"], after["mfa_required"]) == (True, False)
    patched = await client.patch("/users/me", json={"display_name": "Estela"}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["display_name"], patched.json()["mfa_enabled"]) == ("Estela", True)


async def test_a_teacher_must_use_mfa(client: httpx.AsyncClient, runtime: UsersContext, mint_token: Any) -> None:
    created = await sign_up(client, "profe@example.com")
    await runtime.identity.set_roles(created["user_id"], frozenset({"learner", "teacher"}))
    # A teacher's token from before the enrolment (a login now has to enrol first, as below).
    pending = await me(client, bearer(mint_token(created["user_id"], roles=("learner", "teacher"))))
    assert (pending["mfa_enabled"], pending["mfa_required"]) == (False, True)

    enrolled = await me(client, await enrol_with_session(client, "profe@example.com"))
    assert enrolled["roles"] == ["learner", "teacher"]
    assert (enrolled["mfa_enabled"], enrolled["mfa_required"]) == (True, True)


@pytest.mark.parametrize("settings", [True], indirect=True)
async def test_everyone_must_use_mfa_when_configured(client: httpx.AsyncClient, mint_token: Any) -> None:
    created = await sign_up(client, "todos@example.com")
    pending = await me(client, bearer(mint_token(created["user_id"])))
    assert (pending["roles"], pending["mfa_enabled"], pending["mfa_required"]) == (["learner"], False, True)

    enrolled = await me(client, await enrol_with_session(client, "todos@example.com"))
    assert (enrolled["mfa_enabled"], enrolled["mfa_required"]) == (True, True)


async def test_a_token_of_an_account_the_provider_no_longer_has_is_refused(
    client: httpx.AsyncClient, runtime: UsersContext, mint_token: Any
) -> None:
    ghost = bearer(mint_token("ghost", email="ghost@example.com"))
    for method, body in (("GET", None), ("PATCH", {"display_name": "Fantasma"})):
        response = await client.request(method, "/users/me", json=body, headers=ghost)
        assert response.status_code == 401, (method, response.text)
        assert response.json()["error"] == "account_deleted"
    # Refused before a default profile was made for it.
    assert await runtime.ports.user_data.get(keys.user("ghost"), keys.PROFILE) is None
