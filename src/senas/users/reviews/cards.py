"""Review cards: one per sign and direction, scheduled with FSRS (the ``fsrs`` package).

Directions: ``sign_to_meaning`` (watch the sign, choose its meaning), ``meaning_to_sign`` (read the meaning,
choose the video) and ``perform`` (sign it on camera). A card's id is ``<sign_id>:<direction>``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fsrs import Card, Rating, Scheduler, State

from senas.platform.tables import Item
from senas.users import keys

Direction = Literal["sign_to_meaning", "meaning_to_sign", "perform"]
DIRECTIONS: tuple[Direction, ...] = ("sign_to_meaning", "meaning_to_sign", "perform")
RatingName = Literal["again", "hard", "good", "easy"]
RATINGS: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}
SIGN_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_CARD_ID = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(sign_to_meaning|meaning_to_sign|perform)$")
MASTERED_STABILITY_DAYS = 21.0  # FSRS stability: days until recall probability falls to 90 %

# Fuzzing off: the same answers give the same schedule, which learners (and tests) can rely on.
_scheduler = Scheduler(enable_fuzzing=False)


def card_id(sign_id: str, direction: str) -> str:
    return f"{sign_id}:{direction}"


def parse_card_id(value: str) -> tuple[str, str] | None:
    match = _CARD_ID.match(value)
    return None if match is None else (match.group(1), match.group(2))


def _card_number(user_id: str, sign_id: str, direction: str) -> int:
    digest = hashlib.sha256(f"{user_id}\x00{sign_id}\x00{direction}".encode()).digest()
    return int.from_bytes(digest[:6], "big")  # fsrs keeps it as an int (JSON-safe well below 2**53)


def rating_for_practice(score: float, passed: bool) -> Rating:
    if not passed:
        return Rating.Again
    return Rating.Easy if score >= 90 else Rating.Good


@dataclass(frozen=True)
class ReviewCard:
    user_id: str
    sign_id: str
    direction: str
    fsrs: dict[str, Any]
    reviews: int = 0
    lapses: int = 0
    version: int = 0  # 0: not stored yet

    @property
    def id(self) -> str:
        return card_id(self.sign_id, self.direction)

    @property
    def card(self) -> Card:
        return Card.from_dict(self.fsrs)  # type: ignore[arg-type]

    @property
    def due(self) -> datetime:
        due: datetime = self.card.due
        return due

    @property
    def state(self) -> str:
        return State(self.fsrs["state"]).name.lower()

    @property
    def stability(self) -> float:
        return float(self.fsrs.get("stability") or 0.0)

    @classmethod
    def new(cls, user_id: str, sign_id: str, direction: str, now: datetime) -> ReviewCard:
        # An id of our own: without one, fsrs numbers a card by the current millisecond and sleeps a millisecond
        # so that the next one differs — a pause of the whole event loop for every new card.
        card = Card(card_id=_card_number(user_id, sign_id, direction), due=now)
        return cls(user_id=user_id, sign_id=sign_id, direction=direction, fsrs=dict(card.to_dict()))

    def reviewed(self, rating: Rating, at: datetime) -> ReviewCard:
        updated, _ = _scheduler.review_card(self.card, rating, review_datetime=at)
        return ReviewCard(
            user_id=self.user_id,
            sign_id=self.sign_id,
            direction=self.direction,
            fsrs=dict(updated.to_dict()),
            reviews=self.reviews + 1,
            lapses=self.lapses + (1 if rating == Rating.Again and self.reviews > 0 else 0),
            version=self.version + 1,
        )

    def to_item(self) -> Item:
        due = keys.iso(self.due)
        return {
            "pk": keys.user(self.user_id),
            "sk": keys.card(self.id),
            "card_id": self.id,
            "sign_id": self.sign_id,
            "direction": self.direction,
            "fsrs": self.fsrs,
            "reviews": self.reviews,
            "lapses": self.lapses,
            "due": due,
            "version": max(self.version, 1),
            "gsi1pk": keys.due_partition(self.user_id),
            "gsi1sk": f"{due}#{self.id}",
        }

    @classmethod
    def from_item(cls, user_id: str, item: Item) -> ReviewCard:
        return cls(
            user_id=user_id,
            sign_id=str(item["sign_id"]),
            direction=str(item["direction"]),
            fsrs=dict(item["fsrs"]),
            reviews=int(item.get("reviews", 0)),
            lapses=int(item.get("lapses", 0)),
            version=int(item["version"]),
        )
