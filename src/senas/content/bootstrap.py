"""The content service's composition root: every port, client and consumer it uses, built once from the platform.

Its ports are declared in ``context.ContentPorts`` (by logical name) and resolved here; the database URL comes
from the settings (with credentials from the secrets port on AWS); the ML service is asked about practice sessions
over the internal HTTP client. Routes receive the context as a dependency (``deps.py``), consumers as an argument.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence

import structlog

from senas.content import migrate
from senas.content.catalog.answers import OptionIds
from senas.content.consumers import AccountEventsConsumer, MediaStatusConsumer
from senas.content.context import ContentContext, ContentDatabase, ContentPorts
from senas.content.practice.sessions import MlPracticeSessions, PracticeSessions
from senas.content.seed import seed_demo
from senas.content.settings import ContentSettings
from senas.content.views import ViewCache
from senas.core.consumer import QueueBinding
from senas.core.grants import ServiceGrants
from senas.platform import catalog
from senas.wiring import resources
from senas.wiring.platform import Platform
from senas.wiring.roots import Check, ServiceRootBase

log = structlog.get_logger(__name__)


class ContentRoot(ServiceRootBase[ContentContext]):
    def consumers(self) -> Sequence[QueueBinding]:
        return (
            self.bind(catalog.MEDIA_STATUS, MediaStatusConsumer(self.context)),
            self.bind(catalog.CONTENT_ACCOUNT_EVENTS, AccountEventsConsumer(self.context)),
        )

    def extra_checks(self) -> Mapping[str, Check]:
        async def database() -> None:
            await self.context.database.current().ping()

        return {"database": database}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the database; in the embedded profile also migrate it and load the demo course (the first time)."""
        context = self.context
        opened_here = context.database.database is None
        database = await context.database.ensure()
        try:
            migrate_now = context.config.migrate_on_start
            if migrate_now is None:
                migrate_now = context.settings.profile == "embedded"
            if opened_here and migrate_now:
                await migrate.upgrade(database.engine)
            if opened_here and context.config.seed_demo and context.settings.profile == "embedded":
                try:
                    report = await seed_demo(database, context.ports)
                except Exception:
                    # The service is still useful without the demo; say loudly why it is missing.
                    log.exception("demo_course_not_loaded")
                else:
                    if report is not None:
                        log.info("demo_course_loaded", **report.as_dict())
            yield
        finally:
            if opened_here:
                await context.database.close()


def build(
    platform: Platform,
    *,
    config: ContentSettings | None = None,
    practice_sessions: PracticeSessions | None = None,
) -> ContentRoot:
    config = config or ContentSettings()
    views = ViewCache()
    secret = platform.settings.signing_secret.get_secret_value()
    context = ContentContext(
        settings=platform.settings,
        config=config,
        ports=resources.resolve(ContentPorts, platform),
        database=ContentDatabase(platform.settings, config, platform.secrets, views),
        practice_sessions=practice_sessions or MlPracticeSessions(platform.services),
        option_ids=OptionIds(secret),
        grants=ServiceGrants(secret),
        views=views,
    )
    return ContentRoot(platform, context)
