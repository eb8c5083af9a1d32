"""XP rules — the one place they are decided.

- An exercise answered correctly: 10 XP (a wrong answer is logged and reschedules the sign's card, 0 XP).
- A lesson completed for the first time: 20 XP, plus 10 when perfect (score 100, no mistakes).
  Completing it again: 5 XP (practice is worth something, but replaying one lesson must not farm the
  leaderboard).
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


def practice_xp(passed: bool) -> int:
    return PRACTICE_PASSED_XP if passed else 0


def review_xp(was_due: bool) -> int:
    return REVIEW_DUE_XP if was_due else 0
