"""One transaction per request or message, committed in one place.

Services below the routers and consumers write through a session and never commit: whoever opened the unit of work
(the request's dependency in ``deps.py``, a queue handler in ``consumers.py``) commits it once, when the work
returned without error, and rolls it back otherwise. What must happen only once the commit has succeeded (deleting
the stored files of deleted rows) is registered with :meth:`UnitOfWork.after_commit`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._after_commit: list[AfterCommit] = []

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` once the transaction has committed; never if it rolls back."""
        self._after_commit.append(action)

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        actions, self._after_commit = self._after_commit, []
        if error is not None:
            await self.session.rollback()
            return
        # A failed commit (a lost race on a unique slug, a database gone) propagates: the caller's error
        # handling turns it into its answer (409 or 503 for a request, a retry for a message).
        await self.session.commit()
        for action in actions:
            try:
                await action()
            except Exception:
                # The change is committed and cannot be undone: report the leftover, do not fail the answer.
                log.exception("after_commit_action_failed")
