"""Access tokens issued before a change to the account stop working at once, in every service (issue 14 #9).

Access tokens are verified locally by each service (the content and ML services never ask the identity provider),
so a token keeps the roles it was issued with until it expires — a demoted teacher could keep authoring for the
rest of its 15 minutes. Two ways out were weighed:

* checking roles against the identity store on every write (cached): every service would need the identity
  provider (Cognito's admin API for the content service), and reads by a demoted user would still pass;
* revoking the user's tokens when their roles change: one small record per user, ``REVOKED#<user id>/TOKENS``
  with ``not_before`` (epoch seconds) in the UserData table, that the verifier of every service reads (cached
  briefly) — a token whose ``iat`` is earlier is refused, whatever it is used for.

The second is what is done here. It needs one read (``GetItem`` on one key prefix, the only right the content and
ML task roles get on UserData) per user per cache period, works with Cognito's tokens as they are (no custom
claims), and also serves other "sign out everywhere" moments. The record expires by itself once no token issued
before it can still be valid (a day: the longest access token lifetime either provider allows).

Within one process (``senas up``) a revocation shows at once: the identity provider and the verifiers share this
object. Across processes (the ECS tasks) it shows within ``cache_seconds``.

Times are whole seconds (``iat``), so ``not_before`` is the second *after* the change: a token issued in the same
second as the change is refused. The embedded provider issues its new tokens at ``not_before`` at the earliest (a
fraction of a second ahead, inside the verifier's leeway), so a refresh right after a role change works; with
Cognito a token issued in that same second is refused and the client signs in (or refreshes) again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

from senas.platform.tables import Table

KEY_PREFIX = "REVOKED#"
SORT_KEY = "TOKENS"
# The longest access token lifetime either provider can be configured with (Cognito: 1 day), plus clock leeway.
LONGEST_TOKEN_SECONDS = 86400 + 300
CACHED_USERS = 10_000


def revocation_key(user_id: str) -> tuple[str, str]:
    return f"{KEY_PREFIX}{user_id}", SORT_KEY


@dataclass(eq=False)  # compared and hashed by identity, as a service object
class TokenRevocations:
    table: Table
    _: KW_ONLY
    cache_seconds: float = 10.0
    clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, int | None]] = field(default_factory=dict, init=False, repr=False)

    async def revoke(self, user_id: str, *, at: float | None = None) -> int:
        """Void every access token of ``user_id`` issued up to ``at`` (now); returns the new ``not_before``."""
        moment = self.clock() if at is None else at
        not_before = math.floor(moment) + 1
        current = await self._read(user_id)
        if current is not None and current >= not_before:
            # A second change within the second of the first: tokens issued since carry iat == current (see the
            # module's note), so the stamp moves one second further.
            not_before = current + 1
        pk, sk = revocation_key(user_id)
        await self.table.put(
            {
                "pk": pk,
                "sk": sk,
                "not_before": not_before,
                # The table's expiry runs on the wall clock.
                "expires_at": math.ceil(max(time.time(), not_before)) + LONGEST_TOKEN_SECONDS,
            }
        )
        self._remember(user_id, not_before)
        return not_before

    async def not_before(self, user_id: str) -> int | None:
        """The user's current stamp (None: nothing revoked), read through a short cache."""
        cached = self._cache.get(user_id)
        if cached is not None and self.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        value = await self._read(user_id)
        self._remember(user_id, value)
        return value

    async def is_revoked(self, user_id: str, issued_at: float) -> bool:
        stamp = await self.not_before(user_id)
        return stamp is not None and issued_at < stamp

    async def _read(self, user_id: str) -> int | None:
        item = await self.table.get(*revocation_key(user_id))
        return None if item is None else int(item["not_before"])

    def _remember(self, user_id: str, value: int | None) -> None:
        if len(self._cache) >= CACHED_USERS:
            self._cache.clear()
        self._cache[user_id] = (self.monotonic(), value)
