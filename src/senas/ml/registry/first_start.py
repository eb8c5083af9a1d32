"""First start of the embedded profile: fill an empty ml-models store from what is on this machine (the hand
model file installed with the package, the pose model `make install` built, the alphabet dataset) so `make run`
works with zero setup. Nothing is
downloaded. The same steps are the CLI's `install-models`, `train fingerspelling` and `templates rebuild`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from senas.contracts.media import TemplateReady
from senas.core.messages import send
from senas.ml.datasets import DatasetMissing, alphabet_csv
from senas.ml.recognition.demo import LANGUAGE, demo_signs
from senas.ml.recognition.templates import TemplateEntry, TemplateStore
from senas.ml.registry.hand_model import bundled_hand_model, install_hand_model
from senas.ml.registry.model_registry import (
    FINGERSPELLING,
    HAND_LANDMARKER,
    POSE_LANDMARKER,
    ModelRegistry,
    ModelVersion,
)
from senas.ml.registry.pose_model import bundled_pose_model, install_pose_model
from senas.ml.settings import MlSettings
from senas.platform.queues import Queue

if TYPE_CHECKING:
    from pathlib import Path

log = structlog.get_logger(__name__)


async def fill_empty_store(
    ml: MlSettings, registry: ModelRegistry, templates: TemplateStore, media_status: Queue
) -> None:
    if await registry.active_version(HAND_LANDMARKER) is None:
        try:
            path = bundled_hand_model(ml.hand_model_path)
        except FileNotFoundError as exc:
            log.warning("hand_model_not_installed", error=str(exc))
        else:
            await install_hand_model(registry, path)
    if await registry.active_version(POSE_LANDMARKER) is None:
        try:
            pose_path = bundled_pose_model(ml.pose_model_path)
        except FileNotFoundError as exc:
            # Not fatal: location feedback falls back to the frame (the runtime reports it as degraded).
            log.warning("pose_model_not_installed", error=str(exc))
        else:
            await install_pose_model(registry, pose_path)
    csv_path = None
    try:
        csv_path = alphabet_csv(ml.datasets_dir)
    except DatasetMissing as exc:
        log.warning("alphabet_dataset_missing", error=str(exc))
    if await registry.active_version(FINGERSPELLING) is None and csv_path is not None:
        await train_fingerspelling(registry, csv_path)
    if (await templates.index()).templates == {}:
        await rebuild_demo_templates(templates, media_status, csv_path)


async def train_fingerspelling(registry: ModelRegistry, csv_path: Path, *, epochs: int = 40) -> ModelVersion:
    from senas.ml.fingerspelling.training import train_from_csv

    report = await asyncio.to_thread(train_from_csv, csv_path, epochs=epochs)
    version = await registry.publish(
        FINGERSPELLING,
        {"model.npz": report.classifier.to_bytes()},
        metrics=report.metrics,
        notes="two-layer network on canonical hand shapes; trained from the CC0 ASL alphabet landmarks",
    )
    log.info("fingerspelling_trained", version=version.version, accuracy=report.metrics["held_out_accuracy"])
    return version


async def rebuild_demo_templates(
    templates: TemplateStore, media_status: Queue, csv_path: Path | None
) -> list[TemplateEntry]:
    """New versions of the demo course's templates, announced to the content service (``template.ready``) so
    its signs show as practisable."""
    signs, source = await asyncio.to_thread(demo_signs, csv_path)
    entries = []
    for sign in signs:
        entries.append(
            await templates.save(
                language=LANGUAGE,
                slug=sign.slug,
                gloss=sign.gloss,
                features=sign.features,
                source=source,
                pass_threshold=sign.pass_threshold,
                notes="demo template for the demo course",
            )
        )
    for entry in entries:
        ready = TemplateReady(
            language=entry.language, slug=entry.slug, template_key=entry.blob_key, template_version=entry.version
        )
        await send(media_status, ready.to_envelope("ml"))
    log.info("demo_templates_built", count=len(entries))
    return entries
