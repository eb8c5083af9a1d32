"""Local verification of access tokens against an identity provider's JWKS (the embedded provider's key
file, or a Cognito user pool's published keys), with issuer, audience, ``token_use`` and expiry checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from senas.platform.identity import InvalidToken, Principal
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.identity.verified_tokens import MAX_AGE_SECONDS, VerifiedTokens

JwksSource = Callable[[], Awaitable[dict[str, Any]]]

KNOWN_ROLES = frozenset({"learner", "teacher", "admin"})


class JwtVerifier:
    """``audience_claim`` is ``aud`` for the embedded provider and ``client_id`` for Cognito access tokens."""

    def __init__(
        self,
        jwks: JwksSource,
        *,
        issuer: str,
        audience: str | None,
        audience_claim: str = "aud",
        token_use: str = "access",  # noqa: S107 - a claim value, not a secret
        leeway_seconds: int = 30,
        cache_seconds: float = 3600.0,
        min_refresh_interval: float = 30.0,
        revocations: TokenRevocations | None = None,
        remember_seconds: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = jwks
        self.issuer = issuer
        self.audience = audience
        self.audience_claim = audience_claim
        self.token_use = token_use
        self.leeway = leeway_seconds
        self.cache_seconds = cache_seconds
        self.min_refresh_interval = min_refresh_interval
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        # Tokens of a user whose roles changed (or who was otherwise signed out everywhere) since they were issued.
        self.revocations = revocations
        self.clock = clock
        self._checked = VerifiedTokens(max_age=remember_seconds)

    async def _refresh(self, seen_fetch: float) -> None:
        async with self._lock:
            if self._fetched_at != seen_fetch:
                return  # another request refreshed while this one waited
            document = await self._source()
            self._keys = {str(k["kid"]): jwt.PyJWK(k) for k in document.get("keys", []) if "kid" in k}
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> jwt.PyJWK:
        age = time.monotonic() - self._fetched_at
        # An unknown kid may mean the provider rotated its keys: refetch, but not more often than allowed.
        if not self._keys or age > self.cache_seconds or (kid not in self._keys and age > self.min_refresh_interval):
            await self._refresh(self._fetched_at)
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken("token signed with an unknown key") from None

    async def verify(self, token: str) -> Principal:
        now = self.clock()
        checked = self._checked.recall(token, now)
        if checked is None:
            checked = await self._check(token)
            self._checked.remember(token, checked, now)
        # Asked on every request, remembered signature or not: a role change voids the user's tokens at once.
        if self.revocations is not None and await self.revocations.is_revoked(
            checked.user_id, checked.issued_at or 0.0
        ):
            raise InvalidToken(
                "el token ya no es válido (cambiaron tus permisos); inicia sesión de nuevo / "
                "the token is no longer valid (your permissions changed); sign in again"
            )
        return checked

    async def _check(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("token not yet valid") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("token from another issuer") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        if self.audience is not None and not _audience_matches(claims.get(self.audience_claim), self.audience):
            raise InvalidToken("token meant for another audience")
        if claims.get("token_use") != self.token_use:
            raise InvalidToken(f"not an {self.token_use} token")
        return principal_from_claims(claims)  # iat and exp are required above


def _audience_matches(value: Any, expected: str) -> bool:
    if isinstance(value, str):
        return value == expected
    if isinstance(value, list):
        return expected in value
    return False


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    groups = claims.get("roles", claims.get("cognito:groups", []))
    roles = frozenset(str(role) for role in groups if str(role) in KNOWN_ROLES) if isinstance(groups, list) else None
    return Principal(
        user_id=str(claims["sub"]),
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        roles=roles or frozenset({"learner"}),
        mfa=bool(claims.get("mfa", False)),
        issued_at=_number(claims.get("iat")),
        expires_at=_number(claims.get("exp")),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
