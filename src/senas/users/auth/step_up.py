"""Step-up: a dangerous action needs the password (or a fresh code of the account's second factor) again, not just
an access token (issue 14 #8; OWASP ASVS 3.7.1 / NIST SP 800-63B §7.2: re-authenticate before sensitive
transactions). A stolen access token, or a refreshed one — a refresh proves possession of the refresh token, not
of the person — no longer deletes the account or replaces its second factor.

Wrong passwords here count in the same back-off as sign-in (``login_guard.py``, keyed by the user id and the
address), and wrong codes in the account's TOTP back-off, so step-up is no guessing oracle either."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from senas.core.errors import ConflictError, ForbiddenError
from senas.platform.identity import Principal
from senas.platform.identity.errors import (
    InvalidCredentials,
    InvalidMfaCode,
    LoginThrottled,
    MfaNotStarted,
    StepUpUnavailable,
    UnknownUser,
)
from senas.users.auth.login_guard import LoginGuard, throttled
from senas.users.auth.rate_limits import ClientAddress, epoch_of
from senas.users.context import UsersContext
from senas.users.deps import ClockDep, ContextDep


class StepUp:
    def __init__(self, context: UsersContext, guard: LoginGuard, address: str) -> None:
        self.context = context
        self.guard = guard
        self.address = address

    async def confirm(self, principal: Principal, *, password: str | None, code: str | None) -> None:
        """Return when ``password`` (or ``code``) proves the caller is the account's owner right now; otherwise 403
        (``reauthentication_required`` / ``reauthentication_failed``) or 429 while backing off."""
        identity = self.context.identity
        account = f"user:{principal.user_id}"
        if password is not None:
            await self.guard.check(account, self.address)
            try:
                await identity.verify_password(principal.user_id, password)
            except (InvalidCredentials, UnknownUser):
                await self.guard.failed(account, self.address)
                raise ForbiddenError(
                    "la contraseña no es correcta / the password is not correct", code="reauthentication_failed"
                ) from None
            except LoginThrottled as exc:
                raise throttled(exc.retry_after, str(exc)) from None
            await self.guard.succeeded(account, self.address)
            return
        if code is not None:
            try:
                await identity.verify_mfa_code(principal.user_id, code)
            except InvalidMfaCode:
                raise ForbiddenError(
                    "el código no es correcto / the code is not correct", code="reauthentication_failed"
                ) from None
            except LoginThrottled as exc:
                raise throttled(exc.retry_after, str(exc)) from None
            except (MfaNotStarted, StepUpUnavailable) as exc:
                raise ConflictError(str(exc), code="use_password") from None
            return
        raise ForbiddenError(
            "confirma que eres tú: envía tu contraseña (password) o un código de tu app (code) / "
            "confirm it is you: send your password or a code from your authenticator app",
            code="reauthentication_required",
        )


async def get_step_up(context: ContextDep, clock: ClockDep, address: ClientAddress) -> StepUp:
    return StepUp(context, LoginGuard(context.ports.user_data, now=epoch_of(clock)), address)


StepUpDep = Annotated[StepUp, Depends(get_step_up)]
