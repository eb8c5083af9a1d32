"""The lesson attempts this process wrote last, as it wrote them, so that the next answer of an attempt need not
read it back.

A learner answers an attempt's exercises one after another, usually through the same task: each answer read the
whole attempt (its snapshot of the lesson, answer keys and all) that the previous one had just written. Remembering
it is safe because every write of an attempt is conditioned on the version it was planned on: an attempt remembered
here that another task (or a crash of this one between the write and this note) has moved on makes that write fail
its condition, and the writer then forgets it and reads the attempt as stored — exactly what a concurrent change
costs without this. Only what a committed write stored is remembered; an attempt only ever moves forward (answers
are added, it is completed), so whatever an old version refuses (an exercise already answered, an attempt
completed) the stored one refuses too.

Bounded (least recently used first out), per process; it holds nothing the table does not.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from senas.users.progress.models import LessonAttempt

CAPACITY = 2048  # attempts; one is a few kilobytes (the lesson's exercises and the verdicts so far)


class RecentAttempts:
    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._attempts: OrderedDict[tuple[str, str], LessonAttempt] = OrderedDict()

    def __len__(self) -> int:
        return len(self._attempts)

    def get(self, user_id: str, attempt_id: str) -> LessonAttempt | None:
        key = (user_id, attempt_id)
        attempt = self._attempts.get(key)
        if attempt is not None:
            self._attempts.move_to_end(key)
        return attempt

    def remember(self, attempt: LessonAttempt) -> None:
        """``attempt`` as a write that has just been committed stored it."""
        key = (attempt.user_id, attempt.attempt_id)
        self._attempts[key] = attempt
        self._attempts.move_to_end(key)
        while len(self._attempts) > self.capacity:
            self._attempts.popitem(last=False)

    def forget(self, user_id: str, attempt_id: str) -> None:
        self._attempts.pop((user_id, attempt_id), None)
