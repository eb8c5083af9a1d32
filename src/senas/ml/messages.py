"""The ML service's own message: from its video worker to its inference worker (queue ``ml-inference``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from senas.contracts.base import MessageContract


class LandmarksExtracted(MessageContract):
    """The landmarks of practice session ``session_id`` are in the processed store at ``artefact_key``."""

    TYPE: ClassVar[str] = "landmarks.extracted"
    VERSION: ClassVar[int] = 1

    session_id: str = Field(min_length=1, max_length=128)
    user_id: str = Field(min_length=1, max_length=128)
    artefact_key: str = Field(min_length=1, max_length=1024)
    frames: int = Field(ge=0)
    frames_with_hand: int = Field(ge=0)
