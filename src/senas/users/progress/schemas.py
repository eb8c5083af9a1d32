"""Bodies of the progress routes: lesson attempts (start, answer, complete) and the summary."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_.:-]{8,128}$"
ATTEMPT_ID = r"^[0-9a-f]{32}$"
Letter = Annotated[str, Field(max_length=8, description="one spelled letter as the learner gave it ('' if none)")]


class StreakOut(BaseModel):
    current: int
    best: int
    freezes: int
    today_xp: int
    daily_goal_xp: int
    goal_met_today: bool
    today: str  # the learner's local date


# -- attempts ------------------------------------------------------------------------------------------------------


class AttemptExerciseOut(BaseModel):
    exercise_id: str
    kind: str
    option_ids: list[str] = Field(
        description="choice exercises: the lesson's choices (by their option id) in this attempt's order"
    )
    answered: bool
    correct: bool | None = Field(None, description="the server's verdict, once answered")


class AttemptOut(BaseModel):
    attempt_id: str
    lesson_id: str
    status: Literal["open", "completed"]
    started_at: str
    expires_at: str = Field(description="answers (and practice sessions for perform exercises) count until then")
    exercises: list[AttemptExerciseOut]
    replayed: bool = Field(description="true when this answers a repeated Idempotency-Key: the same attempt")


class AnswerIn(BaseModel):
    """What the learner chose — exactly one of: ``option_id`` (choice exercises), ``letters`` (fingerspelling:
    the letters spelled, in order), ``practice_session_id`` (perform: a practice session of the exercise's sign,
    scored, made during this attempt)."""

    # "Exactly one" stated in the schema too (each branch: that answer given, not null), so that a client or a
    # fuzzer reading the schema knows a body with two answers is refused (422) rather than finding out.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": kind}}}
                for name, kind in (("option_id", "string"), ("letters", "array"), ("practice_session_id", "string"))
            ]
        },
    )

    exercise_id: str = Field(pattern=ID)
    option_id: str | None = Field(None, pattern=ID)
    letters: Annotated[list[Letter], Field(max_length=64)] | None = None
    practice_session_id: str | None = Field(None, pattern=ID)

    @model_validator(mode="after")
    def _one_answer(self) -> AnswerIn:
        given = [name for name in ("option_id", "letters", "practice_session_id") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of option_id, letters, practice_session_id")
        return self


class OptionTextOut(BaseModel):
    option_id: str
    gloss: str
    meaning_es: str
    meaning_en: str


class CorrectAnswerOut(BaseModel):
    """The right answer, for feedback (sent once the learner has answered)."""

    option_id: str | None = Field(None, description="choice exercises: the right option")
    gloss: str | None = None
    meaning_es: str | None = None
    meaning_en: str | None = None
    letters: list[str] | None = Field(None, description="fingerspelling: the letters of the word")
    options: list[OptionTextOut] | None = Field(None, description="choice exercises: what every option was")


class AnswerOut(BaseModel):
    attempt_id: str
    exercise_id: str
    correct: bool
    correct_answer: CorrectAnswerOut
    answered: int = Field(description="exercises of the attempt answered so far")
    total: int
    replayed: bool = Field(description="true when this answers a repeated Idempotency-Key: the first verdict")


class CompletionOut(BaseModel):
    attempt_id: str
    lesson_id: str
    score: int = Field(description="percentage right of the exercises graded (a skipped perform exercise is not)")
    correct: int
    answered: int
    total: int
    perfect: bool = Field(description="every exercise answered, all right")
    first_completion: bool
    xp_awarded: int = Field(description="XP this call awarded: 0 on a replay")
    original_xp_awarded: int | None = Field(
        None, description="on a replay (repeated Idempotency-Key): what the first call awarded"
    )
    xp_capped: bool = Field(description="the lesson's or the course's daily XP bound cut the award")
    replayed: bool
    xp_total: int
    streak: StreakOut


# -- summary -------------------------------------------------------------------------------------------------------


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
