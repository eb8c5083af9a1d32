"""Text normalisation shared by search and slugs: the same function on SQLite and PostgreSQL, so that
"senas" finds "Señas" on both (we store the normalised text instead of relying on ``unaccent``)."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG_LENGTH = 80


def normalise(text: str | None) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def slugify(text: str) -> str:
    """A URL-safe slug (``"Lección 1: ¡Hola!"`` → ``"leccion-1-hola"``); ``"item"`` when nothing is left."""
    slug = _NOT_SLUG.sub("-", normalise(text)).strip("-")[:MAX_SLUG_LENGTH].strip("-")
    return slug or "item"


def search_text(*parts: str | None) -> str:
    return " | ".join(normalise(part) for part in parts if part)


def like_pattern(query: str) -> str:
    """A LIKE pattern matching ``query`` anywhere, with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Letters that are letters of their own in the manual alphabets of Spanish-speaking communities (LSE, LSM…),
# not an accented vowel: fingerspelling keeps them apart.
_DISTINCT_LETTERS = {"ñ": "ñ", "Ñ": "ñ"}


def fingerspelling_letters(text: str | None) -> list[str]:
    """The letters to fingerspell for ``text``: accents dropped ("café" → c a f e), ``ñ`` kept, spaces skipped."""
    letters: list[str] = []
    for char in (text or "").strip():
        if char.isspace():
            continue
        letters.append(_DISTINCT_LETTERS.get(char) or normalise(char))
    return [letter for letter in letters if letter]


def letter_key(gloss: str) -> str:
    """How an alphabet sign's gloss is matched against fingerspelled letters."""
    letters = fingerspelling_letters(gloss)
    return letters[0] if len(letters) == 1 else normalise(gloss)
