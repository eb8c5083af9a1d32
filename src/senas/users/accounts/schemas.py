"""Request and response bodies of /users/me and role management."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


DISPLAY_NAME_MAX = 50
# Embedding, override and isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they reorder what follows them,
# so a name could show as something else, or spill its reordering into the text around it (leaderboards).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Marks stacked on one letter: NFKC composes the accents any language needs, and no script needs more than this in
# a row; longer runs are "Zalgo" text that spills over the lines above and below.
MAX_COMBINING_RUN = 3


def check_display_name(value: str) -> str:
    """A display name as it is stored and shown to others: NFKC-normalised (one spelling per name, no full-width or
    ligature look-alikes), trimmed, 1–50 characters, without control, format-override or unassigned characters and
    without runs of combining marks. Messages are Spanish first, then English."""
    name = unicodedata.normalize("NFKC", value).strip()
    if not name:
        raise ValueError("el nombre no puede estar vacío / the display name cannot be blank")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValueError(
            f"el nombre admite como mucho {DISPLAY_NAME_MAX} caracteres / "
            f"the display name may have at most {DISPLAY_NAME_MAX} characters"
        )
    run = 0
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn") or char in _BIDI_CONTROLS:
            raise ValueError(
                "el nombre contiene caracteres de control o de dirección del texto / "
                "the display name contains control or text-direction characters"
            )
        run = run + 1 if category in ("Mn", "Me") else 0
        if run > MAX_COMBINING_RUN:
            raise ValueError(
                "el nombre tiene demasiadas marcas combinadas seguidas / "
                "the display name has too many combining marks in a row"
            )
    return name


# What a learner may set about themselves, as the profile and the sign-up take it.
DisplayName = Annotated[str, Field(min_length=1, max_length=DISPLAY_NAME_MAX), AfterValidator(check_display_name)]
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

    display_name: DisplayName | None = None
    sign_language: SignLanguageCode | None = None
    dominant_hand: Hand | None = None
    daily_goal_xp: int | None = Field(None, ge=10, le=500)
    timezone: Timezone | None = None
    locale: Locale | None = None


class DeleteAccount(BaseModel):
    """Deleting needs the owner right now: the password, or a current code of the account's TOTP factor."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, max_length=256)
    code: str | None = Field(None, min_length=6, max_length=10)


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Literal["learner", "teacher", "admin"]] = Field(min_length=1, max_length=3)


class RolesOut(BaseModel):
    user_id: str
    roles: list[str]
