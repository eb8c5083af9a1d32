"""Item keys of the two tables (DESIGN §3), in one place so every repository spells them the same way.

UserData:      USER#<id> / PROFILE · (identity: ACCOUNT, FAMILY#…) · USER#<id> / DELETED (tombstone)
UserProgress:  USER#<id> / IDEMPOTENCY#<key> · ATTEMPT#<ts>#<key> · STATS · DAY#<local date> · STREAK ·
               LESSON#<id> · LEVEL#<id> · CARD#<sign>:<direction> · SIGN#<sign> ·
               WEEK#<iso week>#<language> (counter) · LB#<iso week>#<language> (indexed) · ACH#<code> ·
               OUTBOX#<id> · NOTIF#<id> · NOTIFKEY#<natural key> ·
               LESSONATTEMPT#<attempt id> (a lesson attempt, graded by the server, with its answer key) ·
               PRACTICEUSED#<session id> (a practice session already counted for a "perform" exercise) ·
               FOLLOWUP#<message id>#<part> (a follow-up step done, so a redelivery does not do it again)
GSI1:          DUE#<user> / <due iso>#<card>   (due reviews)
               LB#<language>#<iso week> / <xp 10 digits>#<user>   (leaderboard, descending)
               OUTBOX / <created iso>#<user>#<id>   (messages still to publish)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from senas.platform.tables.keys import KeyPrefix

user = KeyPrefix("USER")  # (user id)

PROFILE = "PROFILE"
DELETED = "DELETED"
STATS = "STATS"
STREAK = "STREAK"
OUTBOX_INDEX = "OUTBOX"

idempotency = KeyPrefix("IDEMPOTENCY")  # (idempotency key)
lesson = KeyPrefix("LESSON")  # (lesson id)
lesson_attempt = KeyPrefix("LESSONATTEMPT")  # (attempt id)
practice_used = KeyPrefix("PRACTICEUSED")  # (practice session id)
followup_done = KeyPrefix("FOLLOWUP")  # (message id, part)
level = KeyPrefix("LEVEL")  # (level id)
card = KeyPrefix("CARD")  # (card id: <sign>:<direction>)
sign_seen = KeyPrefix("SIGN")  # (sign id)
week_counter = KeyPrefix("WEEK")  # (iso week, language)
leaderboard_item = KeyPrefix("LB")  # (iso week, language)
leaderboard_partition = KeyPrefix("LB")  # (language, iso week): the GSI1 partition, another order on purpose
achievement = KeyPrefix("ACH")  # (achievement code)
outbox = KeyPrefix("OUTBOX")  # (message id)
notification = KeyPrefix("NOTIF")  # (notification id)
notification_key = KeyPrefix("NOTIFKEY")  # (natural key)
due_partition = KeyPrefix("DUE")  # (user id)


def attempt(at: datetime, key: str) -> str:
    return f"ATTEMPT#{iso(at)}#{key}"


def day(local: date) -> str:
    return f"DAY#{local.isoformat()}"


def iso(at: datetime) -> str:
    """Sortable UTC timestamp with microseconds (fixed width, so string order is time order)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def iso_week(at: date) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"
