"""Landmarks of processed videos for the overlay, and calibration of one sign's pass threshold.

Landmarks are read from the processed store (the artefacts the video worker wrote); a learner reads only their own
session's, authors any reference video's (teachers may read each other's content, as in the content service).
Calibrating changes a template, so it is allowed only to whoever may change the sign: the content service decides,
asked with the caller's own token."""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict
from typing import Any

import numpy as np

from senas.contracts.content_api import ContentUnavailable
from senas.core.errors import ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError
from senas.ml.context import MlContext
from senas.ml.landmarks import artefact
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.recognition.calibration import RULE, calibrate_bank
from senas.ml.recognition.templates import TemplateBank
from senas.ml.sessions.models import PracticeSession
from senas.ml.studio.schemas import CalibrationOut, FrameOut, HandOut, LandmarksOut, OverlayOut
from senas.platform.errors import NotFound

MAX_FRAMES_SENT = 90  # enough to draw a 3–5 s sign smoothly; spread evenly over longer videos
_REFERENCE_SOURCE = re.compile(r"^reference video, media asset (\S+)$")


def landmarks_out(track: HandTrack) -> LandmarksOut:
    total = track.frames
    picked: list[int] = (
        np.unique(np.linspace(0, total - 1, min(total, MAX_FRAMES_SENT)).round().astype(int)).tolist() if total else []
    )
    frames = []
    for index in picked:
        hands = [
            HandOut(
                side="left" if slot == 0 else "right", points=np.round(track.points[index, slot, :, :2], 4).tolist()
            )
            for slot in (0, 1)
            if track.present[index, slot]
        ]
        body = None
        if track.body is not None and track.body_present is not None and track.body_present[index]:
            body = np.round(track.body[index, :, :2], 4).tolist()
        frames.append(FrameOut(t=round(float(index) / track.fps, 3) if track.fps else 0.0, hands=hands, body=body))
    size = {name: getattr(track, name) for name in ("width", "height", "fps", "frames_with_hand")}
    return LandmarksOut(frames=frames, frames_total=total, **size)


SEVERITY = {"fix": 0, "almost": 1}


def weakest(session: PracticeSession) -> str | None:
    """The parameter to fix first: the feedback that says "fix" before "almost", the lower score first; none when
    every parameter is right."""
    wanted = [item for item in session.feedback if item.get("status") in SEVERITY and item.get("parameter")]
    if not wanted:
        return None
    components = session.components or {}

    def rank(item: dict[str, Any]) -> tuple[int, float]:
        score = item.get("score")
        if score is None:
            score = components.get(str(item["parameter"]), 100.0)
        return SEVERITY[str(item["status"])], float(score)

    return str(min(wanted, key=rank)["parameter"])


class StudioService:
    def __init__(self, context: MlContext) -> None:
        self.context = context
        self.runtime = context.runtime

    async def _landmarks(self, key: str) -> LandmarksOut | None:
        try:
            raw = await self.context.ports.processed.get(key)
        except NotFound:
            return None
        track, _ = await asyncio.to_thread(artefact.load, raw)
        return landmarks_out(track)

    async def reference_landmarks(self, asset_id: str) -> LandmarksOut:
        found = await self._landmarks(artefact.artefact_key(f"reference-{asset_id}"))
        if found is None:
            raise NotFoundError(
                "aún no hay puntos de ese vídeo / no landmarks for that video yet", code="landmarks_not_found"
            )
        return found

    async def overlay(self, session: PracticeSession) -> OverlayOut:
        attempt = await self._landmarks(session.artefact_key) if session.artefact_key else None
        reference = None
        await self.runtime.ensure_loaded()
        position = self.runtime.bank.find(key=session.sign_key, sign_id=session.sign_id)
        if position is not None:
            source = _REFERENCE_SOURCE.match(self.runtime.bank.entries[position].source)
            if source is not None:
                reference = await self._landmarks(artefact.artefact_key(f"reference-{source.group(1)}"))
        return OverlayOut(session_id=session.session_id, attempt=attempt, reference=reference, focus=weakest(session))

    async def calibrate(self, sign_id: str, token: str, *, seed: int = 0) -> CalibrationOut:
        try:
            allowed = await self.context.content.may_change_sign(sign_id, token)
        except ContentUnavailable:
            raise ServiceUnavailableError(
                "no se pudo consultar la seña; inténtalo en un momento / the sign could not be looked up; try again"
            ) from None
        if allowed is None:
            raise NotFoundError("esa seña no existe / no such sign", code="sign_not_found")
        if not allowed:
            raise ForbiddenError("esta seña es de otro autor / this sign belongs to another author", code="not_owner")
        store = self.runtime.templates
        index = await store.index()
        entries = sorted(index.templates.values(), key=lambda e: e.key)
        target = next((entry for entry in entries if entry.sign_id == sign_id), None)
        if target is None:
            raise ConflictError("esta seña aún no tiene plantilla / this sign has no template yet", code="no_template")
        features = [(await store.load(entry)).sign_features() for entry in entries]
        bank = TemplateBank(entries, features, revision=index.revision)
        await self.runtime.load_metric()
        results = await asyncio.to_thread(calibrate_bank, bank, {target.key}, metric=self.runtime.metric, seed=seed)
        result = results[target.key]
        before = target.pass_threshold
        index.templates[target.key].pass_threshold = result.threshold
        await store.save_index(index)
        await self.runtime.reload_templates()
        # The calibration's own fields, as measured, beside which sign and rule they are about.
        return CalibrationOut(
            sign_id=sign_id, key=target.key, threshold_before=before, rule=RULE.describe(), **asdict(result)
        )
