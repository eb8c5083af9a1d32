"""The shape of a landmark in request bodies: MediaPipe's image-normalised coordinates (x, y within 0–1 of the
frame for points inside it, z a relative depth on the x scale). Points a little outside the frame are real; values
far outside it are not a hand and, left unchecked, overflow the normalisation into NaN."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

COORDINATE_LIMIT = 10.0

Coordinate = Annotated[float, Field(ge=-COORDINATE_LIMIT, le=COORDINATE_LIMIT, allow_inf_nan=False)]
Point = tuple[Coordinate, Coordinate, Coordinate]


class HandednessOut(BaseModel):
    """Which hand sent landmarks were taken as, and why (``recognition.handedness``)."""

    sent: Literal["left", "right"] | None = Field(description="the `handedness` sent (null: none)")
    used: Literal["left", "right"] = Field(description="the side the hand was taken as")
    decided_by: Literal["label", "geometry", "default"] = Field(
        description="`label`: as sent; `geometry`: the hand's 3-D shape (a missing label, or one it clearly "
        "contradicts); `default`: no label and a shape that does not tell (a flat open hand)"
    )
    evidence_degrees: float = Field(description="how much the shape looks like a right hand (negative: a left one)")
    message_es: str
    message_en: str
