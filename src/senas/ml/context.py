"""What the ML service's routes and consumers share, built once by ``bootstrap.py``: its settings, its declared
ports (the sessions table, the buckets it reads and writes, its queues), the models held in memory and the
content service's API."""

from __future__ import annotations

from dataclasses import dataclass

from senas.contracts.content_api import ContentApi
from senas.ml.runtime import MlRuntime
from senas.ml.settings import MlSettings
from senas.platform import catalog
from senas.platform.blobs import BlobStore
from senas.platform.queues import Queue
from senas.platform.tables import Table
from senas.wiring.resources import DeclaredPorts, bucket, queue, table
from senas.wiring.roots import ServiceContext

PRODUCER = "ml"


@dataclass(frozen=True)
class MlPorts(DeclaredPorts):
    sessions: Table = table(catalog.AI_SESSIONS)
    models: BlobStore = bucket(catalog.ML_MODELS)
    processed: BlobStore = bucket(catalog.VIDEO_PROCESSING_BUCKET)
    # Where the videos to process are: learners' practice uploads and authors' reference videos.
    uploads: BlobStore = bucket(catalog.USER_UPLOADS)
    assets: BlobStore = bucket(catalog.CONTENT_ASSETS)
    video_processing: Queue = queue(catalog.VIDEO_PROCESSING)
    ml_inference: Queue = queue(catalog.ML_INFERENCE)
    practice_results: Queue = queue(catalog.PRACTICE_RESULTS)
    media_status: Queue = queue(catalog.MEDIA_STATUS)
    account_events: Queue = queue(catalog.ML_ACCOUNT_EVENTS)


@dataclass
class MlContext(ServiceContext[MlPorts, MlSettings]):
    runtime: MlRuntime
    content: ContentApi
