"""The demo course's vocabulary by stable slug, and which letter's handshape each sign shows.

Kept free of the content service's dependencies: the ML service builds the demo signs' templates from it, so
the templates are keyed exactly as the content service names the signs (``ase/letra-b``, ``ase/numero-4``…).
"""

from __future__ import annotations

import string
from typing import NamedTuple

LANGUAGE = "ase"

# ASL numbers whose handshape is (close to) a letter's.
NUMBER_HANDSHAPES: dict[str, str] = {"0": "O", "2": "V", "4": "B", "6": "W", "9": "F"}


class DemoEntry(NamedTuple):
    slug: str
    gloss: str
    handshape: str  # the letter whose pose the sign shows


def slug_of(symbol: str) -> str:
    """``A`` → ``letra-a``; ``#4`` (a number) → ``numero-4``."""
    return f"numero-{symbol[1:]}" if symbol.startswith("#") else f"letra-{symbol.lower()}"


def demo_vocabulary() -> list[DemoEntry]:
    letters = [DemoEntry(slug_of(letter), letter, letter) for letter in string.ascii_uppercase]
    numbers = [DemoEntry(slug_of(f"#{n}"), n, shape) for n, shape in NUMBER_HANDSHAPES.items()]
    return letters + numbers
