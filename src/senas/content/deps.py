"""Dependencies of the content routes, injected with ``Annotated`` aliases (tests override them with
``app.dependency_overrides``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.catalog.author import CatalogAuthor
from senas.content.catalog.reader import CatalogReader
from senas.content.catalog.repository import CatalogRepository
from senas.content.db import Database
from senas.content.views import SignedUrlCache, ViewCache
from senas.core.auth import optional_principal
from senas.core.errors import ForbiddenError, ServiceUnavailableError, UnauthorizedError
from senas.platform.wiring import Platform

# Dependencies here are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a thread pool, which
# costs more than the cached read they serve.


async def get_database(request: Request) -> Database:
    database = getattr(request.app.state, "content_db", None)
    if database is None:
        raise ServiceUnavailableError("la base de datos no está lista / the database is not ready")
    return cast(Database, database)


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(database: DatabaseDep) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_view_cache(request: Request) -> ViewCache:
    cache = getattr(request.app.state, "content_views", None)
    if cache is None:
        cache = request.app.state.content_views = ViewCache()
    return cast(ViewCache, cache)


ViewCacheDep = Annotated[ViewCache, Depends(get_view_cache)]


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /users/auth/login")


@dataclass(frozen=True)
class ReadContext:
    """Everything a read route needs, resolved as ONE dependency: FastAPI's per-dependency overhead was most of
    the time of a cached read, so the read routes take this instead of half a dozen small dependencies."""

    platform: Platform
    reader: CatalogReader
    urls: SignedUrlCache | None
    private: bool


async def read_context(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    preview: Annotated[
        bool, Query(description="authors only: include drafts (responses are then private and uncached)")
    ] = False,
) -> ReadContext:
    state = request.app.state
    platform = cast(Platform, state.platform)
    if preview:
        # Only a preview needs the caller; published content is the same for everyone.
        user = await optional_principal(platform, credentials)
        if user is None:
            raise UnauthorizedError(
                "inicia sesión para ver borradores / sign in to preview drafts",
                code="not_authenticated",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not user.has_role("teacher", "admin"):
            raise ForbiddenError("solo autores ven borradores / only authors can preview drafts", code="forbidden")
    database = await get_database(request)
    cache = await get_view_cache(request)
    reader = CatalogReader(database, cache, include_drafts=preview)
    return ReadContext(platform, reader, getattr(state, "content_urls", None), preview)


ReadDep = Annotated[ReadContext, Depends(read_context)]


async def get_author(session: SessionDep) -> CatalogAuthor:
    return CatalogAuthor(CatalogRepository(session))


AuthorServiceDep = Annotated[CatalogAuthor, Depends(get_author)]
