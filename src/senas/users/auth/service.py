"""Sign-up, login, MFA and token rotation over the identity port, with the identity errors turned into HTTP
answers (the router stays HTTP-only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from senas.core.errors import (
    ConflictError,
    InvalidInputError,
    TooManyRequestsError,
    UnauthorizedError,
)
from senas.platform.identity import LoginResult, MfaEnrolment, TokenPair
from senas.platform.identity.errors import (
    EmailTaken,
    IdentityError,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidSession,
    InvalidSignUp,
    LoginThrottled,
    MfaNotStarted,
    RefreshTokenInvalid,
    RefreshTokenReused,
    UnknownUser,
)
from senas.users.accounts.service import AccountsService
from senas.users.auth.schemas import SignUpIn
from senas.users.clock import Clock
from senas.users.context import UsersContext


@asynccontextmanager
async def identity_errors() -> AsyncIterator[None]:
    try:
        yield
    except InvalidSignUp as exc:
        raise InvalidInputError(str(exc), code="invalid_input", extra={"fields": [{"field": exc.field}]}) from None
    except EmailTaken as exc:
        raise ConflictError(str(exc), code="email_taken") from None
    except LoginThrottled as exc:
        raise TooManyRequestsError(
            str(exc), code="login_throttled", headers={"Retry-After": str(exc.retry_after)}
        ) from None
    except InvalidCredentials as exc:
        raise UnauthorizedError(str(exc), code="invalid_credentials") from None
    except InvalidMfaCode as exc:
        raise UnauthorizedError(str(exc), code="invalid_mfa_code") from None
    except MfaNotStarted as exc:
        raise ConflictError(str(exc), code="mfa_not_started") from None
    except InvalidSession as exc:
        raise UnauthorizedError(str(exc), code="invalid_session") from None
    except RefreshTokenReused as exc:
        raise UnauthorizedError(str(exc), code="refresh_token_reused") from None
    except RefreshTokenInvalid as exc:
        raise UnauthorizedError(str(exc), code="invalid_refresh_token") from None
    except UnknownUser as exc:
        raise UnauthorizedError(str(exc), code="unknown_user") from None
    except IdentityError as exc:
        raise UnauthorizedError(str(exc), code="identity_error") from None


class AuthService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.identity = context.identity
        self.accounts = AccountsService(context, clock)

    async def sign_up(self, body: SignUpIn) -> tuple[str, str, list[str]]:
        async with identity_errors():
            user_id = await self.identity.sign_up(body.email, body.password)
        email = body.email.strip().lower()
        roles = ["learner"]
        if is_bootstrap_admin(self.context, email):
            roles = ["admin", "learner"]
            await self.identity.set_roles(user_id, frozenset(roles))
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

    async def login(self, email: str, password: str) -> LoginResult:
        async with identity_errors():
            return await self.identity.login(email, password)

    async def answer(self, session: str, code: str) -> TokenPair:
        async with identity_errors():
            return await self.identity.answer_mfa_challenge(session, code)

    async def refresh(self, refresh_token: str) -> TokenPair:
        async with identity_errors():
            return await self.identity.refresh(refresh_token)

    async def logout(self, refresh_token: str) -> None:
        async with identity_errors():
            await self.identity.logout(refresh_token)

    async def begin_enrolment(self, access_token_or_session: str) -> MfaEnrolment:
        async with identity_errors():
            return await self.identity.begin_mfa_enrolment(access_token_or_session)

    async def confirm_enrolment(self, access_token: str, code: str) -> None:
        async with identity_errors():
            await self.identity.confirm_mfa_enrolment(access_token, code)


def is_bootstrap_admin(context: UsersContext, email: str) -> bool:
    configured = context.config.bootstrap_admin_email
    return configured is not None and configured.strip().lower() == email
