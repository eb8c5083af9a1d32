"""TOTP MFA of the Cognito identity against a moto server: enrolment (AssociateSoftwareToken, VerifySoftwareToken,
SetUserMFAPreference), ``mfa_enabled`` (AdminGetUser's UserMFASettingList) and the SOFTWARE_TOKEN_MFA login
challenge, with codes computed as an authenticator app does.

moto checks TOTP codes only when ``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`` (read on every call, so setting
it in this process reaches the in-process ``ThreadedMotoServer``); its secret is always ``asdfasdfasdf``, too short
for pyotp, hence ``cryptography``'s TOTP with ``enforce_key_length=False``. moto accepts only the current 30 s time
step (no drift window), so codes are computed just before use, never in a step's last seconds.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from aws.cognito_harness import cognito_platform
from senas.platform.identity import Identity, Principal, TokenPair
from senas.platform.identity.aws import MFA_STATUS_TTL_SECONDS, CognitoIdentity
from senas.platform.identity.errors import InvalidMfaCode, InvalidSession, LoginThrottled, UnknownUser
from senas.wiring import Platform

PASSWORD = "Correcto-Caballo-42"
TIME_STEP = 30


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # before moto handles any call
    async with cognito_platform(tmp_path) as built:
        yield built


async def current_code(secret: str) -> str:
    """The code an authenticator app shows now for a base32 ``secret`` (waiting out a step's last 3 seconds)."""
    left = TIME_STEP - time.time() % TIME_STEP
    if left < 3:
        await asyncio.sleep(left + 0.1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    return TOTP(key, 6, SHA1(), TIME_STEP, enforce_key_length=False).generate(int(time.time())).decode()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def identity_of(platform: Platform) -> Identity:
    assert platform.identity is not None
    return platform.identity


async def signed_in(identity: Identity, email: str) -> tuple[str, TokenPair]:
    user_id = await identity.sign_up(email, PASSWORD)
    tokens = (await identity.login(email, PASSWORD)).tokens
    assert tokens is not None  # no MFA yet: tokens straight away
    return user_id, tokens


async def enrolled(identity: Identity, email: str) -> tuple[str, str]:
    """A user with TOTP MFA enabled; returns (user id, TOTP secret)."""
    user_id, tokens = await signed_in(identity, email)
    enrolment = await identity.begin_mfa_enrolment(tokens.access_token)
    await identity.confirm_mfa_enrolment(tokens.access_token, await current_code(enrolment.secret))
    return user_id, enrolment.secret


async def test_enrolment_gives_secret_and_uri_and_checks_the_code(platform: Platform) -> None:
    identity = identity_of(platform)
    user_id, tokens = await signed_in(identity, "mia@example.com")
    assert await identity.mfa_enabled(user_id) is False

    enrolment = await identity.begin_mfa_enrolment(tokens.access_token)
    assert enrolment.secret
    uri = urlsplit(enrolment.otpauth_uri)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path).startswith("/Señas:")
    query = parse_qs(uri.query)
    assert query["secret"] == [enrolment.secret]
    assert query["issuer"] == ["Señas"]

    code = await current_code(enrolment.secret)
    with pytest.raises(InvalidMfaCode):  # the error LocalIdentity raises for a wrong code
        await identity.confirm_mfa_enrolment(tokens.access_token, wrong(code))
    after_wrong = (await identity.login("mia@example.com", PASSWORD)).tokens
    assert after_wrong is not None, "a refused code must not enable MFA"
    assert await identity.mfa_enabled(user_id) is False

    await identity.confirm_mfa_enrolment(tokens.access_token, await current_code(enrolment.secret))
    assert await identity.mfa_enabled(user_id) is True
    result = await identity.login("mia@example.com", PASSWORD)
    assert result.tokens is None
    assert result.challenge == "totp"


async def test_mfa_status_comes_from_cognito_and_is_kept_briefly(platform: Platform) -> None:
    """Another task's identity (no shared memory) reads the status from Cognito, and keeps it for the TTL only:
    an enrolment made elsewhere shows once the TTL has passed."""
    identity = identity_of(platform)
    assert isinstance(identity, CognitoIdentity)
    now = [0.0]
    other_task = CognitoIdentity(
        identity.clients,
        user_pool_id=identity.user_pool_id,
        client_id=identity.client_id,
        verifier=identity.verifier,
        jwks_url=identity.jwks_url,
        clock=lambda: now[0],
    )
    enrolled_user, _ = await enrolled(identity, "ines@example.com")
    assert await other_task.mfa_enabled(enrolled_user) is True

    user_id, tokens = await signed_in(identity, "olga@example.com")
    assert await other_task.mfa_enabled(user_id) is False
    enrolment = await identity.begin_mfa_enrolment(tokens.access_token)
    await identity.confirm_mfa_enrolment(tokens.access_token, await current_code(enrolment.secret))
    assert await other_task.mfa_enabled(user_id) is False  # within the TTL: the cached answer
    now[0] += MFA_STATUS_TTL_SECONDS + 1
    assert await other_task.mfa_enabled(user_id) is True


async def test_mfa_enabled_of_an_unknown_user(platform: Platform) -> None:
    with pytest.raises(UnknownUser):
        await identity_of(platform).mfa_enabled("00000000-0000-0000-0000-000000000000")


async def test_login_of_enrolled_user_is_a_totp_challenge(platform: Platform) -> None:
    identity = identity_of(platform)
    user_id, secret = await enrolled(identity, "noa@example.com")

    result = await identity.login("noa@example.com", PASSWORD)
    assert result.tokens is None
    assert result.challenge == "totp"
    assert result.session

    tokens = await identity.answer_mfa_challenge(result.session, await current_code(secret))
    assert tokens.refresh_token
    principal = await platform.token_verifier.verify(tokens.access_token)
    assert principal.user_id == user_id
    assert principal.roles == frozenset({"learner"})


async def test_wrong_code_at_the_challenge_is_refused(platform: Platform) -> None:
    identity = identity_of(platform)
    _, secret = await enrolled(identity, "ivo@example.com")

    result = await identity.login("ivo@example.com", PASSWORD)
    assert result.challenge == "totp"
    assert result.session
    with pytest.raises(InvalidMfaCode):
        await identity.answer_mfa_challenge(result.session, wrong(await current_code(secret)))


async def test_an_account_with_totp_counts_as_signed_in_with_mfa(platform: Platform) -> None:
    """Cognito's access tokens carry no MFA claim; an account with TOTP enabled had to give a code to sign in."""
    identity = identity_of(platform)
    plain_id, _ = await signed_in(identity, "sin-mfa@example.com")
    assert await identity.signed_in_with_mfa(Principal(user_id=plain_id)) is False

    user_id, secret = await enrolled(identity, "con-mfa@example.com")
    result = await identity.login("con-mfa@example.com", PASSWORD)
    assert result.session is not None
    tokens = await identity.answer_mfa_challenge(result.session, await current_code(secret))
    principal = await platform.token_verifier.verify(tokens.access_token)
    assert principal.user_id == user_id
    assert await identity.signed_in_with_mfa(principal) is True


async def test_wrong_codes_are_limited_per_account_across_sessions(platform: Platform) -> None:
    """Issue 14 #5 on Cognito: besides Cognito's own per-session limits, wrong codes are counted per account in the
    UserData table; after 5, every session of the account waits (the right code too)."""
    identity = identity_of(platform)
    _, secret = await enrolled(identity, "limite@example.com")
    wrong_codes = 0
    for _ in range(10):
        if wrong_codes == 5:
            break
        result = await identity.login("limite@example.com", PASSWORD)
        assert result.challenge == "totp"
        assert result.session is not None
        try:
            await identity.answer_mfa_challenge(result.session, wrong(await current_code(secret)))
        except InvalidMfaCode:
            wrong_codes += 1
        except InvalidSession:
            pass
    assert wrong_codes == 5
    result = await identity.login("limite@example.com", PASSWORD)
    assert result.session is not None
    with pytest.raises(LoginThrottled) as waiting:
        await identity.answer_mfa_challenge(result.session, await current_code(secret))
    assert 0 < waiting.value.retry_after <= 30
