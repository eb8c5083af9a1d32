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


def user(user_id: str) -> str:
    return f"USER#{user_id}"


PROFILE = "PROFILE"
DELETED = "DELETED"
STATS = "STATS"
STREAK = "STREAK"


def idempotency(key: str) -> str:
    return f"IDEMPOTENCY#{key}"


def attempt(at: datetime, key: str) -> str:
    return f"ATTEMPT#{iso(at)}#{key}"


def day(local: date) -> str:
    return f"DAY#{local.isoformat()}"


def lesson(lesson_id: str) -> str:
    return f"LESSON#{lesson_id}"


def lesson_attempt(attempt_id: str) -> str:
    return f"LESSONATTEMPT#{attempt_id}"


def practice_used(session_id: str) -> str:
    return f"PRACTICEUSED#{session_id}"


def followup_done(message_id: str, part: str) -> str:
    return f"FOLLOWUP#{message_id}#{part}"


def level(level_id: str) -> str:
    return f"LEVEL#{level_id}"


def card(card_id: str) -> str:
    return f"CARD#{card_id}"


def sign_seen(sign_id: str) -> str:
    return f"SIGN#{sign_id}"


def week_counter(week: str, language: str) -> str:
    return f"WEEK#{week}#{language}"


def leaderboard_item(week: str, language: str) -> str:
    return f"LB#{week}#{language}"


def leaderboard_partition(language: str, week: str) -> str:
    return f"LB#{language}#{week}"


def achievement(code: str) -> str:
    return f"ACH#{code}"


def outbox(message_id: str) -> str:
    return f"OUTBOX#{message_id}"


OUTBOX_INDEX = "OUTBOX"


def notification(notification_id: str) -> str:
    return f"NOTIF#{notification_id}"


def notification_key(natural_key: str) -> str:
    return f"NOTIFKEY#{natural_key}"


def due_partition(user_id: str) -> str:
    return f"DUE#{user_id}"


def iso(at: datetime) -> str:
    """Sortable UTC timestamp with microseconds (fixed width, so string order is time order)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_week(at: date) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"
