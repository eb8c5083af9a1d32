"""What the content service's routes and consumers share, built once by ``bootstrap.py``: its settings, its
declared ports (two buckets, the queue it sends uploads to, the queues it consumes), the database, the read-view
and signed-URL caches, the ML service's answer on practice sessions, the keys of exercise option ids and the
service grants that open the answer-key route."""

from __future__ import annotations

from dataclasses import dataclass, field

from senas.content.catalog.answers import OptionIds
from senas.content.db import Database, create_engine, resolve_database_url
from senas.content.practice.sessions import PracticeSessions
from senas.content.settings import ContentSettings
from senas.content.views import SignedUrlCache, ViewCache
from senas.core.errors import ServiceUnavailableError
from senas.core.grants import ServiceGrants
from senas.core.settings import Settings
from senas.platform import catalog
from senas.platform.blobs import BlobStore
from senas.platform.queues import Queue
from senas.platform.secrets import Secrets
from senas.wiring.resources import DeclaredPorts, bucket, queue
from senas.wiring.roots import ServiceContext

PRODUCER = "content"


@dataclass(frozen=True)
class ContentPorts(DeclaredPorts):
    assets: BlobStore = bucket(catalog.CONTENT_ASSETS)
    uploads: BlobStore = bucket(catalog.USER_UPLOADS)
    video_processing: Queue = queue(catalog.VIDEO_PROCESSING)
    media_status: Queue = queue(catalog.MEDIA_STATUS)
    account_events: Queue = queue(catalog.CONTENT_ACCOUNT_EVENTS)


class ContentDatabase:
    """The database of this process: opened by the service's lifespan (with migrations and the demo course), or
    on first use by a consumer running without the HTTP app (``senas worker media-status``)."""

    def __init__(self, settings: Settings, config: ContentSettings, secrets: Secrets, views: ViewCache) -> None:
        self._settings = settings
        self._config = config
        self._secrets = secrets
        self._views = views
        self.database: Database | None = None

    def current(self) -> Database:
        if self.database is None:
            raise ServiceUnavailableError("la base de datos no está lista / the database is not ready")
        return self.database

    async def ensure(self) -> Database:
        if self.database is None:
            url = await resolve_database_url(self._settings, self._secrets)
            if self.database is None:
                self.use(Database(create_engine(url, pool_size=self._config.pool_size)))
        return self.current()

    def use(self, database: Database) -> None:
        self.database = database
        # A commit that changed the catalogue refreshes this process's read cache at once.
        database.on_catalog_change.append(self._views.invalidate)

    async def close(self) -> None:
        database, self.database = self.database, None
        if database is not None:
            await database.close()


@dataclass
class ContentContext(ServiceContext[ContentPorts, ContentSettings]):
    database: ContentDatabase
    practice_sessions: PracticeSessions
    option_ids: OptionIds
    grants: ServiceGrants
    views: ViewCache = field(default_factory=ViewCache)
    urls: SignedUrlCache = field(default_factory=SignedUrlCache)
