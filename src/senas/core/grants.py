"""Short-lived grants with which one service calls another's internal routes.

Why a grant, and not a token: the identity provider issues tokens to people (Cognito on AWS, the embedded provider
that stands in for it), and has no machine client a service could sign in as — adding one (an OAuth
client-credentials app client with a resource-server scope) would be one more provider feature to build and test
twice. What every service holds, and no learner ever does, is the deployment's signing secret
(``SENAS_SIGNING_SECRET``: a Secrets Manager secret on AWS, injected by ECS). A grant is an HMAC-SHA256, under a key
derived from that secret for grants alone, over the calling service's name, the HTTP method, the exact path and an
expiry about a minute away. It therefore opens one route, for one caller, briefly; a request that changes the
path, the method or the expiry no longer matches its signature. The derived key keeps grants apart from everything
else signed with the secret (blob URLs sign with the secret itself, over another scheme), so no signature a client
can obtain elsewhere is ever a valid grant.

The header is ``X-Senas-Service-Grant: v1.<caller>.<expires>.<hex signature>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Callable

GRANT_HEADER = "X-Senas-Service-Grant"
GRANT_TTL_SECONDS = 60
# A grant expiring further ahead than this was not made by a service of this deployment (their clocks agree to well
# within a minute): refusing it keeps every grant short-lived even for a caller whose clock runs ahead.
MAX_CLOCK_SKEW_SECONDS = 60
_KEY_LABEL = b"senas-service-grant-key-v1"
_SCHEME = "senas-service-grant-v1"
_GRANT = re.compile(r"^v1\.([a-z][a-z0-9-]{0,31})\.(\d{1,12})\.([0-9a-f]{64})$")


class InvalidGrant(Exception):
    """The grant is missing, malformed, expired, for another route, or not signed with this deployment's key."""


class ServiceGrants:
    def __init__(self, secret: str | bytes, *, clock: Callable[[], float] = time.time) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.new(raw, _KEY_LABEL, hashlib.sha256).digest()
        self._clock = clock

    def header(self, caller: str, method: str, path: str) -> dict[str, str]:
        """The header that lets ``caller`` send ``method path`` for the next minute."""
        expires = math.ceil(self._clock()) + GRANT_TTL_SECONDS
        return {GRANT_HEADER: f"v1.{caller}.{expires}.{self._signature(caller, method, path, expires)}"}

    def verify(self, value: str | None, method: str, path: str, *, callers: frozenset[str]) -> str:
        """The calling service named by a valid grant for exactly this request; raises InvalidGrant."""
        match = _GRANT.fullmatch(value or "")
        if match is None:
            raise InvalidGrant("no well-formed service grant")
        caller, expires, signature = match.group(1), int(match.group(2)), match.group(3)
        expected = self._signature(caller, method, path, expires)
        if not hmac.compare_digest(expected, signature):
            raise InvalidGrant("the grant is not for this request")
        now = self._clock()
        if expires <= now or expires > now + GRANT_TTL_SECONDS + MAX_CLOCK_SKEW_SECONDS:
            raise InvalidGrant("the grant has expired")
        if caller not in callers:
            raise InvalidGrant(f"the {caller} service may not call this route")
        return caller

    def _signature(self, caller: str, method: str, path: str, expires: int) -> str:
        message = json.dumps([_SCHEME, caller, method.upper(), path, expires], separators=(",", ":"))
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()
