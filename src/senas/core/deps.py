"""Dependencies injected into routes with ``Annotated`` aliases; tests override them with
``app.dependency_overrides`` instead of patching import paths."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from senas.core.settings import Settings
from senas.platform.wiring import Platform


# ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop that costs more than these do.
async def get_platform(request: Request) -> Platform:
    return cast(Platform, request.app.state.platform)


async def get_settings(request: Request) -> Settings:
    return cast(Platform, request.app.state.platform).settings


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
