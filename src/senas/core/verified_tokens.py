"""Access tokens a service has verified, remembered for a short while.

Verifying a token (an RS256 signature, and PyJWT's checks of every segment) cost more than anything else in a small
authenticated request, and a learner sends the same token with every request for its whole life. A token verified
here is taken as verified again without redoing it — for at most a minute, never past its own expiry — exactly as
the first verification answered. Nothing else changes: a token is a statement that stays true until it expires
(there is no revocation to miss), and one that failed is never remembered, so it is checked afresh every time. The
one difference is a signing key withdrawn from the provider's key set: tokens it signed and that were verified in
the last minute are accepted for up to that minute more.
"""

from __future__ import annotations

import base64
import json
import time
from collections import OrderedDict
from collections.abc import Callable

from senas.platform.identity import Principal, TokenVerifier

MAX_AGE_SECONDS = 60.0
MAX_TOKENS = 20_000


class VerifiedTokens:
    """A ``TokenVerifier`` in front of another."""

    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        max_age: float = MAX_AGE_SECONDS,
        size: int = MAX_TOKENS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.max_age = max_age
        self.size = size
        self.clock = clock
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        now = self.clock()
        known = self._verified.get(token)
        if known is not None and known[0] > now:
            return known[1]
        principal = await self.verifier.verify(token)  # raises InvalidToken: nothing is remembered
        expiry = _expiry(token)
        if expiry is not None:
            self._verified[token] = (min(now + self.max_age, expiry), principal)
            self._verified.move_to_end(token)
            while len(self._verified) > self.size:
                self._verified.popitem(last=False)
        return principal


def _expiry(token: str) -> float | None:
    """The ``exp`` claim of a token that has just been verified (so its payload is well-formed JSON)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims["exp"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
