"""The scoring model as a SageMaker endpoint serves it: the hosting contract (``GET /ping``, ``POST /invocations``
on port 8080) around the same scorer the ML service runs in-process, on the templates of the ml-models store.

``/invocations`` takes the scoring API's JSON (``scoring_api.ScoreRequest``) and answers a ``ScoreResponse``. An
attempt the scorer cannot score (no hand, a sign without template) is a 422 whose body says why in the learner's
words — the ML service turns it back into the same failure it would record in-process. ``/ping`` is 200 once the
templates are loaded (SageMaker sends no traffic before), 503 while there are none.

Templates change while the endpoint runs (an author's reference video, a rebuild): the bank is re-read when the
store's index revision moved, at most every ``refresh_seconds``. The handshape metric is the store's active
``handshape-metric`` (what ``senas ml install-models`` registered), read with the bank; a store without one (an
endpoint deployed before the models were installed) scores with the metric shipped in the package, and says so in
its log.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

import senas
from senas.core.errors import error_body
from senas.ml.artefacts import packaged_metric
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.recognition.scorer import Scorer, ScoringError
from senas.ml.recognition.scoring_api import ScoreRequest
from senas.ml.recognition.templates import TemplateBank, TemplateStore
from senas.ml.registry.model_registry import HANDSHAPE_METRIC, ModelMissing, ModelRegistry
from senas.ml.registry.packaged_models import MODEL_FILE

log = structlog.get_logger(__name__)

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # SageMaker serverless caps a request at 4 MB anyway
DEFAULT_REFRESH_SECONDS = 30.0


class ScorerHost:
    """The template bank of one store and the scorer on it (with the store's handshape metric), kept fresh."""

    def __init__(
        self,
        templates: TemplateStore,
        registry: ModelRegistry | None = None,
        *,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    ) -> None:
        self.templates = templates
        self.registry = registry or ModelRegistry(templates.store)
        self.refresh_seconds = refresh_seconds
        self.scorer: Scorer | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def current(self) -> Scorer | None:
        """The scorer on the newest templates (None while the store has none)."""
        if self.scorer is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
            return self.scorer
        async with self._lock:
            if self.scorer is None or time.monotonic() - self._checked_at >= self.refresh_seconds:
                await self._refresh()
        return self.scorer

    async def _refresh(self) -> None:
        index = await self.templates.index()
        self._checked_at = time.monotonic()
        if self.scorer is not None and index.revision == self.scorer.bank.revision:
            return
        bank = await TemplateBank.load(self.templates)
        metric = await self._metric()
        self.scorer = Scorer(bank, metric) if len(bank) else None
        log.info("hosting_templates_loaded", templates=len(bank), revision=bank.revision, metric=metric.label)

    async def _metric(self) -> HandshapeMetric:
        try:
            version = await self.registry.active(HANDSHAPE_METRIC)
            return HandshapeMetric.from_bytes(await self.registry.read_file(version, MODEL_FILE))
        except (ModelMissing, KeyError, ValueError) as exc:
            log.warning("hosting_metric_from_package", reason=str(exc))
            return packaged_metric()


def create_hosting_app(host: ScorerHost) -> FastAPI:
    app = FastAPI(title="Señas — scoring model (SageMaker hosting)", version=senas.__version__, docs_url=None)

    @app.get("/ping")
    async def ping() -> JSONResponse:
        if await host.current() is None:
            return JSONResponse(error_body("no_templates", "no sign templates in the ml-models store"), 503)
        return JSONResponse({"status": "ok"})

    @app.post("/invocations")
    async def invocations(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_REQUEST_BYTES:
            return JSONResponse(error_body("payload_too_large", f"over {MAX_REQUEST_BYTES} bytes"), 413)
        try:
            score_request = ScoreRequest.model_validate_json(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
            )
            return JSONResponse(error_body("invalid_input", f"not a scoring request — {problems}"), 400)
        scorer = await host.current()
        if scorer is None:
            return JSONResponse(error_body("no_templates", "no sign templates in the ml-models store"), 503)
        try:
            answer = await asyncio.to_thread(scorer.score, score_request)
        except ScoringError as refused:
            return JSONResponse(refusal_body(refused), 422)
        return JSONResponse(answer.model_dump(mode="json"))

    return app


def refusal_body(refused: ScoringError) -> dict[str, Any]:
    """The error body of an attempt the scorer refused, with the reason in the learner's two languages."""
    return error_body(refused.code, refused.reason_en, reason_es=refused.reason_es, reason_en=refused.reason_en)


def refusal_from_body(body: dict[str, Any]) -> ScoringError | None:
    """The scorer's refusal an endpoint sent back (``refusal_body``), or None when the body is not one."""
    code, reason_es, reason_en = body.get("error"), body.get("reason_es"), body.get("reason_en")
    if isinstance(code, str) and isinstance(reason_es, str) and isinstance(reason_en, str):
        return ScoringError(code, reason_es, reason_en)
    return None
