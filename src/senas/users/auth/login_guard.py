"""Slowing password guessing down without handing anyone a way to lock the owner out (issue 14 #6).

The embedded provider used to lock an e-mail for 15 minutes after five wrong passwords, even against the right
one — so anybody could keep any account (an admin's) locked by sending five guesses every quarter of an hour. NIST
SP 800-63B §5.2.2 asks to limit failed attempts per account (no more than 100 in a row) and warns that a hard
lock-out invites exactly that denial of service; OWASP ASVS 2.2.1 asks for anti-automation that stops brute force
*and* lock-out attacks (soft lock-outs, ever-increasing delays, IP restrictions, risk-based checks) and at most 100
failed attempts per hour on an account. So, in front of either identity provider, three exponential back-offs:

* **address × account** — 3 free failures, then 1 s, 2 s, 4 s … up to 15 min before that address may try that
  account again. One address guessing one password is down to a few tries an hour.
* **address** — 20 free failures over any accounts in an hour, then the same doubling: credential stuffing from
  one address slows down; a classroom behind one NAT can still mistype a fair amount.
* **account** — 10 free failures in an hour from any addresses, then doubling up to 15 min; it applies only to
  addresses that have already failed on this account. An address that has not (the owner's phone, a new
  network) is always heard: a correct password gets in (or gets its second-factor challenge), a wrong one makes
  that address "dirty" and subject to the account's back-off from then on. Past ~20 failures an hour the account's
  back-off is at its 15-minute cap for every dirty address, which keeps failures on the account near ASVS's 100 an
  hour unless the attacker brings a fresh address for each guess; that remaining case is what the breached-password
  check at sign-up (#10), the per-address route budgets and MFA are for, and it is the price of never locking the
  owner out.

Refused attempts are not evaluated (no password hash is computed, nothing is learned) and are not counted, and the
answer is the same whether the account exists or not. A correct password clears its address × account count.
Counters live in the UserData table (``LOGINFAIL#…``, expiring), so every task shares them. The step-up checks of
dangerous actions (``step_up.py``) go through the same guard, keyed by the user id.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from senas.core.errors import TooManyRequestsError
from senas.platform.tables import Table
from senas.platform.tables.counters import Backoff, BackoffCounter

PAIR = Backoff(free=3, base_seconds=1, cap_seconds=900, window_seconds=86400)
ADDRESS = Backoff(free=20, base_seconds=1, cap_seconds=900, window_seconds=3600)
ACCOUNT = Backoff(free=10, base_seconds=1, cap_seconds=900, window_seconds=3600)


def _digest(text: str) -> str:
    """Keys hold a digest, not the e-mail itself."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]


def throttled(retry_after: int, detail: str | None = None) -> TooManyRequestsError:
    """The 429 of every sign-in back-off (ours, or the identity provider's with its own ``detail``)."""
    return TooManyRequestsError(
        detail
        or f"demasiados intentos fallidos; espera {retry_after} s / too many failed attempts; wait {retry_after} s",
        code="login_throttled",
        headers={"Retry-After": str(retry_after)},
    )


class LoginGuard:
    def __init__(
        self,
        table: Table,
        *,
        now: Callable[[], float],
        pair: Backoff = PAIR,
        address: Backoff = ADDRESS,
        account: Backoff = ACCOUNT,
    ) -> None:
        self.pairs = BackoffCounter(table, "LOGINFAIL#PAIR", pair, now=now)
        self.addresses = BackoffCounter(table, "LOGINFAIL#ADDRESS", address, now=now)
        self.accounts = BackoffCounter(table, "LOGINFAIL#ACCOUNT", account, now=now)

    @staticmethod
    def keys(account: str, address: str) -> tuple[str, str, str]:
        account_key = _digest(account.strip().lower())
        return f"{account_key}#{_digest(address)}", _digest(address), account_key

    async def check(self, account: str, address: str) -> None:
        """Raise 429 (``login_throttled``, Retry-After) while this address must wait before trying this account."""
        pair_key, address_key, account_key = self.keys(account, address)
        pair, by_address, by_account = await asyncio.gather(
            self.pairs.state(pair_key), self.addresses.state(address_key), self.accounts.state(account_key)
        )
        wait = max(pair.retry_after, by_address.retry_after, by_account.retry_after if pair.failures else 0)
        if wait > 0:
            raise throttled(wait)

    async def failed(self, account: str, address: str) -> None:
        pair_key, address_key, account_key = self.keys(account, address)
        await asyncio.gather(
            self.pairs.fail(pair_key), self.addresses.fail(address_key), self.accounts.fail(account_key)
        )

    async def succeeded(self, account: str, address: str) -> None:
        pair_key, _, _ = self.keys(account, address)
        await self.pairs.clear(pair_key)
