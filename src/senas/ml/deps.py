"""Injectable dependencies of the ML routes (tests override them with ``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from senas.core.deps import PlatformDep
from senas.ml.runtime import MlRuntime, runtime_for
from senas.ml.sessions.service import SessionService


def get_runtime(platform: PlatformDep) -> MlRuntime:
    return runtime_for(platform)


RuntimeDep = Annotated[MlRuntime, Depends(get_runtime)]


def get_session_service(runtime: RuntimeDep) -> SessionService:
    return SessionService(runtime)


SessionServiceDep = Annotated[SessionService, Depends(get_session_service)]
