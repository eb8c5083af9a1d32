"""Secrets from the process environment: ``name`` is looked up as ``SENAS_SECRET_<NAME>`` (upper case, every
character that is not a letter or digit turned into ``_``)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from senas.platform.errors import NotFound


def env_var_for(name: str) -> str:
    return "SENAS_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class EnvironmentSecrets:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    async def get(self, name: str) -> str:
        var = env_var_for(name)
        try:
            return self._environ[var]
        except KeyError:
            raise NotFound(f"secret {name!r} is not set (expected environment variable {var})") from None
