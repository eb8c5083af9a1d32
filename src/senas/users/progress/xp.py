"""XP rules — the one place they are decided. XP comes only from what the server graded or saw.

- A lesson attempt, when completed: 10 XP per exercise the server graded right, plus 20 XP the first time the
  lesson is completed (+10 when perfect: every exercise answered, all right), or 5 XP for completing it again.
- Bounds: what one lesson gives in one local day is at most what it can give at all (``lesson_max_xp``: every
  exercise right, first and perfect), and what lessons give in one day at most what the whole course can
  (``course_max_xp``: every published lesson so). A farmed lesson, or a script completing lessons all day, earns
  nothing past them.
- A camera practice session that passed: 15 XP, once per session however often its message is delivered.
- A review answered while its card is due: 5 XP (answering a card early earns nothing).
- Daily goal: 30 XP by default (set per learner, 10–500); a day counts for the streak when it is met.
"""

from __future__ import annotations

EXERCISE_CORRECT_XP = 10
LESSON_FIRST_COMPLETION_XP = 20
LESSON_PERFECT_BONUS_XP = 10
LESSON_REPEAT_XP = 5
PRACTICE_PASSED_XP = 15
REVIEW_DUE_XP = 5


def exercise_xp(correct: bool) -> int:
    return EXERCISE_CORRECT_XP if correct else 0


def lesson_xp(*, first: bool, perfect: bool) -> int:
    if not first:
        return LESSON_REPEAT_XP
    return LESSON_FIRST_COMPLETION_XP + (LESSON_PERFECT_BONUS_XP if perfect else 0)


def attempt_xp(*, correct: int, first: bool, perfect: bool) -> int:
    """What a completed attempt earns before the bounds."""
    return correct * EXERCISE_CORRECT_XP + lesson_xp(first=first, perfect=perfect)


def lesson_max_xp(exercises: int) -> int:
    """The most one lesson can give: every exercise right, completed for the first time, perfect."""
    return exercises * EXERCISE_CORRECT_XP + LESSON_FIRST_COMPLETION_XP + LESSON_PERFECT_BONUS_XP


def course_max_xp(lessons: int, exercises: int) -> int:
    """The most the whole course can give: every lesson at ``lesson_max_xp``."""
    return exercises * EXERCISE_CORRECT_XP + lessons * (LESSON_FIRST_COMPLETION_XP + LESSON_PERFECT_BONUS_XP)


def bounded(raw: int, *, lesson_today: int, lesson_max: int, lessons_today: int, course_max: int) -> int:
    """``raw`` cut to what is left of the lesson's and the course's daily bounds (never negative)."""
    return max(0, min(raw, lesson_max - lesson_today, course_max - lessons_today))


def practice_xp(passed: bool) -> int:
    return PRACTICE_PASSED_XP if passed else 0


def review_xp(was_due: bool) -> int:
    return REVIEW_DUE_XP if was_due else 0
