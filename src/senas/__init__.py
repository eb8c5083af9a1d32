"""Señas — sign-language learning platform."""

__version__ = "0.1.0"
