"""Injectable dependencies of the ML routes (tests override them with ``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from senas.ml.context import MlContext
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.service import SessionService


async def get_context(request: Request) -> MlContext:
    """The context the service's composition root built (``bootstrap.py``)."""
    return cast(MlContext, request.app.state.root.context)


ContextDep = Annotated[MlContext, Depends(get_context)]


async def get_runtime(context: ContextDep) -> MlRuntime:
    return context.runtime


RuntimeDep = Annotated[MlRuntime, Depends(get_runtime)]


async def get_session_service(context: ContextDep) -> SessionService:
    return SessionService(context)


SessionServiceDep = Annotated[SessionService, Depends(get_session_service)]
