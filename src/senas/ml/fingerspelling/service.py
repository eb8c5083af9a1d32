"""Recognise a fingerspelled letter from one hand's landmarks, or from a photo (MediaPipe on the server)."""

from __future__ import annotations

import asyncio

import numpy as np

from senas.core.errors import InvalidInputError, PayloadTooLargeError, ServiceUnavailableError
from senas.ml.fingerspelling.classifier import shape_features
from senas.ml.fingerspelling.schemas import LetterGuess, Recognised, RecogniseLandmarks
from senas.ml.landmarks.photo import decode_photo, photo_size
from senas.ml.landmarks.sequence import LEFT
from senas.ml.registry.model_registry import ModelMissing
from senas.ml.runtime import MlRuntime

MAX_IMAGE_BYTES = 8 * 1024 * 1024


def _unavailable(exc: Exception) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"el modelo no está disponible / the model is not available: {exc}")


async def recognise_landmarks(runtime: MlRuntime, body: RecogniseLandmarks) -> Recognised:
    await runtime.ensure_loaded()
    points = np.asarray(body.landmarks, np.float64)[None]
    return _classify(runtime, points, body.handedness == "left", body.width / body.height)


def _classify(runtime: MlRuntime, points: np.ndarray, left: bool, aspect: float) -> Recognised:
    try:
        classifier = runtime.require_classifier()
    except ModelMissing as exc:
        raise _unavailable(exc) from None
    probabilities = classifier.probabilities(shape_features(points, np.array([left]), aspect))[0]
    if not np.all(np.isfinite(probabilities)):
        raise InvalidInputError(
            "los puntos no describen una mano / the landmarks do not describe a hand", code="invalid_landmarks"
        )
    order = np.argsort(-probabilities)[:3]
    top3 = [LetterGuess(letter=str(classifier.labels[i]), confidence=round(float(probabilities[i]), 4)) for i in order]
    version = runtime.classifier_version.version if runtime.classifier_version else "?"
    return Recognised(
        letter=top3[0].letter,
        confidence=top3[0].confidence,
        top3=top3,
        model_version=version,
        hand="left" if left else "right",
    )


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
        extractor = runtime.require_extractor()
    except ModelMissing as exc:
        raise _unavailable(exc) from None
    async with runtime.image_slots:  # a decoded photo is width × height × 3 bytes: a few at a time
        rgb = await asyncio.to_thread(decode_photo, data)
        track = await asyncio.to_thread(extractor.detect_image, rgb)
    if not track.present[0].any():
        raise InvalidInputError(
            "No se ve ninguna mano en la imagen. / No hand is visible in the image.", code="no_hands"
        )
    slot = int(np.argmax(track.scores[0] * track.present[0]))
    left = bool(track.handedness[0, slot] == LEFT)
    return _classify(runtime, track.points[0, slot][None].astype(np.float64), left, track.aspect)
