"""Everything the ML service holds in memory — active models, the template bank, the scorer on the inference
port — shared by its routes and its queue consumers, loaded at start-up from the ml-models store only.

Built once by the service's composition root (``senas.ml.bootstrap``) with what it needs, nothing more."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import structlog

from senas.ml.hosting import refusal_from_body
from senas.ml.recognition.scorer import Scorer, ScoringError
from senas.ml.recognition.scoring_api import ScoreRequest, ScoreResponse
from senas.ml.recognition.templates import TemplateBank, TemplateStore
from senas.ml.registry.first_start import fill_store
from senas.ml.registry.model_registry import (
    FINGERSPELLING,
    HAND_LANDMARKER,
    HANDSHAPE_METRIC,
    POSE_LANDMARKER,
    ModelMissing,
    ModelRegistry,
    ModelVersion,
)
from senas.ml.registry.packaged_models import MODEL_FILE
from senas.ml.settings import MlSettings
from senas.platform.blobs import BlobStore
from senas.platform.errors import InvalidRequest
from senas.platform.inference import Inference, ModelHost
from senas.platform.queues import Queue

if TYPE_CHECKING:
    from senas.ml.fingerspelling.model import HandshapeClassifier
    from senas.ml.landmarks.extractor import HandExtractor
    from senas.ml.landmarks.retry import RetryingDetector
    from senas.ml.recognition.handshape_metric import HandshapeMetric

log = structlog.get_logger(__name__)

TEMPLATE_REFRESH_SECONDS = 30.0


class MlRuntime:
    def __init__(
        self,
        ml: MlSettings,
        models_store: BlobStore,
        inference: Inference,
        model_host: ModelHost | None,
        *,
        media_status: Queue,
        fill_store_at_start: bool = False,
    ) -> None:
        """``inference`` scores practice attempts: the SageMaker endpoint (same contract,
        ``senas.ml.recognition.scoring_api``, and its own template bank) or the in-process ``model_host``, where the
        scorer is registered on the loaded templates and the handshape metric. ``fill_store_at_start``: the embedded
        profile's start-up fills the ml-models store with what ships with the installation
        (``registry.first_start``: no dataset is read); ``media_status`` is where the demo templates it builds are
        announced."""
        self.ml = ml
        self.models_store = models_store
        self.registry = ModelRegistry(models_store)
        self.templates = TemplateStore(models_store)
        self.bank = TemplateBank()
        self.inference = inference
        self.model_host = model_host
        self.media_status = media_status
        self.fill_store_at_start = fill_store_at_start
        self.classifier: HandshapeClassifier | None = None
        self.classifier_version: ModelVersion | None = None
        self.metric: HandshapeMetric | None = None
        self.metric_version: ModelVersion | None = None
        self.hand_model: ModelVersion | None = None
        self.pose_model: ModelVersion | None = None
        self.extractor: HandExtractor | None = None
        # Still images (a fingerspelling photo) get a second look when the first finds no hand.
        self.photo_detector: RetryingDetector | None = None
        self.video_slots = asyncio.Semaphore(self.ml.video_concurrency)
        self.image_slots = asyncio.Semaphore(self.ml.image_concurrency)
        self.loaded = False
        self._lock = asyncio.Lock()
        self.problems: dict[str, str] = {}
        # What is missing but only lessens the service (it still answers): the pose model.
        self.degraded: dict[str, str] = {}

    async def ensure_loaded(self) -> None:
        if self.loaded:
            await self.refresh_templates_if_stale()
            return
        async with self._lock:
            if not self.loaded:
                await self.start()

    async def start(self) -> None:
        if self.fill_store_at_start and self.ml.bootstrap:
            await fill_store(self.ml, self.registry, self.templates, self.media_status)
        await self.load()

    async def load(self) -> None:
        self.problems = {}
        self.degraded = {}
        await self._load_hand_model()
        await self._load_classifier()
        await self.load_metric()
        await self.reload_templates()
        self.loaded = True
        log.info(
            "ml_models_loaded",
            hand_model=self.hand_model.version if self.hand_model else None,
            pose_model=self.pose_model.version if self.pose_model else None,
            fingerspelling=self.classifier_version.version if self.classifier_version else None,
            handshape_metric=self.metric_version.version if self.metric_version else None,
            templates=len(self.bank),
            missing=self.problems or None,
        )
        if self.degraded:
            log.warning("ml_degraded", **self.degraded)

    async def _load_hand_model(self) -> None:
        try:
            version = await self.registry.active(HAND_LANDMARKER)
            data = await self.registry.read_file(version, next(iter(version.files)))
        except ModelMissing as exc:
            self.problems[HAND_LANDMARKER] = str(exc)
            return
        pose = await self._load_pose_model()
        from senas.ml.landmarks.extractor import HandExtractor
        from senas.ml.landmarks.retry import RetryingDetector

        self.close()
        self.extractor = HandExtractor(data, pose_model=pose, pose_every=self.ml.pose_every)
        self.hand_model = version
        try:
            await asyncio.to_thread(self.extractor.check_pose)
        except Exception as exc:  # MediaPipe raises RuntimeError/ValueError; any failure means: work without it
            from senas.ml.registry.pose_model import MISSING

            self.degraded[POSE_LANDMARKER] = f"{MISSING} (the active version could not be loaded: {exc})"
            self.pose_model = None
            self.extractor = HandExtractor(data, pose_every=self.ml.pose_every)
        self.photo_detector = RetryingDetector(self.extractor)

    async def _load_pose_model(self) -> bytes | None:
        """The pose model's bytes, or None (recorded in ``degraded``: the service works without it)."""
        from senas.ml.registry.pose_model import MISSING

        self.pose_model = None
        try:
            version = await self.registry.active(POSE_LANDMARKER)
            data = await self.registry.read_file(version, next(iter(version.files)))
        except ModelMissing as exc:
            self.degraded[POSE_LANDMARKER] = f"{MISSING} ({exc})"
            return None
        self.pose_model = version
        return data

    async def _load_classifier(self) -> None:
        from senas.ml.fingerspelling.model import HandshapeClassifier

        self.classifier, self.classifier_version = None, None
        try:
            version = await self.registry.active(FINGERSPELLING)
            self.classifier = HandshapeClassifier.from_bytes(await self.registry.read_file(version, MODEL_FILE))
        except (ModelMissing, KeyError, ValueError) as exc:  # ValueError: a format this code cannot read
            self.problems[FINGERSPELLING] = str(exc)
            return
        self.classifier_version = version

    async def load_metric(self) -> None:
        from senas.ml.recognition.handshape_metric import HandshapeMetric

        self.metric, self.metric_version = None, None
        try:
            version = await self.registry.active(HANDSHAPE_METRIC)
            self.metric = HandshapeMetric.from_bytes(await self.registry.read_file(version, MODEL_FILE))
        except (ModelMissing, KeyError, ValueError) as exc:
            self.problems[HANDSHAPE_METRIC] = str(exc)
            return
        self.metric_version = version

    async def reload_templates(self) -> None:
        self.bank = await TemplateBank.load(self.templates)
        # A remote endpoint scores with the bank and metric it reads itself; in-process, with what was loaded here.
        if self.model_host is not None and self.metric is not None:
            self.model_host.register(self.ml.scorer_model, Scorer(self.bank, self.metric))
        if len(self.bank) == 0:
            self.problems["templates"] = "no sign templates (run `senas ml templates rebuild`)"
        else:
            self.problems.pop("templates", None)
        if self.bank.skipped:
            self.degraded["templates"] = f"{len(self.bank.skipped)} template(s) could not be read: " + ", ".join(
                sorted(self.bank.skipped)
            )
        else:
            self.degraded.pop("templates", None)

    async def refresh_templates_if_stale(self) -> None:
        """Another process (a reference video, a rebuild) may have written templates: check now and then."""
        if time.monotonic() - self.bank.loaded_at < TEMPLATE_REFRESH_SECONDS:
            return
        index = await self.templates.index()
        if index.revision != self.bank.revision:
            await self.reload_templates()
        else:
            self.bank.loaded_at = time.monotonic()

    async def remember_sign_id(self, key: str, sign_id: str) -> None:
        """Index a template by the content service's sign id the first time we learn it, so the sign can still
        be practised while the content service is unreachable."""
        position = self.bank.find(key=key)
        if position is None or self.bank.entries[position].sign_id == sign_id:
            return
        index = await self.templates.index()
        entry = index.templates.get(key)
        if entry is not None:
            entry.sign_id = sign_id
            known = self.bank.revision
            await self.templates.save_index(index)
            # Our own write alone moves the revision by one; more means another writer's change was merged in,
            # which the bank has not loaded yet, so it keeps its older revision and reloads at the next check.
            if index.revision == known + 1:
                self.bank.revision = index.revision
        self.bank.entries[position].sign_id = sign_id
        self.bank.by_sign_id[sign_id] = position

    def require_extractor(self) -> HandExtractor:
        if self.extractor is None:
            raise ModelMissing(self.problems.get(HAND_LANDMARKER, "the hand model is not loaded"))
        return self.extractor

    def require_photo_detector(self) -> RetryingDetector:
        if self.photo_detector is None:
            raise ModelMissing(self.problems.get(HAND_LANDMARKER, "the hand model is not loaded"))
        return self.photo_detector

    def require_classifier(self) -> HandshapeClassifier:
        if self.classifier is None:
            raise ModelMissing(self.problems.get(FINGERSPELLING, "the fingerspelling model is not loaded"))
        return self.classifier

    async def readiness(self) -> None:
        await self.ensure_loaded()
        if self.problems:
            raise ModelMissing("; ".join(f"{name}: {problem}" for name, problem in sorted(self.problems.items())))

    async def score(self, request: ScoreRequest) -> ScoreResponse:
        """The scoring model's answer, checked against its contract (a remote endpoint's too). Raises
        ScoringError when the model refused the attempt with a reason for the learner — the same in-process (the
        scorer's own exception) and from an endpoint (its 422 body, ``hosting.refusal_body``)."""
        try:
            answer = await self.inference.invoke(self.ml.scorer_model, request.model_dump(mode="json"))
        except InvalidRequest as exc:
            refused = exc.__cause__ if isinstance(exc.__cause__, ScoringError) else None
            if refused is None and exc.answer is not None:
                refused = refusal_from_body(exc.answer)
            if refused is not None:
                raise refused from None
            raise
        return ScoreResponse.model_validate(answer)

    def close(self) -> None:
        if self.photo_detector is not None:
            self.photo_detector.close()
            self.photo_detector = None
        if self.extractor is not None:
            self.extractor.close()
            self.extractor = None
