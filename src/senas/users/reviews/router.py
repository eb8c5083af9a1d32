"""HTTP routes of spaced review: the caller's due cards, and answering one (the rating feeds FSRS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from senas.core.auth import CurrentUser
from senas.users import keys
from senas.users.progress.rate_limits import RATE_LIMITED_RESPONSE, ProgressWriteBudget
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


@router.post(
    "/me/reviews/{card_id}/answer",
    response_model=AnswerOut,
    responses={
        409: {"description": "Another answer (another rating) to the same state of the card was recorded first"},
        **RATE_LIMITED_RESPONSE,
        503: {"description": "Too many simultaneous changes; retry"},
    },
)
async def answer(
    card_id: Annotated[str, Path(max_length=200)],
    body: AnswerIn,
    user: CurrentUser,
    _: ProgressWriteBudget,
    progress: ProgressDep,
) -> AnswerOut:
    """Answering the same state of a card twice (a retry, a double tap) records it once: the second answer is a
    replay (``replayed: true``, ``xp_awarded: 0``, the first award in ``original_xp_awarded``)."""
    outcome, replayed = await progress.answer_review(user, card_id, body.rating)
    awarded = int(outcome["xp_awarded"])
    return AnswerOut(
        card_id=card_id,
        xp_awarded=0 if replayed else awarded,
        original_xp_awarded=awarded if replayed else None,
        replayed=replayed,
        next_due=outcome.get("card_due"),
    )
