"""The caller of a request, read from a verified bearer token, and role checks — as injectable dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from senas.core.deps import TokenVerifierDep
from senas.core.errors import ForbiddenError, UnauthorizedError
from senas.platform.identity import InvalidToken, Principal

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /users/auth/login")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def optional_principal(
    verifier: TokenVerifierDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        return None
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise UnauthorizedError(str(exc), code="invalid_token", headers=_CHALLENGE) from None


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise UnauthorizedError(
            "inicia sesión para continuar / sign in to continue", code="not_authenticated", headers=_CHALLENGE
        )
    return principal


async def caller_token(
    _: Annotated[Principal, Depends(current_principal)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The access token the caller was verified from, to ask another service something *as the caller* (which
    then applies its own rules to them)."""
    if credentials is None:  # current_principal has refused such a request already
        raise UnauthorizedError(
            "inicia sesión para continuar / sign in to continue", code="not_authenticated", headers=_CHALLENGE
        )
    return credentials.credentials


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_role(*roles):
            raise ForbiddenError(f"requires one of the roles: {', '.join(roles)}", code="forbidden")
        return principal

    return check


CurrentUser = Annotated[Principal, Depends(current_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
Author = Annotated[Principal, Depends(require_roles("teacher", "admin"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
CallerToken = Annotated[str, Depends(caller_token)]
