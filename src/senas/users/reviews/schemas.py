"""Bodies of the review routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from senas.users.reviews.cards import RatingName


class CardOut(BaseModel):
    card_id: str
    sign_id: str
    direction: str
    due: str
    state: str
    reviews: int


class DueOut(BaseModel):
    cards: list[CardOut]
    now: str


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: RatingName


class AnswerOut(BaseModel):
    card_id: str
    xp_awarded: int = Field(description="XP this call awarded: 0 on a replay")
    original_xp_awarded: int | None = Field(None, description="on a replay: what the first answer awarded")
    replayed: bool
    next_due: str | None
