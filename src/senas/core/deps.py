"""Dependencies injected into routes with ``Annotated`` aliases; tests override them with
``app.dependency_overrides`` instead of patching import paths.

Each service's ``deps.py`` gives its routes its own composition root (``request.app.state.root``, typed there);
what every service shares — the settings and the token verifier — is here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request

from senas.core.settings import Settings
from senas.platform.identity import TokenVerifier


# ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop that costs more than these do.
async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.root.settings)


async def get_token_verifier(request: Request) -> TokenVerifier:
    return cast(TokenVerifier, request.app.state.token_verifier)


T = TypeVar("T")


def context_getter(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """The dependency that gives a route its service's context, as the composition root built it (the app
    factory keeps the root in ``app.state``)."""

    async def get_context(request: Request) -> T:
        return cast(T, request.app.state.root.context)

    get_context.__doc__ = f"The {kind.__name__} the service's composition root built (bootstrap.py)."
    return get_context


SettingsDep = Annotated[Settings, Depends(get_settings)]
TokenVerifierDep = Annotated[TokenVerifier, Depends(get_token_verifier)]
