from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.ml.landmarks.schema import Point


class RecogniseLandmarks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    landmarks: list[Point] = Field(min_length=21, max_length=21)
    handedness: Literal["left", "right"] = "right"
    width: int = Field(640, ge=1, le=8192)
    height: int = Field(480, ge=1, le=8192)


class LetterGuess(BaseModel):
    letter: str
    confidence: float = Field(ge=0, le=1)


class Recognised(BaseModel):
    letter: str
    confidence: float = Field(ge=0, le=1)
    top3: list[LetterGuess]
    model_version: str
    hand: Literal["left", "right"]
