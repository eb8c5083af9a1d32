"""Queue consumers of the content service.

``media-status``: the ML service's reports on authors' reference videos (``media.processed`` /
``media.failed``, and ``template.ready`` for templates built without an upload); idempotent because a report
older than (or equal to) the asset's last change is ignored, and a template already recorded changes nothing.
``content-account-events``: ``account.deleted`` deletes that user's practice videos; idempotent by nature.
Each message is one transaction: its unit of work commits once the handler's work returned (a failure rolls it
back and the message is retried).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

import structlog

from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentContext
from senas.content.media.repository import MediaRepository
from senas.content.media.service import MediaService
from senas.content.practice.repository import PracticeRepository
from senas.content.practice.service import PracticeService
from senas.content.unit_of_work import UnitOfWork
from senas.contracts.accounts import AccountDeleted
from senas.contracts.media import MediaFailed, MediaProcessed, TemplateReady
from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope

log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def unit_of_work(context: ContentContext) -> AsyncIterator[UnitOfWork]:
    async with (await context.database.ensure()).sessions() as session, UnitOfWork(session) as work:
        yield work


class MediaStatusConsumer:
    def __init__(self, context: ContentContext) -> None:
        self.context = context

    @contextlib.asynccontextmanager
    async def media(self) -> AsyncIterator[MediaService]:
        async with unit_of_work(self.context) as work:
            session = work.session
            yield MediaService(MediaRepository(session), CatalogRepository(session), self.context.ports)

    def handlers(self) -> Mapping[str, Handler]:
        return {
            MediaProcessed.TYPE: self.media_processed,
            MediaFailed.TYPE: self.media_failed,
            TemplateReady.TYPE: self.template_ready,
        }

    async def media_processed(self, envelope: Envelope, delivery: Delivery) -> None:
        report = MediaProcessed.from_envelope(envelope)
        async with self.media() as service:
            changed = await service.mark_processed(report, envelope.occurred_at)
        log.info("media_processed", asset_id=report.asset_id, changed=changed)

    async def media_failed(self, envelope: Envelope, delivery: Delivery) -> None:
        report = MediaFailed.from_envelope(envelope)
        async with self.media() as service:
            changed = await service.mark_failed(report, envelope.occurred_at)
        log.info("media_failed", asset_id=report.asset_id, changed=changed, reason=report.reason_en)

    async def template_ready(self, envelope: Envelope, delivery: Delivery) -> None:
        report = TemplateReady.from_envelope(envelope)
        async with self.media() as service:
            changed = await service.mark_template_ready(report)
        if changed is None:
            if not delivery.is_last_attempt:
                # The ML service may announce a template before this service has imported the sign: retry.
                raise LookupError(f"no sign {report.language}/{report.slug} yet")
            log.warning("template_for_unknown_sign", language=report.language, slug=report.slug)
            return
        log.info("template_ready", language=report.language, slug=report.slug, changed=changed)


class AccountEventsConsumer:
    def __init__(self, context: ContentContext) -> None:
        self.context = context

    def handlers(self) -> Mapping[str, Handler]:
        return {AccountDeleted.TYPE: self.account_deleted}

    async def account_deleted(self, envelope: Envelope, delivery: Delivery) -> None:
        event = AccountDeleted.from_envelope(envelope)
        async with unit_of_work(self.context) as work:
            practice = PracticeService(
                PracticeRepository(work.session), self.context.ports, self.context.practice_sessions
            )
            deleted = await practice.delete_user_uploads(event.user_id)
        log.info("practice_uploads_deleted", user_id=event.user_id, count=deleted)
