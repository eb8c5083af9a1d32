"""Bodies of the progress routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from senas.users.reviews.cards import SIGN_ID

ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_.:-]{8,128}$"


class ExerciseResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lesson_id: str = Field(pattern=ID)
    exercise_id: str = Field(pattern=ID)
    correct: bool
    sign_id: str | None = Field(None, pattern=SIGN_ID, description="the sign the exercise asked about")
    direction: Literal["sign_to_meaning", "meaning_to_sign", "perform"] | None = None


class LessonCompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lesson_id: str = Field(pattern=ID)
    score: int = Field(ge=0, le=100, description="percentage of exercises right")
    mistakes: int = Field(0, ge=0, le=1000)


class StreakOut(BaseModel):
    current: int
    best: int
    freezes: int
    today_xp: int
    daily_goal_xp: int
    goal_met_today: bool
    today: str  # the learner's local date


class EventOut(BaseModel):
    event_id: str
    xp_awarded: int
    replayed: bool
    first_completion: bool | None = None
    xp_total: int
    streak: StreakOut


class LevelProgressOut(BaseModel):
    level_id: str
    lessons_completed: int
    lessons_total: int
    percent: float
    completed: bool


class SignsOut(BaseModel):
    practised: int
    learned: int
    mastered: int


class SummaryOut(BaseModel):
    xp_total: int
    streak: StreakOut
    lessons_completed: int
    perfect_lessons: int
    levels_completed: int
    levels: list[LevelProgressOut]
    levels_available: bool = Field(description="false when the content service could not be asked")
    signs: SignsOut
    achievements: int
