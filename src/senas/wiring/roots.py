"""What every service's composition root shares: its settings, the token verifier, its declared ports (resolved
once from the platform) and the plumbing the app factory asks for — readiness checks from the declaration,
queue bindings checked against it, subscriptions declared at start, the platform closed when the app owns it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from senas.core.consumer import MessageConsumer, QueueBinding
from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.identity import TokenVerifier
from senas.wiring import resources
from senas.wiring.platform import Platform, declare_subscriptions

P = TypeVar("P")
C = TypeVar("C")
X = TypeVar("X", bound="ServiceContext[Any, Any]")
Check = Callable[[], Awaitable[None]]


@dataclass
class ServiceContext(Generic[P, C]):
    """What a service's routes and consumers share: the platform's settings, the service's own settings and its
    declared ports (resolved from the platform: ``resources.resolve``); each service adds its clients."""

    settings: Settings
    config: C
    ports: P


class ServiceRootBase(Generic[X]):
    """Subclasses (one per service, in its ``bootstrap.py``) bind their consumers and may override
    ``consumers``, ``extra_checks`` and ``running``."""

    def __init__(self, platform: Platform, context: X) -> None:
        self.context = context
        self.settings: Settings = platform.settings
        self.token_verifier: TokenVerifier = platform.token_verifier
        self.ports = context.ports
        # Kept only to declare the local subscriptions at start and to close the platform when the app owns it.
        self._platform = platform

    def bind(self, logical_queue: str, consumer: MessageConsumer) -> QueueBinding:
        return QueueBinding(
            resources.queue_of(self.ports, logical_queue),
            consumer,
            visibility_timeout=catalog.VISIBILITY_TIMEOUTS.get(logical_queue, 30.0),
        )

    def consumers(self) -> Sequence[QueueBinding]:
        return ()

    def extra_checks(self) -> Mapping[str, Check]:
        return {}

    def readiness_checks(self) -> Mapping[str, Check]:
        return {**resources.readiness_checks(self.ports), **self.extra_checks()}

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        await declare_subscriptions(self._platform)
        async with self.running():
            yield

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """What the service holds while it runs (open the database, load models, a background task)."""
        return contextlib.nullcontext()

    async def aclose(self) -> None:
        await self._platform.close()
