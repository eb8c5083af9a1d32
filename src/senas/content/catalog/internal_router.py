"""Internal routes: read by other services of the deployment (with a service grant, ``senas.core.grants``) and by
authors, never by learners."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from senas.content.catalog import schemas
from senas.content.deps import AnswerKeyReaderDep

router = APIRouter(prefix="/internal", tags=["internal"])


@router.get(
    "/lessons/{lesson_id}/answer-key",
    summary="A published lesson's exercises with their answers (the user service; authors)",
    responses={
        200: {"model": schemas.AnswerKeyOut},
        404: {"description": "No such lesson"},
        409: {"description": "The lesson (or its level or language) is not published"},
    },
)
async def answer_key(lesson_id: str, reader: AnswerKeyReaderDep) -> Response:
    """What the user service grades a learner's attempt with: every exercise learners are shown, the right option
    of each choice exercise (by its opaque option id), the letters to spell and the sign to perform. Never cached
    by clients or proxies."""
    view = await reader.answer_key(lesson_id)
    return Response(orjson.dumps(view.payload), media_type="application/json", headers={"Cache-Control": "no-store"})
