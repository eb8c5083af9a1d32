"""The shape of a landmark in request bodies: MediaPipe's image-normalised coordinates (x, y within 0–1 of the
frame for points inside it, z a relative depth on the x scale). Points a little outside the frame are real; values
far outside it are not a hand and, left unchecked, overflow the normalisation into NaN."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

COORDINATE_LIMIT = 10.0

Coordinate = Annotated[float, Field(ge=-COORDINATE_LIMIT, le=COORDINATE_LIMIT, allow_inf_nan=False)]
Point = tuple[Coordinate, Coordinate, Coordinate]
