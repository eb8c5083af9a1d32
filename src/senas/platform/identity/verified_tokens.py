"""Access tokens whose signature a service has checked, remembered for a short while.

Checking a token (an RS256 signature, and PyJWT's checks of every segment) cost more than anything else in a small
authenticated request, and a learner sends the same token with every request for its whole life. A token checked
here is taken as well signed again without redoing it — for at most a minute, never past its own expiry — with the
principal the first check read. Only the signature and claims are remembered: whether the user's tokens were revoked
since (a role change, ``revocation.py``) is asked on every request, so a revocation shows as soon as it did before.
A token that failed is never remembered, so it is checked afresh every time. The one difference is a signing key
withdrawn from the provider's key set: tokens it signed and that were checked in the last minute are accepted for
up to that minute more.
"""

from __future__ import annotations

from collections import OrderedDict

from senas.platform.identity import Principal

MAX_AGE_SECONDS = 60.0
MAX_TOKENS = 20_000


class VerifiedTokens:
    """The most recently checked tokens (least recently checked dropped first beyond ``size``)."""

    def __init__(self, *, max_age: float = MAX_AGE_SECONDS, size: int = MAX_TOKENS) -> None:
        self.max_age = max_age
        self.size = size
        self._checked: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def recall(self, token: str, now: float) -> Principal | None:
        known = self._checked.get(token)
        if known is None or known[0] <= now:
            return None
        return known[1]

    def remember(self, token: str, checked: Principal, now: float) -> None:
        """Remember a token just checked, with the principal its claims name (``expires_at`` from ``exp``)."""
        if self.max_age <= 0 or checked.expires_at is None:
            return
        self._checked[token] = (min(now + self.max_age, checked.expires_at), checked)
        self._checked.move_to_end(token)
        while len(self._checked) > self.size:
            self._checked.popitem(last=False)
