"""The JSON contract of the scoring model (``sign-scorer``) on the inference port.

This is exactly what the in-process model receives locally and what a SageMaker endpoint receives on AWS
(``ContentType: application/json``): hand landmarks of one attempt in, a score with per-parameter feedback out.
The endpoint holds the template bank of the version it was deployed with; the response names that revision.

Body landmarks are optional and additive (same ``contract_version``): a frame may carry ``body``, the 13 upper-body
points of ``senas.ml.landmarks.sequence.BODY_NAMES`` in that order (MediaPipe Pose's nose, eyes, ears, mouth
corners, shoulders, elbows, wrists; image-normalised like the hand). When both the attempt and the target's
template have a body, ``location`` is judged relative to the body and weighs more; the response's
``location_reference`` says which reference was used (``body`` or ``frame``).

``orientation`` (where the palm faces and where the fingers point) is a parameter of its own in ``components``
and ``feedback``, beside ``handshape`` (judged in the hand's own frame, however the hand is turned), ``location``
and ``movement``; ``hand`` says which hand was used. A client that knows only the first four ignores it; the
overall ``score`` weighs all of them (see ``scorer.WEIGHTS``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.ml.landmarks.schema import Point
from senas.ml.landmarks.sequence import BODY

CONTRACT_VERSION = 1

Side = Literal["left", "right"]
Parameter = Literal["handshape", "orientation", "location", "movement", "hand"]
Status = Literal["ok", "almost", "fix"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HandLandmarks(_Strict):
    landmarks: list[tuple[float, float, float]] = Field(
        min_length=21, max_length=21, description="21 MediaPipe hand landmarks (x, y in 0..1 of the frame, z)"
    )
    side: Side | None = Field(
        None,
        description="MediaPipe's handedness label of this hand computed on the un-mirrored frame (the camera's "
        "image, not a mirrored selfie preview): the signer's own left or right hand; null: the learner's dominant "
        "hand",
    )
    score: float = Field(1.0, ge=0, le=1)


class AttemptFrame(_Strict):
    hands: list[HandLandmarks] = Field(default_factory=list, max_length=2)
    body: list[Point] | None = Field(
        None, min_length=BODY, max_length=BODY, description="13 upper-body points (BODY_NAMES order), if seen"
    )


class Attempt(_Strict):
    frames: list[AttemptFrame] = Field(min_length=1, max_length=1800)
    fps: float = Field(15.0, gt=0, le=240)
    width: int = Field(640, ge=1, le=8192)
    height: int = Field(480, ge=1, le=8192)


class ScoreRequest(_Strict):
    contract_version: Literal[1] = 1
    attempt: Attempt
    target: str = Field(min_length=3, max_length=200, description="sign key <language>/<slug>")
    target_sign_id: str | None = Field(None, max_length=128)
    dominant_hand: Side = "right"
    candidates: list[str] | None = Field(
        None, max_length=2000, description="sign keys to rank for the top-k (default: the target's language)"
    )
    top_k: int = Field(3, ge=1, le=20)


class Feedback(_Strict):
    parameter: Parameter
    status: Status
    score: float | None = Field(None, ge=0, le=100)
    message_es: str
    message_en: str


class Neighbour(_Strict):
    sign_key: str
    sign_id: str | None = None
    gloss: str
    score: float = Field(ge=0, le=100)
    handshape: float | None = Field(None, ge=0, le=100, description="the handshape component against that sign")


class ScoreResponse(_Strict):
    contract_version: Literal[1] = 1
    target: str
    score: float = Field(ge=0, le=100, description="the parameters' components, weighted")
    passed: bool = Field(
        description="`score` at or above `pass_threshold`, and the handshape component at least 50 (the edge of how "
        "differently people make a handshape): right orientation, place and movement do not make up for another "
        "handshape"
    )
    pass_threshold: float = Field(ge=0, le=100)
    components: dict[Parameter, float]
    feedback: list[Feedback]
    nearest: list[Neighbour]
    hand_used: Side
    location_reference: Literal["body", "frame"] = "frame"
    frames_used: int = Field(ge=0)
    template_version: int = Field(ge=1)
    templates_revision: int
    model_version: str
