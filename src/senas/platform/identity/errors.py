"""Errors an identity provider raises (the embedded one and Cognito alike), so the user service can answer
each with the right status without knowing which provider runs. Messages are Spanish first, then English."""

from __future__ import annotations


class IdentityError(Exception):
    """Base class; ``str(error)`` is the message shown to the user."""


class InvalidSignUp(IdentityError):
    """The email or password breaks a rule; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EmailTaken(IdentityError):
    pass


class InvalidCredentials(IdentityError):
    pass


class LoginThrottled(IdentityError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidMfaCode(IdentityError):
    pass


class InvalidSession(IdentityError):
    """An MFA challenge session that is unknown, expired, used up, or not allowed to do this."""


class MfaNotStarted(IdentityError):
    """A code was sent to confirm an enrolment that was never begun."""


class RefreshTokenInvalid(IdentityError):
    """Unknown, expired or revoked refresh token."""


class RefreshTokenReused(RefreshTokenInvalid):
    """A spent refresh token was presented again: its whole family is now revoked."""


class UnknownUser(IdentityError):
    pass


class StepUpUnavailable(IdentityError):
    """The provider cannot confirm the caller this way (Cognito has no API to check a TOTP code outside a sign-in)."""
