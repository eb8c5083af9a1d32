"""Dependencies of the user service's routes, as ``Annotated`` aliases (tests override ``get_clock`` and
friends with ``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from senas.users.clock import Clock
from senas.users.context import UsersContext


async def get_context(request: Request) -> UsersContext:
    """The context the service's composition root built (``bootstrap.py``)."""
    return cast(UsersContext, request.app.state.root.context)


ContextDep = Annotated[UsersContext, Depends(get_context)]


def get_clock(context: ContextDep) -> Clock:
    return context.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


_bearer = HTTPBearer(auto_error=False)


async def raw_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The bearer token as sent (routes that hand it to the identity provider, or read its age)."""
    return None if credentials is None else credentials.credentials


BearerToken = Annotated[str | None, Depends(raw_bearer_token)]
