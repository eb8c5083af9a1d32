"""Dependencies of the content routes, injected with ``Annotated`` aliases (tests override them with
``app.dependency_overrides``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.catalog.author import CatalogAuthor
from senas.content.catalog.reader import CatalogReader
from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentContext, ContentPorts
from senas.content.db import Database
from senas.content.unit_of_work import UnitOfWork
from senas.content.views import SignedUrlCache
from senas.core.auth import Author, optional_principal
from senas.core.deps import context_getter, get_token_verifier
from senas.core.errors import ForbiddenError, UnauthorizedError
from senas.core.grants import GRANT_HEADER, InvalidGrant

# Dependencies here are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a thread pool, which
# costs more than the cached read they serve.


get_context = context_getter(ContentContext)


ContextDep = Annotated[ContentContext, Depends(get_context)]


async def get_ports(context: ContextDep) -> ContentPorts:
    return context.ports


PortsDep = Annotated[ContentPorts, Depends(get_ports)]


async def get_database(request: Request) -> Database:
    return (await get_context(request)).database.current()


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(database: DatabaseDep) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_unit_of_work(session: SessionDep) -> AsyncIterator[UnitOfWork]:
    """The request's one transaction. ``scope="function"`` (below) runs the code after ``yield`` as soon as the
    route has returned (and its answer has been validated), before the response is sent: the commit — or the
    rollback when the route raised — happens first, so a commit that fails is still answered by the database
    error handlers (409 for a lost unique race, 503 for a database gone) instead of after a 2xx went out."""
    async with UnitOfWork(session) as work:
        yield work


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /users/auth/login")


@dataclass(frozen=True)
class ReadContext:
    """Everything a read route needs, resolved as ONE dependency: FastAPI's per-dependency overhead was most of
    the time of a cached read, so the read routes take this instead of half a dozen small dependencies."""

    ports: ContentPorts
    reader: CatalogReader
    urls: SignedUrlCache | None
    private: bool


async def _an_author(
    request: Request, credentials: HTTPAuthorizationCredentials | None, not_signed_in: str, not_an_author: str
) -> None:
    """401 without a valid token, 403 for a caller who is not a teacher or admin. Here rather than the ``Author``
    dependency because these routes also serve callers who need no token (learners, the user service)."""
    user = await optional_principal(await get_token_verifier(request), credentials)
    if user is None:
        raise UnauthorizedError(not_signed_in, code="not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    if not user.has_role("teacher", "admin"):
        raise ForbiddenError(not_an_author, code="forbidden")


async def read_context(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    preview: Annotated[
        bool, Query(description="authors only: include drafts (responses are then private and uncached)")
    ] = False,
) -> ReadContext:
    context = await get_context(request)
    if credentials is not None and not preview:
        # Published content needs no token, but one that is sent must be valid: a forged or expired token is
        # refused (401) rather than silently ignored, as on every other route.
        await optional_principal(await get_token_verifier(request), credentials)
    if preview:
        # Only a preview needs the caller; published content is the same for everyone.
        await _an_author(
            request,
            credentials,
            "inicia sesión para ver borradores / sign in to preview drafts",
            "solo autores ven borradores / only authors can preview drafts",
        )
    reader = CatalogReader(context.database.current(), context.views, context.option_ids, include_drafts=preview)
    return ReadContext(context.ports, reader, context.urls, preview)


ReadDep = Annotated[ReadContext, Depends(read_context)]


async def get_author(work: UnitOfWorkDep, ports: PortsDep, actor: Author) -> CatalogAuthor:
    return CatalogAuthor(CatalogRepository(work.session), work, ports, actor)


AuthorServiceDep = Annotated[CatalogAuthor, Depends(get_author)]


# Who may read answer keys: the user service (which grades attempts) with a service grant, and authors with their
# own token. Learners never: a key would turn every exercise into a lookup.
ANSWER_KEY_CALLERS = frozenset({"users"})
_grant = APIKeyHeader(
    name=GRANT_HEADER,
    auto_error=False,
    scheme_name="ServiceGrant",
    description="a short-lived grant signed by another service of this deployment (senas.core.grants)",
)


async def answer_key_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    grant: Annotated[str | None, Depends(_grant)],
) -> CatalogReader:
    """The reader of answer keys, for a caller allowed to read them (see ``ANSWER_KEY_CALLERS``)."""
    context = await get_context(request)
    if grant is not None:
        try:
            context.grants.verify(grant, request.method, request.url.path, callers=ANSWER_KEY_CALLERS)
        except InvalidGrant as exc:
            raise ForbiddenError(
                f"permiso de servicio no válido / invalid service grant: {exc}", code="invalid_grant"
            ) from None
    else:
        await _an_author(
            request,
            credentials,
            "inicia sesión para continuar / sign in to continue",
            "solo autores y el servicio de usuarios leen las respuestas / only authors and the user service "
            "read answer keys",
        )
    return CatalogReader(context.database.current(), context.views, context.option_ids, include_drafts=False)


AnswerKeyReaderDep = Annotated[CatalogReader, Depends(answer_key_reader)]
