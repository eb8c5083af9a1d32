"""The rules every new password meets, on both identity providers (the embedded one and Cognito, whose pool
policy is checked after these).

Following NIST SP 800-63B §5.1.1.2 (and OWASP ASVS 2.1): at least 10 characters (more than NIST's 8, as the
product has no second factor for most learners), at most 128, any printable Unicode character, no composition
rules — and no password that is known to be common or breached, checked offline against the list shipped beside
this file (``common-passwords.txt``: the 30,000 most frequent passwords of a real breach corpus, see
``common-passwords.NOTICE.md`` for its source and licence), also when it is only a list entry with digits or
symbols around it (``Password1!``, ``qwerty1234``: the first thing a guesser tries). Control characters (NUL, line
breaks, escapes) are refused: they are never typed on purpose and only break logs, forms and other systems.
"""

from __future__ import annotations

import string
import unicodedata
from functools import cache
from pathlib import Path

from senas.platform.identity.errors import InvalidSignUp

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
# What Spanish-speaking learners pick first and the breach list (mostly English) lacks.
_SPANISH = frozenset(
    {
        "contraseña",
        "contrasena",
        "contraseña1",
        "contrasena123",
        "contraseña123",
        "micontraseña",
        "teamo",
        "tequiero",
        "tequieromucho",
        "holahola",
        "hola1234",
        "españa",
        "mexico",
        "argentina",
        "colombia",
        "señas",
        "lenguadeseñas",
        "abcdefghij",
        "aaaaaaaaaa",
    }
)
_PADDING = string.digits + string.punctuation + string.whitespace + "¡¿"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (one password a line, NFKC-normalised and case-folded), plus the Spanish additions."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line) | _SPANISH


def _canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def is_common(password: str) -> bool:
    """The password, or the word it is made of once the digits and symbols around it are taken away, is on the
    list (``Password1!`` → ``password``; ``2024Dragon!!`` → ``dragon``)."""
    canonical = _canonical(password)
    listed = common_passwords()
    if canonical in listed:
        return True
    core = canonical.strip(_PADDING)
    return bool(core) and core in listed


def has_control_characters(text: str) -> bool:
    """Control (Cc: NUL, tab, line breaks, escape…), surrogate (Cs) and unassigned (Cn) code points."""
    return any(unicodedata.category(char) in ("Cc", "Cs", "Cn") for char in text)


def check_password(password: str, email: str) -> None:
    """Raise InvalidSignUp("password", …) when a new password breaks a rule; the message says which (es / en)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidSignUp(
            "password",
            f"la contraseña necesita al menos {MIN_PASSWORD_LENGTH} caracteres / "
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidSignUp(
            "password",
            f"la contraseña admite como mucho {MAX_PASSWORD_LENGTH} caracteres / "
            f"the password may have at most {MAX_PASSWORD_LENGTH} characters",
        )
    if has_control_characters(password):
        raise InvalidSignUp(
            "password",
            "la contraseña no puede contener caracteres de control / the password cannot contain control characters",
        )
    if is_common(password):
        raise InvalidSignUp(
            "password",
            "esa contraseña es común o ya apareció en filtraciones; elige otra / "
            "that password is common or has appeared in breaches; choose another",
        )
    lowered = _canonical(password)
    local_part = _canonical(email.split("@", 1)[0])
    if len(set(password)) < 5 or (len(local_part) >= 4 and local_part in lowered):
        raise InvalidSignUp(
            "password",
            "la contraseña es demasiado fácil de adivinar / the password is too easy to guess",
        )
