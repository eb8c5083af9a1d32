"""Everything the user service's routes and consumers share within one process: its settings, the two tables,
the identity provider, the content client, the clock, and the live-notification hub. One per platform, so the
HTTP side and the queue consumers (which only receive the platform) see the same hub."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from senas.platform import catalog
from senas.platform.identity import Identity
from senas.platform.tables import Table
from senas.platform.wiring import Platform
from senas.users.clock import Clock, SystemClock
from senas.users.content import ContentClient, HttpContentClient
from senas.users.notifications.hub import NotificationHub
from senas.users.settings import UsersSettings

PRODUCER = "users"


@dataclass
class UsersRuntime:
    platform: Platform
    settings: UsersSettings
    identity: Identity
    content: ContentClient
    clock: Clock = field(default_factory=SystemClock)
    hub: NotificationHub = field(default_factory=NotificationHub)

    @property
    def user_data(self) -> Table:
        return self.platform.tables.table(self.platform.settings.table_name(catalog.USER_DATA))

    @property
    def progress(self) -> Table:
        return self.platform.tables.table(self.platform.settings.table_name(catalog.USER_PROGRESS))

    def topic(self, logical: str) -> str:
        return self.platform.settings.resource_name(logical)


_runtimes: dict[int, UsersRuntime] = {}


def runtime_for(platform: Platform) -> UsersRuntime:
    """The runtime of this platform, made on first use."""
    key = id(platform)
    runtime = _runtimes.get(key)
    if runtime is None:
        if platform.identity is None:
            raise RuntimeError("the platform has no identity provider; the user service cannot start")
        settings = UsersSettings()
        runtime = UsersRuntime(
            platform=platform,
            settings=settings,
            identity=platform.identity,
            content=HttpContentClient(platform.services, cache_seconds=settings.content_cache_seconds),
        )
        _runtimes[key] = runtime
        weakref.finalize(platform, _runtimes.pop, key, None)
    return runtime
