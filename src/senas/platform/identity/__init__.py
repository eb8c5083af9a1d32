"""The identity port: accounts, tokens and MFA (local accounts when embedded, a Cognito user pool on AWS).

Services never call the identity provider to authenticate a request: they verify the access token locally with
a ``TokenVerifier`` built from the provider's public keys (JWKS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

ROLES = ("learner", "teacher", "admin")
# Roles whose accounts must sign in with a second factor, whatever SENAS_MFA_REQUIRED_FOR_ALL says.
MFA_ROLES = frozenset({"teacher", "admin"})


def mfa_required(roles: Iterable[str], *, required_for_all: bool) -> bool:
    """Whether an account with these roles must use TOTP MFA: the one rule the embedded provider enforces at
    login and refresh, and the user service reports on the profile (``required_for_all`` is
    ``SENAS_MFA_REQUIRED_FOR_ALL``)."""
    return required_for_all or bool(MFA_ROLES.intersection(roles))


class InvalidToken(Exception):
    """The token is malformed, badly signed, expired, not yet valid, or meant for someone else."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as read from a verified access token."""

    user_id: str
    email: str | None = None
    roles: frozenset[str] = frozenset({"learner"})
    mfa: bool = False
    issued_at: float | None = None  # the token's iat / exp (epoch seconds), when it says
    expires_at: float | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


@dataclass(frozen=True)
class LoginResult:
    """Either tokens, or an MFA challenge to answer with ``answer_mfa_challenge`` (``challenge`` names what is
    asked: ``totp`` for a code, ``mfa_setup`` when the account must enrol first)."""

    tokens: TokenPair | None = None
    challenge: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class MfaEnrolment:
    secret: str
    otpauth_uri: str


@runtime_checkable
class Identity(Protocol):
    async def sign_up(self, email: str, password: str) -> str:
        """Create an account; returns its user id."""

    async def login(self, email: str, password: str) -> LoginResult: ...

    async def answer_mfa_challenge(self, session: str, code: str) -> TokenPair: ...

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is spent; presenting a spent token revokes its whole family."""

    async def logout(self, refresh_token: str) -> None: ...

    async def begin_mfa_enrolment(self, access_token: str) -> MfaEnrolment: ...

    async def confirm_mfa_enrolment(self, access_token: str, code: str) -> None: ...

    async def mfa_enabled(self, user_id: str) -> bool:
        """Whether the account has confirmed TOTP MFA (so every sign-in asks for a code). Raises UnknownUser."""

    async def set_roles(self, user_id: str, roles: frozenset[str]) -> None:
        """Replace the account's roles. Every access token issued to it before stops working in every service
        (``revocation.py``); refreshing gives one with the new roles."""

    async def grant_role(self, email: str, role: str) -> str:
        """Add ``role`` to the account signed up with ``email`` — the operator's ``senas users grant-admin``, for
        which nobody needs to be signed in. Returns its user id; raises UnknownUser."""

    async def verify_password(self, user_id: str, password: str) -> None:
        """Step-up before a dangerous action: raise InvalidCredentials unless ``password`` is the account's."""

    async def verify_mfa_code(self, user_id: str, code: str) -> None:
        """Step-up with a fresh code of the account's TOTP factor: raise MfaNotStarted (no factor), InvalidMfaCode,
        LoginThrottled (too many wrong codes for this account), or StepUpUnavailable where the provider cannot
        check a code outside a sign-in (Cognito: use the password)."""

    async def signed_in_with_mfa(self, principal: Principal) -> bool:
        """Whether this caller's sign-in passed a second factor (required before an admin changes roles).
        The embedded provider records it in the token; Cognito's tokens don't say, but Cognito asks every
        sign-in of an account with TOTP enabled for a code, so there it is whether the account has TOTP."""

    async def delete_user(self, user_id: str) -> None: ...

    async def jwks(self) -> dict[str, Any]:
        """The public signing keys as a JSON Web Key Set."""


@runtime_checkable
class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """The caller of a valid access token. Raises InvalidToken."""
