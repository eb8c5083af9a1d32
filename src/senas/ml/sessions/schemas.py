"""Request and response bodies of the practice-session API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.ml.landmarks.schema import Point
from senas.ml.landmarks.sequence import POSE_POINTS
from senas.ml.recognition.scoring_api import Feedback, Neighbour
from senas.ml.sessions.models import Mode, PracticeSession, Status

Side = Literal["left", "right"]


class StartSession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sign_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    mode: Mode
    dominant_hand: Side = "right"
    lesson_id: str | None = Field(None, max_length=128, description="ranks the nearest signs within this lesson")


class LandmarkFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    landmarks: list[Point] = Field(min_length=21, max_length=21)
    handedness: Side | None = Field(None, description="the hand's true side (MediaPipe on un-mirrored frames)")
    pose: list[Point] | None = Field(
        None,
        min_length=POSE_POINTS,
        max_length=POSE_POINTS,
        description="optional: the 33 MediaPipe Pose landmarks of the same frame (x, y in 0–1 of the frame, z); "
        "with them, location is judged relative to the body",
    )


class SubmitLandmarks(BaseModel):
    """Landmarks computed on the learner's device: no video leaves it."""

    model_config = ConfigDict(extra="forbid")

    frames: list[LandmarkFrame | None] = Field(
        min_length=1, max_length=900, description="one entry per frame; null where no hand was seen"
    )
    fps: float = Field(15.0, gt=0, le=120)
    width: int = Field(640, ge=1, le=8192)
    height: int = Field(480, ge=1, le=8192)


class SessionOut(BaseModel):
    session_id: str
    sign_id: str
    sign_key: str
    gloss: str
    mode: Mode
    dominant_hand: Side
    status: Status
    reason_es: str | None = None
    reason_en: str | None = None
    score: float | None = None
    passed: bool | None = None
    pass_threshold: float | None = None
    components: dict[str, float] | None = None
    feedback: list[Feedback] = Field(default_factory=list)
    nearest: list[Neighbour] = Field(default_factory=list)
    hand_used: Side | None = None
    model_version: str | None = None
    template_version: int | None = None
    created_at: datetime
    updated_at: datetime
    timings: dict[str, Any] = Field(default_factory=dict)
    upload: dict[str, Any] | None = Field(
        None, description="for video sessions awaiting their upload: how to send it (content service)"
    )

    @staticmethod
    def from_session(session: PracticeSession) -> SessionOut:
        out = SessionOut.model_validate(session.model_dump(include=set(SessionOut.model_fields)))
        if out.mode == "video" and out.status == "awaiting_upload":
            out.upload = {
                "method": "POST",
                "path": "/content/practice-uploads",
                "body": {"session_id": out.session_id, "content_type": "video/mp4 | video/webm", "size": "<bytes>"},
            }
        return out


class SessionPage(BaseModel):
    items: list[SessionOut]
    cursor: str | None = None
