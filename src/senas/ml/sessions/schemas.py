"""Request and response bodies of the practice-session API.

A video session answers, while it awaits its video, with ``upload``: the exact calls that send it through the
content service (``UploadInstructions``) — create the upload, PUT the file to the signed URL, confirm. A landmarks
session starts ``awaiting_landmarks`` and is scored by ``POST /ml/sessions/{id}/landmarks``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.ml.landmarks.schema import HandednessOut, Point
from senas.ml.landmarks.sequence import POSE_POINTS
from senas.ml.recognition.scoring_api import Feedback, Neighbour
from senas.ml.sessions.models import Mode, PracticeSession, Status

Side = Literal["left", "right"]
# What the content service takes for a practice video (POST /content/practice-uploads).
UPLOAD_CONTENT_TYPES = ("video/webm", "video/mp4")
DEFAULT_MAX_VIDEO_BYTES = 50 * 1024 * 1024


class StartSession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sign_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    mode: Mode
    dominant_hand: Side = "right"
    lesson_id: str | None = Field(None, max_length=128, description="ranks the nearest signs within this lesson")


class LandmarkFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    landmarks: list[Point] = Field(
        min_length=21, max_length=21, description="21 MediaPipe hand landmarks: x, y in 0–1 of the frame, z depth"
    )
    handedness: Side | None = Field(
        None,
        description="MediaPipe's handedness label of this hand, computed on the un-mirrored frame — the image as the "
        "camera took it, not the mirrored preview a selfie view shows: `left` is the signer's own left hand. It "
        "decides the score (a left hand is compared after mirroring it into a right one). Omitted: decided from the "
        "hand's 3-D shape, or the session's dominant hand when the shape does not tell (a flat open hand). A label "
        "the shape clearly contradicts over the attempt (landmarks of a mirrored frame, or a mirrored label) is "
        "overruled. The session's `handedness` says what was used and why.",
    )
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
        min_length=1,
        max_length=900,
        description="one entry per frame; null where no hand was seen (at least 3 frames need a hand, or the "
        "session fails with `no_hands`: no hand in the landmarks)",
    )
    fps: float = Field(15.0, gt=0, le=120)
    width: int = Field(640, ge=1, le=8192)
    height: int = Field(480, ge=1, le=8192)


class UploadStep(BaseModel):
    """One HTTP call of the upload, on the API's own host (the gateway or load balancer) unless ``url_from``."""

    call: int = Field(description="the order of the calls: 1, 2, 3")
    method: Literal["POST", "PUT"]
    path: str | None = Field(None, description="the path to call, as it is")
    path_template: str | None = Field(
        None, description="the path with `{name}` parts, each replaced by the value `path_values_from` names"
    )
    path_values_from: dict[str, str] = Field(
        default_factory=dict, description="for each `{name}` of `path_template`: the field of call 1's answer"
    )
    url_from: str | None = Field(None, description="the field of call 1's answer that holds the full URL to call")
    method_from: str | None = Field(None, description="the field of call 1's answer that holds the method")
    headers_from: str | None = Field(None, description="the field of call 1's answer that holds the headers to send")
    json_body: dict[str, Any] | None = Field(None, description="the JSON body, with the values already known")
    add_to_json: dict[str, str] = Field(
        default_factory=dict, description="fields the client adds to `json_body`, and what each must hold"
    )
    body: str | None = Field(None, description="a raw body, in words")
    auth: bool = Field(True, description="send the learner's access token (Authorization: Bearer …)")
    purpose: str


class UploadInstructions(BaseModel):
    """How a video session's video is sent: the content service stores it and tells the ML service."""

    content_types: list[str] = Field(description="the video types accepted")
    max_bytes: int = Field(description="the largest video accepted, in bytes")
    steps: list[UploadStep]


def upload_instructions(session_id: str, max_bytes: int) -> UploadInstructions:
    return UploadInstructions(
        content_types=list(UPLOAD_CONTENT_TYPES),
        max_bytes=max_bytes,
        steps=[
            UploadStep(
                call=1,
                method="POST",
                path="/content/practice-uploads",
                json_body={"session_id": session_id},
                add_to_json={
                    "content_type": "the video's type, one of `content_types`",
                    "size": "the video's exact size in bytes (an integer, at most `max_bytes`)",
                },
                purpose="ask for a signed upload URL; the answer has `upload_id` and `upload` (url, method, headers)",
            ),
            UploadStep(
                call=2,
                method="PUT",
                url_from="upload.url",
                method_from="upload.method",
                headers_from="upload.headers",
                body="the video file's bytes, exactly `size` of them",
                auth=False,
                purpose="send the video to storage (the URL is signed: no access token)",
            ),
            UploadStep(
                call=3,
                method="POST",
                path_template="/content/practice-uploads/{upload_id}/confirm",
                path_values_from={"upload_id": "upload_id"},
                purpose="confirm the upload: the session then moves to `queued`, `processing`, and `scored` or "
                "`failed` (read it with GET /ml/sessions/{session_id})",
            ),
        ],
    )


class SessionOut(BaseModel):
    session_id: str
    sign_id: str
    sign_key: str
    gloss: str
    mode: Mode
    dominant_hand: Side
    status: Status = Field(
        description="`awaiting_upload` (video: send it as `upload` says) | `awaiting_landmarks` (landmarks: POST "
        "them to /ml/sessions/{id}/landmarks) → `queued` → `processing` → `scored` | `failed` (`reason_es`/"
        "`reason_en` say why)"
    )
    reason_es: str | None = None
    reason_en: str | None = None
    score: float | None = None
    passed: bool | None = None
    pass_threshold: float | None = None
    components: dict[str, float] | None = Field(
        None, description="0–100 per parameter: handshape, orientation, location, movement"
    )
    feedback: list[Feedback] = Field(default_factory=list)
    nearest: list[Neighbour] = Field(default_factory=list)
    hand_used: Side | None = None
    handedness: HandednessOut | None = None
    preview: bool = Field(False, description="an author trying a draft sign: scored, not counted as progress")
    model_version: str | None = None
    template_version: int | None = None
    created_at: datetime
    updated_at: datetime
    timings: dict[str, Any] = Field(default_factory=dict)
    upload: UploadInstructions | None = Field(
        None, description="for a video session awaiting its video: the calls that send it (content service)"
    )

    @staticmethod
    def from_session(session: PracticeSession, *, max_video_bytes: int = DEFAULT_MAX_VIDEO_BYTES) -> SessionOut:
        out = SessionOut.model_validate(session.model_dump(include=set(SessionOut.model_fields)))
        if out.mode == "video" and out.status == "awaiting_upload":
            out.upload = upload_instructions(out.session_id, max_video_bytes)
        return out


class SessionPage(BaseModel):
    items: list[SessionOut]
    cursor: str | None = None
