"""Sign-up, login, MFA and token rotation over the identity port, with the identity errors turned into HTTP
answers (the router stays HTTP-only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from senas.core.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    UnauthorizedError,
)
from senas.platform.identity import LoginResult, MfaEnrolment, Principal, TokenPair
from senas.platform.identity import errors as idp
from senas.users.accounts.service import AccountsService
from senas.users.auth.login_guard import LoginGuard, throttled
from senas.users.auth.rate_limits import epoch_of
from senas.users.auth.schemas import SignUpIn
from senas.users.auth.step_up import StepUp
from senas.users.clock import Clock
from senas.users.context import UsersContext
from senas.users.notifications.service import NotificationsService

# What each identity-provider refusal is over HTTP; the first class that matches wins (subclasses before bases).
_REFUSALS: tuple[tuple[type[idp.IdentityError], type[DomainError], str], ...] = (
    (idp.EmailTaken, ConflictError, "email_taken"),
    (idp.InvalidCredentials, UnauthorizedError, "invalid_credentials"),
    (idp.InvalidMfaCode, UnauthorizedError, "invalid_mfa_code"),
    (idp.MfaNotStarted, ConflictError, "mfa_not_started"),
    (idp.InvalidSession, UnauthorizedError, "invalid_session"),
    (idp.RefreshTokenReused, UnauthorizedError, "refresh_token_reused"),
    (idp.RefreshTokenInvalid, UnauthorizedError, "invalid_refresh_token"),
    (idp.UnknownUser, UnauthorizedError, "unknown_user"),
    (idp.IdentityError, UnauthorizedError, "identity_error"),
)


@asynccontextmanager
async def identity_errors() -> AsyncIterator[None]:
    try:
        yield
    except idp.InvalidSignUp as exc:
        raise InvalidInputError(str(exc), code="invalid_input", extra={"fields": [{"field": exc.field}]}) from None
    except idp.LoginThrottled as exc:
        raise throttled(exc.retry_after, str(exc)) from None
    except idp.IdentityError as exc:
        error, code = next((error, code) for kind, error, code in _REFUSALS if isinstance(exc, kind))
        raise error(str(exc), code=code) from None


class AuthService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.clock = clock
        self.identity = context.identity
        self.accounts = AccountsService(context, clock)
        self.guard = LoginGuard(context.ports.user_data, now=epoch_of(clock))

    async def sign_up(self, body: SignUpIn) -> tuple[str, str, list[str]]:
        """Every new account is a learner. Admins are made by an operator (``senas users grant-admin``), teachers
        by an admin: an e-mail address proves nothing here, since nobody has shown they own it."""
        async with identity_errors():
            user_id = await self.identity.sign_up(body.email, body.password)
        email = body.email.strip().lower()
        roles = ["learner"]
        profile = self.accounts.default_profile(
            user_id,
            email,
            display_name=body.display_name,  # normalised and checked by its schema
            sign_language=body.sign_language,
            dominant_hand=body.dominant_hand,
            timezone=body.timezone,
            locale=body.locale,
        )
        await self.accounts.repository.create_profile(profile)
        return user_id, email, roles

    async def login(self, email: str, password: str, address: str) -> LoginResult:
        await self.guard.check(email, address)  # 429 while this address must wait for this account
        try:
            async with identity_errors():
                result = await self.identity.login(email, password)
        except UnauthorizedError as exc:
            if exc.code == "invalid_credentials":
                await self.guard.failed(email, address)
            raise
        await self.guard.succeeded(email, address)
        return result

    async def answer(self, session: str, code: str) -> TokenPair:
        async with identity_errors():
            return await self.identity.answer_mfa_challenge(session, code)

    async def refresh(self, refresh_token: str) -> TokenPair:
        async with identity_errors():
            return await self.identity.refresh(refresh_token)

    async def logout(self, refresh_token: str) -> None:
        async with identity_errors():
            await self.identity.logout(refresh_token)

    async def begin_enrolment(
        self,
        access_token_or_session: str,
        principal: Principal | None,
        step_up: StepUp,
        *,
        password: str | None,
        code: str | None,
    ) -> MfaEnrolment:
        """With an access token, on an account that already has a factor, this replaces it: that needs the current
        code or the password first (issue 14 #5), or a stolen token could swap the owner's factor for the thief's.
        A first enrolment, and the ``mfa_setup`` session of a login that must enrol, need nothing more (the
        confirmation tells the owner, below)."""
        if principal is not None:
            async with identity_errors():
                has_factor = await self.identity.mfa_enabled(principal.user_id)
            if has_factor:
                await step_up.confirm(principal, password=password, code=code)
        async with identity_errors():
            return await self.identity.begin_mfa_enrolment(access_token_or_session)

    async def confirm_enrolment(self, access_token: str, code: str, principal: Principal) -> None:
        async with identity_errors():
            await self.identity.confirm_mfa_enrolment(access_token, code)
        await self.tell_owner_of_new_factor(principal.user_id)

    async def tell_owner_of_new_factor(self, user_id: str) -> None:
        """An inbox notification (and the live stream) whenever a second factor is set up on the account."""
        await NotificationsService(self.context).security_notice(
            user_id,
            "mfa_enrolled",
            self.clock.now(),
            title_es="Nueva verificación en dos pasos",
            title_en="New two-step verification",
            body_es="Se configuró una app de autenticación en tu cuenta. Si no fuiste tú, avisa a un administrador.",
            body_en="An authenticator app was set up on your account. If this wasn't you, tell an administrator.",
        )
