"""Dependencies of the user service's routes, as ``Annotated`` aliases (tests override ``get_clock`` and
friends with ``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from senas.core.deps import context_getter
from senas.users.clock import Clock
from senas.users.context import UsersContext

get_context = context_getter(UsersContext)


ContextDep = Annotated[UsersContext, Depends(get_context)]


# ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop that costs more than they do.
async def get_clock(context: ContextDep) -> Clock:
    return context.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


_bearer = HTTPBearer(auto_error=False)


async def raw_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The bearer token as sent (routes that hand it to the identity provider, or read its age)."""
    return None if credentials is None else credentials.credentials


BearerToken = Annotated[str | None, Depends(raw_bearer_token)]
