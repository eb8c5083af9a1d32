"""Learner API (read): published content for everyone, drafts for authors with ``?preview=true``.

Responses carry a strong ETag and ``Cache-Control: public, max-age=60`` (``private, no-cache`` for previews);
``If-None-Match`` with the current ETag gets 304 without a body (see :mod:`senas.content.views` for why the ETag
leaves the signed media URLs out).

The routes send cached JSON themselves (no ``response_model`` to re-validate it on every request); the model each
declares for 200 is the one its view was built through, once per cache fill (``reader.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from senas.content.catalog import schemas
from senas.content.deps import ReadContext, ReadDep
from senas.content.views import View, respond

router = APIRouter(tags=["catalogue"])
MAX_PAGE_SIZE = 50

_CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current"},
    401: {"description": "`preview=true` without signing in, or a token that is not valid (`invalid_token`)"},
    403: {"description": "`preview=true` by someone who is not an author"},
    404: {"description": "Not found, or not published"},
}


# Published content is for everyone: the token is optional (an empty requirement beside the bearer one), needed
# only for ``preview=true``; one that is sent is checked.
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}


def _doc(model: Any) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}, **_CACHED}


async def _send(request: Request, context: ReadContext, view: View) -> Response:
    return await respond(request, context.ports, view, private=context.private, urls=context.urls)


@router.get(
    "/languages", openapi_extra=OPTIONAL_AUTH, summary="Sign languages", responses=_doc(list[schemas.LanguageOut])
)
async def list_languages(request: Request, context: ReadDep) -> Response:
    return await _send(request, context, await context.reader.languages())


@router.get(
    "/languages/{code}/levels",
    openapi_extra=OPTIONAL_AUTH,
    summary="Levels of a language with lesson counts",
    responses=_doc(schemas.LanguageLevelsOut),
)
async def language_levels(code: str, request: Request, context: ReadDep) -> Response:
    return await _send(request, context, await context.reader.levels_of_language(code))


@router.get(
    "/levels/{level_id}",
    openapi_extra=OPTIONAL_AUTH,
    summary="A level and its lessons",
    responses=_doc(schemas.LevelOut),
)
async def get_level(level_id: str, request: Request, context: ReadDep) -> Response:
    return await _send(request, context, await context.reader.level(level_id))


@router.get(
    "/lessons/{lesson_id}",
    openapi_extra=OPTIONAL_AUTH,
    summary="A lesson with its signs, exercises and time-limited media URLs",
    # Learners get LessonOut (no answers); authors previewing get LessonPreviewOut (with them).
    responses=_doc(schemas.LessonOut | schemas.LessonPreviewOut),
)
async def get_lesson(lesson_id: str, request: Request, context: ReadDep) -> Response:
    return await _send(request, context, await context.reader.lesson(lesson_id))


@router.get("/signs/{sign_id}", openapi_extra=OPTIONAL_AUTH, summary="A sign's detail", responses=_doc(schemas.SignOut))
async def get_sign(sign_id: str, request: Request, context: ReadDep) -> Response:
    return await _send(request, context, await context.reader.sign(sign_id))


@router.get(
    "/languages/{code}/dictionary",
    openapi_extra=OPTIONAL_AUTH,
    summary="Search the dictionary (case- and accent-insensitive: 'senas' finds 'señas')",
    responses=_doc(schemas.DictionaryPageOut),
)
async def dictionary(
    request: Request,
    context: ReadDep,
    code: Annotated[str, Path(description="language code, e.g. ase")],
    q: Annotated[str, Query(max_length=100, description="words to find in gloss, meanings and category")] = "",
    category: Annotated[str, Query(max_length=80)] = "",
    handshape: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Response:
    view = await context.reader.dictionary(
        code, query=q, category=category, handshape=handshape, page=page, page_size=page_size
    )
    return await _send(request, context, view)
