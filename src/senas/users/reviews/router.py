"""HTTP routes of spaced review: the caller's due cards, and answering one (the rating feeds FSRS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from senas.core.auth import CurrentUser
from senas.users import keys
from senas.users.progress.router import ProgressDep
from senas.users.reviews.cards import ReviewCard
from senas.users.reviews.schemas import AnswerIn, AnswerOut, CardOut, DueOut

router = APIRouter(tags=["reviews"])


@router.get("/me/reviews/due", response_model=DueOut)
async def due_reviews(
    user: CurrentUser, progress: ProgressDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> DueOut:
    now = progress.clock.now()
    items = await progress.repository.due_cards(user.user_id, until=keys.iso(now), limit=limit)
    cards = []
    for item in items:
        card = ReviewCard.from_item(user.user_id, item)
        cards.append(
            CardOut(
                card_id=card.id,
                sign_id=card.sign_id,
                direction=card.direction,
                due=str(item["due"]),
                state=card.state,
                reviews=card.reviews,
            )
        )
    return DueOut(cards=cards, now=keys.iso(now))


@router.post("/me/reviews/{card_id}/answer", response_model=AnswerOut)
async def answer(
    card_id: Annotated[str, Path(max_length=200)], body: AnswerIn, user: CurrentUser, progress: ProgressDep
) -> AnswerOut:
    outcome, _ = await progress.answer_review(user, card_id, body.rating)
    return AnswerOut(
        card_id=card_id, xp_awarded=outcome.xp_awarded, replayed=outcome.replayed, next_due=outcome.card_due
    )
