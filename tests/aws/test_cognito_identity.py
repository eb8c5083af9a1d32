"""Cognito identity against a moto server: real HTTP for the pool's JWKS, tokens verified locally with issuer,
client id, token_use and expiry checks, groups as roles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from aws.cognito_harness import cognito_platform
from senas.platform.identity import InvalidToken
from senas.platform.identity.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidSession,
    InvalidSignUp,
    RefreshTokenInvalid,
    StepUpUnavailable,
    UnknownUser,
)
from senas.wiring import Platform

PASSWORD = "Correcto-Caballo-42"


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    async with cognito_platform(tmp_path) as built:
        yield built


async def test_sign_up_login_and_local_verification(platform: Platform) -> None:
    assert platform.identity is not None
    user_id = await platform.identity.sign_up("Ana@Example.com", PASSWORD)
    result = await platform.identity.login("ana@example.com", PASSWORD)
    assert result.tokens is not None
    principal = await platform.token_verifier.verify(result.tokens.access_token)
    assert principal.user_id == user_id
    assert principal.roles == frozenset({"learner"})
    claims = jwt.decode(result.tokens.access_token, options={"verify_signature": False})
    assert claims["token_use"] == "access"
    assert claims["client_id"] == platform.settings.cognito_client_id
    jwks = await platform.identity.jwks()
    assert jwt.get_unverified_header(result.tokens.access_token)["kid"] in {key["kid"] for key in jwks["keys"]}


async def test_groups_become_roles_after_a_refresh(platform: Platform) -> None:
    assert platform.identity is not None
    user_id = await platform.identity.sign_up("teo@example.com", PASSWORD)
    first = (await platform.identity.login("teo@example.com", PASSWORD)).tokens
    assert first is not None
    await platform.identity.set_roles(user_id, frozenset({"learner", "teacher"}))
    await asyncio.sleep(1.1)  # a role change voids the tokens of its own second too (Cognito's iat is in seconds)
    refreshed = await platform.identity.refresh(first.refresh_token)
    assert refreshed.refresh_token == first.refresh_token  # Cognito keeps the refresh token (see identity/aws.py)
    principal = await platform.token_verifier.verify(refreshed.access_token)
    assert principal.roles == frozenset({"learner", "teacher"})
    await platform.identity.set_roles(user_id, frozenset({"learner"}))
    await asyncio.sleep(1.1)
    principal = await platform.token_verifier.verify(
        (await platform.identity.refresh(first.refresh_token)).access_token
    )
    assert principal.roles == frozenset({"learner"})


async def test_bad_input_and_wrong_credentials(platform: Platform) -> None:
    identity = platform.identity
    assert identity is not None
    await identity.sign_up("eva@example.com", PASSWORD)
    with pytest.raises(EmailTaken):
        await identity.sign_up("EVA@example.com", PASSWORD)
    with pytest.raises(InvalidSignUp) as bad_email:
        await identity.sign_up("not-an-email", PASSWORD)
    assert bad_email.value.field == "email"
    with pytest.raises(InvalidSignUp) as weak:
        await identity.sign_up("otro@example.com", "short")
    assert weak.value.field == "password"
    for breached in ("qwerty1234", "Password1!", "manos\x00que-hablan-42"):  # issue 14 #10: the same rules
        with pytest.raises(InvalidSignUp) as refused:
            await identity.sign_up("otro@example.com", breached)
        assert refused.value.field == "password"
    with pytest.raises(InvalidCredentials):
        await identity.login("eva@example.com", "Incorrecta-Clave-99")
    with pytest.raises(InvalidCredentials):
        await identity.login("nadie@example.com", PASSWORD)
    with pytest.raises(RefreshTokenInvalid):
        await identity.refresh("not-a-refresh-token")
    with pytest.raises(UnknownUser):
        await identity.set_roles("00000000-0000-0000-0000-000000000000", frozenset({"teacher"}))
    with pytest.raises(InvalidSignUp):
        await identity.set_roles("whoever", frozenset({"owner"}))
    with pytest.raises(InvalidSession):
        await identity.answer_mfa_challenge("garbage", "123456")
    with pytest.raises(InvalidSession):
        await identity.begin_mfa_enrolment("not-a-token")


async def test_tokens_for_another_client_or_tampered_are_refused(platform: Platform) -> None:
    assert platform.identity is not None
    await platform.identity.sign_up("leo@example.com", PASSWORD)
    tokens = (await platform.identity.login("leo@example.com", PASSWORD)).tokens
    assert tokens is not None
    other_client = type(platform.token_verifier)(  # same pool keys, another app client
        platform.token_verifier._source,  # type: ignore[attr-defined]
        issuer=platform.token_verifier.issuer,  # type: ignore[attr-defined]
        audience="another-client",
        audience_claim="client_id",
    )
    with pytest.raises(InvalidToken, match="audience"):
        await other_client.verify(tokens.access_token)
    head, body, signature = tokens.access_token.split(".")
    with pytest.raises(InvalidToken):
        await platform.token_verifier.verify(f"{head}.{body}.{signature[::-1]}")


async def test_deleted_user_cannot_log_in(platform: Platform) -> None:
    assert platform.identity is not None
    user_id = await platform.identity.sign_up("bye@example.com", PASSWORD)
    await platform.identity.delete_user(user_id)
    with pytest.raises(InvalidCredentials):
        await platform.identity.login("bye@example.com", PASSWORD)


async def test_the_operator_grants_admin_and_old_tokens_stop_working(platform: Platform) -> None:
    """Issue 14 #7 and #9 on Cognito: `senas users grant-admin` is AdminAddUserToGroup through the identity port, and
    a role change voids the tokens issued before it in our verifiers (Cognito's own tokens carry no version)."""
    identity = platform.identity
    assert identity is not None
    user_id = await identity.sign_up("jefa@example.com", PASSWORD)
    before = (await identity.login("jefa@example.com", PASSWORD)).tokens
    assert before is not None
    assert (await platform.token_verifier.verify(before.access_token)).roles == frozenset({"learner"})
    assert await identity.grant_role("Jefa@Example.com", "admin") == user_id
    with pytest.raises(InvalidToken, match="no longer valid"):
        await platform.token_verifier.verify(before.access_token)
    with pytest.raises(UnknownUser):
        await identity.grant_role("nadie@example.com", "admin")
    await asyncio.sleep(1.1)  # Cognito's iat is whole seconds: a token of the revocation's own second is refused
    after = await identity.refresh(before.refresh_token)
    assert (await platform.token_verifier.verify(after.access_token)).roles == frozenset({"learner", "admin"})


async def test_step_up_checks_the_password_and_asks_for_it_instead_of_a_code(platform: Platform) -> None:
    """Issue 14 #8 on Cognito: the password is checked with an auth flow of its own; a TOTP code cannot be checked
    outside a sign-in, so step-up by code answers StepUpUnavailable (the user service tells the user to send the
    password)."""
    identity = platform.identity
    assert identity is not None
    user_id = await identity.sign_up("paso@example.com", PASSWORD)
    await identity.verify_password(user_id, PASSWORD)
    with pytest.raises(InvalidCredentials):
        await identity.verify_password(user_id, "Incorrecta-Clave-99")
    with pytest.raises(StepUpUnavailable):
        await identity.verify_mfa_code(user_id, "123456")
