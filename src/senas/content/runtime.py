"""The content service's process-wide state: the database and the read-view cache.

Consumers are built when the app is created, before the lifespan opens the database, so they reach it
through this holder (one per platform) instead of capturing it."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from senas.content.db import Database
from senas.content.views import SignedUrlCache, ViewCache
from senas.core.errors import ServiceUnavailableError
from senas.platform.wiring import Platform


@dataclass
class ContentRuntime:
    database: Database | None = None
    views: ViewCache = field(default_factory=ViewCache)
    urls: SignedUrlCache = field(default_factory=SignedUrlCache)
    users: int = 0  # apps sharing this runtime (tests may build several on one platform)

    def db(self) -> Database:
        if self.database is None:
            raise ServiceUnavailableError("la base de datos no está lista / the database is not ready")
        return self.database

    async def ensure(self, platform: Platform) -> Database:
        """The database, opened on first use when no app lifespan opened it (``senas worker media-status``
        runs the consumers without the HTTP app)."""
        if self.database is None:
            from senas.content.db import create_engine, resolve_database_url

            url = await resolve_database_url(platform.settings, platform.secrets)
            if self.database is None:
                self.database = Database(create_engine(url))
                self.database.on_catalog_change.append(self.views.invalidate)
        return self.database


_RUNTIMES: dict[int, ContentRuntime] = {}


def runtime_for(platform: Platform) -> ContentRuntime:
    key = id(platform)
    runtime = _RUNTIMES.get(key)
    if runtime is None:
        runtime = _RUNTIMES[key] = ContentRuntime()
        weakref.finalize(platform, _RUNTIMES.pop, key, None)
    return runtime
