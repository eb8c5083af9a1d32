"""The ML service's composition root: every port, client, model holder and consumer it uses, built once from the
platform.

Its ports are declared in ``context.MlPorts`` (by logical name) and resolved here; scoring goes to the platform's
inference port — an in-process model host where the scorer is registered, or a SageMaker endpoint (AWS, when
configured) — and the embedded profile's start-up fills the ml-models store with what ships with the
installation (``registry.first_start``). Routes receive the context as a dependency (``deps.py``), consumers as an
argument.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence

from senas.contracts.content_api import ContentApi
from senas.core.consumer import QueueBinding
from senas.ml.context import MlContext, MlPorts
from senas.ml.runtime import MlRuntime
from senas.ml.sessions.account_events import AccountEventsWorker
from senas.ml.sessions.scoring_worker import InferenceWorker
from senas.ml.settings import MlSettings
from senas.ml.video.worker import VideoWorker
from senas.platform import catalog
from senas.wiring import resources
from senas.wiring.platform import Platform
from senas.wiring.roots import Check, ServiceRootBase


class MlRoot(ServiceRootBase[MlContext]):
    def consumers(self) -> Sequence[QueueBinding]:
        return (
            self.bind(catalog.VIDEO_PROCESSING, VideoWorker(self.context)),
            self.bind(catalog.ML_INFERENCE, InferenceWorker(self.context)),
            self.bind(catalog.ML_ACCOUNT_EVENTS, AccountEventsWorker(self.context)),
        )

    def extra_checks(self) -> Mapping[str, Check]:
        # Names the missing model (hand-landmarker, fingerspelling, templates) when one is. A missing pose model
        # only degrades location feedback: it is reported by GET /ml/health/models, not as unready.
        return {"models": self.context.runtime.readiness}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Load the active models at start-up (the embedded profile first registers what ships with it)."""
        runtime = self.context.runtime
        await runtime.ensure_loaded()
        try:
            yield
        finally:
            runtime.close()


def build(platform: Platform, *, config: MlSettings | None = None) -> MlRoot:
    config = config or MlSettings()
    ports = resources.resolve(MlPorts, platform)
    runtime = MlRuntime(
        config,
        ports.models,
        platform.inference,
        platform.model_host,
        media_status=ports.media_status,
        fill_store_at_start=platform.settings.profile == "embedded",
    )
    context = MlContext(
        settings=platform.settings,
        config=config,
        ports=ports,
        runtime=runtime,
        content=ContentApi(platform.services),
    )
    return MlRoot(platform, context)
