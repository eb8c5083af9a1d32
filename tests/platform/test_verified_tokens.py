"""Checked access tokens remembered for a short while: only good ones, never past their expiry or a minute — and a
revocation still voids a remembered token at once."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from senas.platform import catalog
from senas.platform.identity import InvalidToken
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.identity.verifier import JwtVerifier
from senas.wiring import Platform

ISSUER = "http://issuer.test"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Keys:
    """One RSA key and its JWKS."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    async def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {"keys": [public | {"kid": "k1"}]}

    def token(self, subject: str = "u1", *, expires_in: int = 900, issued_at: float | None = None) -> str:
        iat = int(issued_at if issued_at is not None else time.time())
        claims = {"sub": subject, "iss": ISSUER, "iat": iat, "exp": iat + expires_in, "token_use": "access"}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": "k1"})


def count_checks(verifier: JwtVerifier, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every full check (signature and claims) the verifier makes."""
    checks: list[str] = []
    inner = verifier._check

    async def counted(token: str) -> Any:
        checks.append(token)
        return await inner(token)

    monkeypatch.setattr(verifier, "_check", counted)
    return checks


async def test_a_good_token_is_checked_once_a_minute_and_never_past_its_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys, clock = Keys(), Clock()
    verifier = JwtVerifier(keys.jwks, issuer=ISSUER, audience=None, clock=clock)
    checks = count_checks(verifier, monkeypatch)
    long_lived = keys.token(expires_in=900)
    assert await verifier.verify(long_lived) == await verifier.verify(long_lived)
    assert len(checks) == 1
    clock.now += 61  # past the minute: checked again
    await verifier.verify(long_lived)
    assert len(checks) == 2
    short_lived = keys.token("u2", expires_in=5)
    await verifier.verify(short_lived)
    clock.now += 6  # past its own expiry, inside the minute: checked again (PyJWT decides on real time)
    await verifier.verify(short_lived)
    assert len(checks) == 4


async def test_a_refused_token_is_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    keys, other = Keys(), Keys()
    verifier = JwtVerifier(keys.jwks, issuer=ISSUER, audience=None)
    checks = count_checks(verifier, monkeypatch)
    forged = other.token()  # signed by another key under the same key id
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await verifier.verify(forged)
    assert len(checks) == 3


async def test_a_revocation_voids_a_remembered_token_at_once(platform: Platform) -> None:
    keys = Keys()
    revocations = TokenRevocations(platform.tables.table(platform.settings.table_name(catalog.USER_DATA)))
    verifier = JwtVerifier(keys.jwks, issuer=ISSUER, audience=None, revocations=revocations)
    token = keys.token("demoted", issued_at=time.time() - 5)
    assert (await verifier.verify(token)).user_id == "demoted"  # checked and remembered
    await revocations.revoke("demoted")  # a role change, in this process
    with pytest.raises(InvalidToken, match="permissions changed"):
        await verifier.verify(token)
