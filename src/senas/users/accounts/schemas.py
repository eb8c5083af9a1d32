"""Request and response bodies of /users/me and role management."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

SIGN_LANGUAGE = r"^[a-z]{2,8}(-[a-z0-9]{2,8})?$"
LOCALE = r"^(es|en)(-[A-Z]{2})?$"


def check_timezone(value: str) -> str:
    if not value or len(value) > 64 or ".." in value or value.startswith("/"):
        raise ValueError("not an IANA time zone (e.g. Europe/Madrid)")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as America/Mexico_City") from None
    return value


# What a learner may set about themselves, as the profile and the sign-up take it.
SignLanguageCode = Annotated[str, Field(pattern=SIGN_LANGUAGE)]
Hand = Literal["right", "left"]
Timezone = Annotated[str, AfterValidator(check_timezone)]
Locale = Annotated[str, Field(pattern=LOCALE)]


class ProfileOut(BaseModel):
    user_id: str
    email: str | None
    display_name: str
    sign_language: str
    dominant_hand: Literal["right", "left"]
    daily_goal_xp: int
    timezone: str
    locale: str
    roles: list[str]
    mfa_enabled: bool = Field(description="the account has confirmed TOTP MFA: every sign-in asks for a code")
    mfa_required: bool = Field(
        description="the account must use MFA (teachers, admins, and everyone when SENAS_MFA_REQUIRED_FOR_ALL is set)"
    )


class ProfilePatch(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, min_length=1, max_length=50)
    sign_language: SignLanguageCode | None = None
    dominant_hand: Hand | None = None
    daily_goal_xp: int | None = Field(None, ge=10, le=500)
    timezone: Timezone | None = None
    locale: Locale | None = None

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        stripped = value.strip()
        if not stripped:
            raise ValueError("the display name cannot be blank")
        return stripped


class DeleteAccount(BaseModel):
    """Deleting needs a fresh sign-in: the password, or an access token issued in the last few minutes."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, max_length=256)


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Literal["learner", "teacher", "admin"]] = Field(min_length=1, max_length=3)


class RolesOut(BaseModel):
    user_id: str
    roles: list[str]
