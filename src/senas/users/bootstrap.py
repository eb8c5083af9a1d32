"""The user service's composition root: every port, client and consumer it uses, built once from the platform.

Its ports are declared in ``context.UsersPorts`` (by logical name) and resolved here; the identity provider is the
platform's (local accounts when embedded, Cognito on AWS); the content and ML services are reached through their
typed API clients — the content one with service grants (``senas.core.grants``), which open the answer-key route
that grades lesson attempts. Routes receive the context as a dependency (``deps.py``), consumers as an argument.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import structlog

from senas.contracts.content_api import ContentApi
from senas.contracts.ml_api import MlApi
from senas.core.consumer import QueueBinding
from senas.core.grants import ServiceGrants
from senas.platform import catalog
from senas.platform.errors import PortError
from senas.platform.identity import Identity
from senas.users.clock import Clock, SystemClock
from senas.users.consumers import NotificationsConsumer, PracticeResultsConsumer
from senas.users.context import UsersContext, UsersPorts
from senas.users.progress.followups import outbox_with_followups
from senas.users.settings import UsersSettings
from senas.wiring import resources
from senas.wiring.platform import Platform
from senas.wiring.roots import ServiceRootBase

log = structlog.get_logger(__name__)


class UsersRoot(ServiceRootBase[UsersContext]):
    def consumers(self) -> Sequence[QueueBinding]:
        return (
            self.bind(catalog.PRACTICE_RESULTS, PracticeResultsConsumer(self.context)),
            self.bind(catalog.USER_NOTIFICATIONS, NotificationsConsumer(self.context)),
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Sweeps the outbox in the background (follow-ups and messages a request's own run did not finish) and,
        on shutdown, ends the live notification streams and lets running follow-ups finish."""
        context = self.context
        stopping = asyncio.Event()

        async def sweep() -> None:
            outbox = outbox_with_followups(context)
            while not stopping.is_set():
                try:
                    await outbox.drain_all()
                except PortError as exc:
                    log.warning("outbox_sweep_failed", error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=context.config.outbox_poll_seconds)

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            context.hub.close()
            stopping.set()
            await asyncio.gather(task, return_exceptions=True)
            await context.background.close()
            await context.progress_hits.close()  # the last hits counted here reach the shared budgets


def build(
    platform: Platform,
    *,
    config: UsersSettings | None = None,
    clock: Clock | None = None,
    identity: Identity | None = None,
) -> UsersRoot:
    identity = identity or platform.identity
    if identity is None:
        raise RuntimeError("the platform has no identity provider; the user service cannot start")
    config = config or UsersSettings()
    context = UsersContext(
        settings=platform.settings,
        config=config,
        ports=resources.resolve(UsersPorts, platform),
        identity=identity,
        content=ContentApi(
            platform.services,
            cache_seconds=config.content_cache_seconds,
            grants=ServiceGrants(platform.settings.signing_secret.get_secret_value()),
            caller="users",
            answer_key_seconds=config.answer_key_cache_seconds,
        ),
        ml=MlApi(platform.services),
        clock=clock or SystemClock(),
    )
    return UsersRoot(platform, context)
