"""Injectable dependencies of the ML routes (tests override them with ``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from senas.core.deps import context_getter
from senas.ml.context import MlContext
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.service import SessionService

get_context = context_getter(MlContext)


ContextDep = Annotated[MlContext, Depends(get_context)]


async def get_runtime(context: ContextDep) -> MlRuntime:
    return context.runtime


RuntimeDep = Annotated[MlRuntime, Depends(get_runtime)]


async def get_session_service(context: ContextDep) -> SessionService:
    return SessionService(context)


SessionServiceDep = Annotated[SessionService, Depends(get_session_service)]
