"""Bodies of ``POST /ml/fingerspelling/recognise``.

The answer is backward compatible with clients written for the first classifier — ``letter``, ``confidence``,
``top3``, ``model_version`` and ``hand`` keep their types and meaning — and adds what those fields could not say:
whether the classifier is ``sure``, and its ``answer`` (the letter, or null: "no estoy seguro / not sure", with
the top three in ``top3`` and the reason in ``not_sure_reason``). ``letter`` stays the most likely letter even when
the classifier is not sure: a client that shows a letter must check ``sure`` first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.ml.landmarks.schema import HandednessOut, Point

Side = Literal["left", "right"]

HANDEDNESS_DESCRIPTION = (
    "MediaPipe's handedness label of this hand, computed on the un-mirrored frame — the image as the camera took it, "
    "not the mirrored preview a selfie view shows: `left` is the signer's own left hand. The hand is compared "
    "after mirroring a left hand into a right one, so the label changes the answer. Omitted: the server decides "
    "from the hand's 3-D shape (fingers bend towards the palm, the thumb lies in front of it), and takes `right` "
    "when the shape does not tell (a flat open hand). A label the shape clearly contradicts (landmarks of a "
    "mirrored frame, or a mirrored label) is overruled. The answer's `handedness` says what was used and why."
)


class RecogniseLandmarks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    landmarks: list[Point] = Field(
        min_length=21, max_length=21, description="21 MediaPipe hand landmarks: x, y in 0–1 of the frame, z depth"
    )
    handedness: Side | None = Field(None, description=HANDEDNESS_DESCRIPTION)
    width: int = Field(640, ge=1, le=8192, description="the frame's width in pixels (for the aspect ratio)")
    height: int = Field(480, ge=1, le=8192)


class LetterGuess(BaseModel):
    letter: str
    confidence: float = Field(ge=0, le=1, description="calibrated probability")


class Recognised(BaseModel):
    letter: str = Field(description="the most likely letter — also when the classifier is not sure (see `sure`)")
    confidence: float = Field(ge=0, le=1, description="calibrated probability that `letter` is right")
    top3: list[LetterGuess] = Field(description="the three most likely letters, most likely first")
    model_version: str = Field(description="the fingerspelling model's version in the ml-models store")
    hand: Side = Field(description="the hand the letter was recognised on")
    sure: bool = Field(
        True,
        description="false: no letter is clearly best, or the hand is unlike any letter as the classifier learned "
        "it — show “no estoy seguro / not sure” with `top3` instead of a letter",
    )
    answer: str | None = Field(None, description="the letter when `sure`; null when not sure")
    not_sure_reason: Literal["low_confidence", "unlike_any_letter"] | None = Field(
        None,
        description="`low_confidence`: the best letter is less likely right than wrong; `unlike_any_letter`: the "
        "handshape is far from every way the best letter was made in training (e.g. a hand that is no letter)",
    )
    message_es: str = Field("", description="what to tell the learner, in Spanish")
    message_en: str = Field("", description="the same in English")
    handedness: HandednessOut | None = Field(None, description="for landmarks: which hand they were taken as, and why")
    hand_found_by: str | None = Field(
        None,
        description="for a photo: which look found the hand (`first pass`, or the retry's `lower threshold`, "
        "`lower threshold, zoomed`, `crop …`)",
    )
