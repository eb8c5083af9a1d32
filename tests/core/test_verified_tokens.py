"""Verified access tokens remembered for a short while: only good ones, never past their expiry or a minute."""

from __future__ import annotations

import base64
import json

import pytest

from senas.core.verified_tokens import VerifiedTokens
from senas.platform.identity import InvalidToken, Principal


def token(exp: float, subject: str = "u1") -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'sub': subject, 'exp': exp})}.signature"


class CountingVerifier:
    def __init__(self) -> None:
        self.calls = 0
        self.refuse: set[str] = set()

    async def verify(self, value: str) -> Principal:
        self.calls += 1
        if value in self.refuse:
            raise InvalidToken("refused")
        return Principal(user_id=value[-12:])


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_good_token_is_verified_once_a_minute_and_never_past_its_expiry() -> None:
    inner, clock = CountingVerifier(), Clock()
    tokens = VerifiedTokens(inner, clock=clock)
    long_lived, short_lived = token(exp=5_000), token(exp=1_010)
    assert await tokens.verify(long_lived) == await tokens.verify(long_lived)
    assert inner.calls == 1
    clock.now += 61  # past the minute: verified again
    await tokens.verify(long_lived)
    assert inner.calls == 2
    await tokens.verify(short_lived)
    clock.now = 1_011  # past its own expiry (inside the minute): asked again, and the verifier decides
    inner.refuse.add(short_lived)
    with pytest.raises(InvalidToken):
        await tokens.verify(short_lived)


async def test_a_refused_token_is_never_remembered() -> None:
    inner = CountingVerifier()
    tokens = VerifiedTokens(inner, clock=Clock())
    bad = token(exp=5_000, subject="bad")
    inner.refuse.add(bad)
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await tokens.verify(bad)
    assert inner.calls == 3
