"""Dependencies injected into routes with ``Annotated`` aliases; tests override them with
``app.dependency_overrides`` instead of patching import paths.

Each service's ``deps.py`` gives its routes its own composition root (``request.app.state.root``, typed there);
what every service shares — the settings and the token verifier — is here."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from senas.core.settings import Settings
from senas.platform.identity import TokenVerifier


# ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop that costs more than these do.
async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.root.settings)


async def get_token_verifier(request: Request) -> TokenVerifier:
    return cast(TokenVerifier, request.app.state.token_verifier)


SettingsDep = Annotated[Settings, Depends(get_settings)]
TokenVerifierDep = Annotated[TokenVerifier, Depends(get_token_verifier)]
