"""Opaque option ids: how a learner's view names the choices of an exercise without naming their signs.

A choice's id used to be its sign's id, and the lesson lists its signs with their meanings, so the right choice
could be looked up instead of recognised. An option id is a keyed hash of the exercise and the sign — stable (the
cached lesson view, an attempt started earlier and the answer key all agree on it) and unlinkable to the sign
without the key. The key is derived from the deployment's signing secret for this purpose alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_KEY_LABEL = b"senas-exercise-option-ids-v1"
OPTION_ID_BYTES = 10  # 80 bits: unguessable per exercise, 16 characters of base32


class OptionIds:
    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.new(raw, _KEY_LABEL, hashlib.sha256).digest()

    def of(self, exercise_id: str, sign_id: str) -> str:
        digest = hmac.new(self._key, f"{exercise_id}\x00{sign_id}".encode(), hashlib.sha256).digest()
        return "opt-" + base64.b32encode(digest[:OPTION_ID_BYTES]).decode().lower()
