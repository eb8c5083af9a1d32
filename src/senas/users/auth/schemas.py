"""Bodies of the /users/auth routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.platform.identity.local import EMAIL_PATTERN
from senas.platform.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from senas.users.accounts.schemas import DisplayName, Hand, Locale, SignLanguageCode, Timezone

NEW_PASSWORD_SCHEMA: dict[str, Any] = {
    "minLength": MIN_PASSWORD_LENGTH,
    "maxLength": MAX_PASSWORD_LENGTH,
    "pattern": r"^[^\x00-\x1f\x7f-\x9f]*$",  # no C0 or C1 control character
}


class SignUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The shape the identity provider checks, published (it answers 422 `invalid_input` for the field email, with a
    # message of its own, for anything else): one '@', a dot after it, no spaces.
    email: str = Field(min_length=3, max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN})
    # The new-password rules (``platform/identity/passwords.py``) as far as a schema can say them: their length, and no
    # control characters. The others (not a common password, five different characters at least, not the email's
    # name) are the provider's alone; it answers 422 `invalid_input` for the field password, saying which.
    password: str = Field(min_length=1, max_length=256, json_schema_extra=NEW_PASSWORD_SCHEMA)
    display_name: DisplayName | None = None
    sign_language: SignLanguageCode | None = None
    dominant_hand: Hand | None = None
    timezone: Timezone | None = None
    locale: Locale | None = None


class SignUpOut(BaseModel):
    user_id: str
    email: str
    roles: list[str]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class LoginOut(BaseModel):
    """``status`` says which half is filled: ``authenticated`` (tokens) or ``challenge`` (answer it at
    /auth/mfa/challenge with a TOTP code, or — for ``mfa_setup`` — enrol at /auth/mfa/enrol and confirm at
    /auth/mfa/confirm with the session)."""

    status: Literal["authenticated", "challenge"]
    tokens: TokensOut | None = None
    challenge: Literal["totp", "mfa_setup"] | None = None
    session: str | None = None


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: str = Field(min_length=10, max_length=512)
    code: str = Field(min_length=6, max_length=10)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=512)


class EnrolIn(BaseModel):
    """Send ``session`` when the login answered ``mfa_setup``; otherwise authenticate with the access token. An
    account that already has a factor replaces it only with ``password`` or a current ``code`` of that factor."""

    model_config = ConfigDict(extra="forbid")

    session: str | None = Field(None, min_length=10, max_length=512)
    password: str | None = Field(None, min_length=1, max_length=256)
    code: str | None = Field(None, min_length=6, max_length=10)


class EnrolOut(BaseModel):
    secret: str
    otpauth_uri: str


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=10)
    session: str | None = Field(None, min_length=10, max_length=512)


class ConfirmOut(BaseModel):
    mfa_enabled: bool
    tokens: TokensOut | None = None


class JwksOut(BaseModel):
    """The identity provider's public signing keys (RFC 7517 JSON Web Key Set)."""

    model_config = ConfigDict(extra="allow")

    keys: list[dict[str, Any]]
