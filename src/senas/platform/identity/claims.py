"""The claims of an access token issued by the embedded identity provider (Cognito's access tokens carry the
same information under ``client_id`` and ``cognito:groups``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

LOCAL_AUDIENCE = "senas"


def local_issuer(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/users"


def access_token_claims(
    *,
    user_id: str,
    issuer: str,
    roles: Iterable[str],
    ttl_seconds: int,
    email: str | None = None,
    mfa: bool = False,
    audience: str = LOCAL_AUDIENCE,
    now: float | None = None,
) -> dict[str, Any]:
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": user_id,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "token_use": "access",
        "roles": sorted(set(roles)),
        "mfa": mfa,
    }
    if email is not None:
        claims["email"] = email
    return claims
