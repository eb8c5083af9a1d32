"""Answers of the overlay and calibration routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from senas.ml.sessions.schemas import Side


class HandOut(BaseModel):
    side: Side
    points: list[list[float]] = Field(description="21 points (x, y) in the frame, 0–1 from the top left")


class FrameOut(BaseModel):
    t: float = Field(description="seconds from the start")
    hands: list[HandOut]
    body: list[list[float]] | None = Field(None, description="upper-body points (x, y), when a body was seen")


class LandmarksOut(BaseModel):
    width: int
    height: int
    fps: float
    frames: list[FrameOut]
    frames_total: int = Field(description="frames the video had (those sent are spread evenly over it)")
    frames_with_hand: int


class OverlayOut(BaseModel):
    session_id: str
    attempt: LandmarksOut | None = Field(
        description="the learner's attempt: seen in their video, or as their device sent it (none: nothing to draw)"
    )
    reference: LandmarksOut | None = Field(description="what was seen in the sign's reference video, if it has one")
    focus: str | None = Field(description="the parameter that needs fixing most (handshape, orientation, …)")


class CalibrationOut(BaseModel):
    sign_id: str
    key: str
    threshold_before: float
    threshold: float
    genuine_pass_rate: float
    impostor_pass_rate: float
    genuine: int
    impostors: int
    note: str
    rule: str
