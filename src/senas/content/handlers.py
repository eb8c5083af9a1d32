"""Queue consumers of the content service.

``media-status``: the ML service's reports on authors' reference videos (``media.processed`` /
``media.failed``, and ``template.ready`` for templates built without an upload); idempotent because a report
older than (or equal to) the asset's last change is ignored, and a template already recorded changes nothing.
``content-account-events``: ``account.deleted`` deletes that user's practice videos; idempotent by nature.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from senas.content.catalog.repository import CatalogRepository
from senas.content.media.repository import MediaRepository
from senas.content.media.service import MediaService
from senas.content.practice.repository import PracticeRepository
from senas.content.practice.service import PracticeService
from senas.content.runtime import runtime_for
from senas.contracts.accounts import AccountDeleted
from senas.contracts.media import MediaFailed, MediaProcessed, TemplateReady
from senas.core.consumer import Delivery, Handler
from senas.core.messages import Envelope
from senas.platform import catalog
from senas.platform.wiring import Platform

log = structlog.get_logger(__name__)


def content_handlers(platform: Platform) -> Mapping[str, Mapping[str, Handler]]:
    runtime = runtime_for(platform)

    async def media_processed(envelope: Envelope, delivery: Delivery) -> None:
        report = MediaProcessed.from_envelope(envelope)
        async with (await runtime.ensure(platform)).sessions() as session:
            service = MediaService(MediaRepository(session), CatalogRepository(session), platform)
            changed = await service.mark_processed(report, envelope.occurred_at)
        log.info("media_processed", asset_id=report.asset_id, changed=changed)

    async def media_failed(envelope: Envelope, delivery: Delivery) -> None:
        report = MediaFailed.from_envelope(envelope)
        async with (await runtime.ensure(platform)).sessions() as session:
            service = MediaService(MediaRepository(session), CatalogRepository(session), platform)
            changed = await service.mark_failed(report, envelope.occurred_at)
        log.info("media_failed", asset_id=report.asset_id, changed=changed, reason=report.reason_en)

    async def template_ready(envelope: Envelope, delivery: Delivery) -> None:
        report = TemplateReady.from_envelope(envelope)
        async with (await runtime.ensure(platform)).sessions() as session:
            service = MediaService(MediaRepository(session), CatalogRepository(session), platform)
            changed = await service.mark_template_ready(report)
        if changed is None:
            if not delivery.is_last_attempt:
                # The ML service may announce a template before this service has imported the sign: retry.
                raise LookupError(f"no sign {report.language}/{report.slug} yet")
            log.warning("template_for_unknown_sign", language=report.language, slug=report.slug)
            return
        log.info("template_ready", language=report.language, slug=report.slug, changed=changed)

    async def account_deleted(envelope: Envelope, delivery: Delivery) -> None:
        event = AccountDeleted.from_envelope(envelope)
        async with (await runtime.ensure(platform)).sessions() as session:
            await PracticeService(PracticeRepository(session), platform).delete_user_uploads(event.user_id)

    return {
        catalog.MEDIA_STATUS: {
            MediaProcessed.TYPE: media_processed,
            MediaFailed.TYPE: media_failed,
            TemplateReady.TYPE: template_ready,
        },
        catalog.CONTENT_ACCOUNT_EVENTS: {AccountDeleted.TYPE: account_deleted},
    }
