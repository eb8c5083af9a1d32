"""Exercise results, lesson completions, XP, daily goal, streaks and level completion (UserProgress)."""
