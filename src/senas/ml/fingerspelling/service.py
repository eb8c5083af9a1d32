"""Recognise a fingerspelled letter from one hand's landmarks, or from a photo (MediaPipe on the server), with the
classifier of ``fingerspelling.model``: calibrated confidence, and "no estoy seguro / not sure" with the top three
when no letter is clearly best.

A photo in which the first look finds no hand gets a second one (``landmarks.retry``: a lower detection threshold,
then closer crops) before the answer is ``no_hands``. Landmarks sent by a device have their ``handedness`` checked
against the hand's shape (``recognition.handedness``) instead of trusted.
"""

from __future__ import annotations

import asyncio

import numpy as np

from senas.core.errors import InvalidInputError, PayloadTooLargeError, ServiceUnavailableError
from senas.ml.fingerspelling.model import Answer
from senas.ml.fingerspelling.schemas import LetterGuess, Recognised, RecogniseLandmarks
from senas.ml.landmarks.photo import decode_photo, photo_size
from senas.ml.landmarks.schema import HandednessOut
from senas.ml.landmarks.sequence import LEFT
from senas.ml.recognition.augment import Hands
from senas.ml.recognition.handedness import Side, check_handedness
from senas.ml.registry.model_registry import ModelMissing
from senas.ml.runtime import MlRuntime

MAX_IMAGE_BYTES = 8 * 1024 * 1024
# A hand sent without its side whose shape does not tell (a flat open hand) is taken as a right hand.
DEFAULT_SIDE: Side = "right"


def _unavailable(exc: Exception) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"el modelo no está disponible / the model is not available: {exc}")


async def recognise_landmarks(runtime: MlRuntime, body: RecogniseLandmarks) -> Recognised:
    await runtime.ensure_loaded()
    points = np.asarray(body.landmarks, np.float64)[None]
    aspect = body.width / body.height
    sides, check = check_handedness(points, aspect, [body.handedness], DEFAULT_SIDE)
    recognised = _classify(runtime, points, sides[0] == "left", aspect)
    recognised.handedness = HandednessOut.model_validate(check.as_json())
    return recognised


def _classify(runtime: MlRuntime, points: np.ndarray, left: bool, aspect: float) -> Recognised:
    try:
        classifier = runtime.require_classifier()
    except ModelMissing as exc:
        raise _unavailable(exc) from None
    with np.errstate(all="ignore"):
        answers = classifier.answers(Hands.of(points, aspect, left))
    answer = answers[0]
    if not all(np.isfinite(confidence) for _, confidence in answer.top3):
        raise InvalidInputError(
            "los puntos no describen una mano / the landmarks do not describe a hand", code="invalid_landmarks"
        )
    version = runtime.classifier_version.version if runtime.classifier_version else "?"
    message_es, message_en = _message(answer)
    best, confidence = answer.top3[0]
    return Recognised(
        letter=best,
        confidence=confidence,
        top3=[LetterGuess(letter=letter, confidence=value) for letter, value in answer.top3],
        model_version=version,
        hand="left" if left else "right",
        sure=answer.sure,
        answer=answer.letter,
        not_sure_reason=answer.not_sure_because,
        message_es=message_es,
        message_en=message_en,
    )


def _message(answer: Answer) -> tuple[str, str]:
    if answer.letter is not None:
        return f"Es la «{answer.letter}».", f"That is “{answer.letter}”."
    letters = [letter for letter, _ in answer.top3]
    listed_es = f"{', '.join(letters[:-1])} o {letters[-1]}"
    listed_en = f"{', '.join(letters[:-1])} or {letters[-1]}"
    if answer.atypical:
        return (
            f"No estoy seguro: la mano no se parece a ninguna letra; lo más cercano es {listed_es}.",
            f"Not sure: the hand does not look like any letter; the closest are {listed_en}.",
        )
    return f"No estoy seguro: puede ser {listed_es}.", f"Not sure: it may be {listed_en}."


async def recognise_image(runtime: MlRuntime, data: bytes) -> Recognised:
    if not data:
        raise InvalidInputError("la imagen está vacía / the image is empty", code="empty_image")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLargeError(
            f"la imagen supera {MAX_IMAGE_BYTES // 2**20} MB / the image exceeds {MAX_IMAGE_BYTES // 2**20} MB"
        )
    photo_size(data)  # the header alone: refused over the pixel budget before anything is decoded
    await runtime.ensure_loaded()
    try:
        detector = runtime.require_photo_detector()
    except ModelMissing as exc:
        raise _unavailable(exc) from None
    async with runtime.image_slots:  # a decoded photo is width × height × 3 bytes: a few at a time
        rgb = await asyncio.to_thread(decode_photo, data)
        track, found_by = await asyncio.to_thread(detector.detect_image_with_pass, rgb)
    if not track.present[0].any():
        raise InvalidInputError(
            "No se ve ninguna mano en la imagen. / No hand is visible in the image.", code="no_hands"
        )
    slot = int(np.argmax(track.scores[0] * track.present[0]))
    # Our own detection on the image as sent: MediaPipe's label is the hand's true side.
    left = bool(track.handedness[0, slot] == LEFT)
    recognised = _classify(runtime, track.points[0, slot][None].astype(np.float64), left, track.aspect)
    recognised.hand_found_by = found_by
    return recognised
