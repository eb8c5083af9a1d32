"""The achievements, declared as data: a code, its titles, and the condition on the learner's totals.
Adding one is adding a line here; each is earned once (see the service)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Totals:
    """What rules can look at, read after every progress event."""

    xp: int = 0
    lessons_completed: int = 0
    perfect_lessons: int = 0
    signs_practised: int = 0
    camera_passes: int = 0
    levels_completed: int = 0
    correct_exercises: int = 0
    streak_best: int = 0


@dataclass(frozen=True)
class Rule:
    code: str
    title_es: str
    title_en: str
    earned: Callable[[Totals], bool]


RULES: tuple[Rule, ...] = (
    Rule("first_lesson", "Primera lección", "First lesson", lambda t: t.lessons_completed >= 1),
    Rule("perfect_lesson", "Lección perfecta", "Perfect lesson", lambda t: t.perfect_lessons >= 1),
    Rule("streak_3", "Racha de 3 días", "3-day streak", lambda t: t.streak_best >= 3),
    Rule("streak_7", "Racha de 7 días", "7-day streak", lambda t: t.streak_best >= 7),
    Rule("streak_30", "Racha de 30 días", "30-day streak", lambda t: t.streak_best >= 30),
    Rule("level_completed", "Nivel completado", "Level completed", lambda t: t.levels_completed >= 1),
    Rule("signs_50", "50 señas practicadas", "50 signs practised", lambda t: t.signs_practised >= 50),
    Rule("signs_100", "100 señas practicadas", "100 signs practised", lambda t: t.signs_practised >= 100),
    Rule(
        "first_camera_pass",
        "Primera práctica con cámara superada",
        "First camera practice passed",
        lambda t: t.camera_passes >= 1,
    ),
    Rule("xp_1000", "1000 XP", "1,000 XP", lambda t: t.xp >= 1000),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}
