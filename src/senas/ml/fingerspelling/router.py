"""``POST /ml/fingerspelling/recognise``: a letter from landmarks (JSON) or from a photo (image/jpeg, image/png)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from senas.core.auth import CurrentUser
from senas.core.errors import InvalidInputError, UnsupportedMediaTypeError
from senas.ml.deps import RuntimeDep
from senas.ml.fingerspelling import service
from senas.ml.fingerspelling.schemas import Recognised, RecogniseLandmarks

router = APIRouter(prefix="/fingerspelling", tags=["fingerspelling"])

IMAGE_TYPES = ("image/jpeg", "image/png")


@router.post(
    "/recognise",
    response_model=Recognised,
    summary="Recognise a fingerspelled letter",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": RecogniseLandmarks.model_json_schema()},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def recognise(request: Request, user: CurrentUser, runtime: RuntimeDep) -> Recognised:
    """Send one hand's 21 landmarks as JSON (computed on the device), or a photo as the raw body (JPEG or PNG, up
    to 8 MB; a photo in which no hand is found at first is looked at again, closer, before `no_hands`).

    The answer's `confidence` is calibrated (a letter given with 0.8 is right about 8 times in 10 on hands unlike
    the training signer's). When no letter is clearly best, or the hand is unlike any letter, `sure` is false,
    `answer` is null and `message_es`/`message_en` say "no estoy seguro / not sure" with the three most likely
    letters (`top3`): show that, not `letter`. For landmarks, `handedness` says which hand they were taken as
    (the label sent, or the hand's shape where the label is missing or clearly mirrored)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = RecogniseLandmarks.model_validate_json(await request.body())
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise InvalidInputError(f"invalid request — {problems}") from None
        return await service.recognise_landmarks(runtime, body)
    if content_type in IMAGE_TYPES:
        return await service.recognise_image(runtime, await request.body())
    raise UnsupportedMediaTypeError(
        "envía JSON con los puntos de la mano o una imagen JPEG/PNG / send JSON landmarks or a JPEG/PNG image"
    )
