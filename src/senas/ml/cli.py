"""``senas ml …``: the model registry, training, templates and the offline hand and pose models.

Kept cheap to import (no NumPy, MediaPipe or PyAV at import time): the content and user images load the CLI too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table as RichTable

if TYPE_CHECKING:
    from senas.ml.runtime import MlRuntime

app = typer.Typer(help="ML service: models, templates, training.", no_args_is_help=True)
templates_app = typer.Typer(help="Reference templates of signs.", no_args_is_help=True)
train_app = typer.Typer(help="Train models.", no_args_is_help=True)
models_app = typer.Typer(help="The model registry in the ml-models store.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")
console = Console(stderr=True)
out = Console()

T = TypeVar("T")


def _run(work: Callable[[MlRuntime], Awaitable[T]]) -> T:
    """Run ``work`` on the ML service's model runtime, as its composition root builds it (models not loaded)."""
    from senas.ml import bootstrap
    from senas.wiring.commands import platform_or_exit, settings_or_exit

    settings = settings_or_exit()

    async def main() -> T:
        root = bootstrap.build(platform_or_exit(settings))
        runtime = root.context.runtime
        try:
            return await work(runtime)
        finally:
            runtime.close()
            await root.aclose()

    return asyncio.run(main())


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)


@app.command("install-models")
def install_models(
    path: Annotated[
        Path | None, typer.Option(help="hand_landmarker.task to register (default: the installed one)")
    ] = None,
    pose_path: Annotated[
        Path | None, typer.Option(help="pose_landmarker.task to register (default: the one `make install` built)")
    ] = None,
) -> None:
    """Register the offline hand and pose models in the ml-models store (a new version only if a file changed).

    The hand model is required; without the pose model the service judges location against the frame."""
    from senas.ml.registry.hand_model import bundled_hand_model, install_hand_model
    from senas.ml.registry.pose_model import bundled_pose_model, install_pose_model

    async def work(runtime: MlRuntime) -> None:
        try:
            source = bundled_hand_model(path or runtime.ml.hand_model_path)
        except FileNotFoundError as exc:
            _fail(str(exc))
            return
        version, created = await install_hand_model(runtime.registry, source)
        digest = next(iter(version.files.values())).sha256
        state = "registered" if created else "already active"
        out.print(f"hand-landmarker v{version.version} {state} (sha256 {digest}) from {source}")
        try:
            pose_source = bundled_pose_model(pose_path or runtime.ml.pose_model_path)
        except FileNotFoundError as exc:
            if pose_path is not None:  # asked for by name: a mistake, not an absent optional model
                _fail(str(exc))
            console.print(f"[yellow]warning:[/] {exc}")
            return
        pose, pose_created = await install_pose_model(runtime.registry, pose_source)
        pose_digest = next(iter(pose.files.values())).sha256
        pose_state = "registered" if pose_created else "already active"
        out.print(f"pose-landmarker v{pose.version} {pose_state} (sha256 {pose_digest}) from {pose_source}")

    _run(work)


@templates_app.command("rebuild")
def templates_rebuild(
    datasets: Annotated[Path | None, typer.Option(help="folder with asl_alphabet_landmarks.csv")] = None,
) -> None:
    """Rebuild the demo course's templates (ASL letters A–Z) as new versions."""
    from senas.ml.datasets import DatasetMissing, alphabet_csv
    from senas.ml.recognition.demo import POSES_FILE
    from senas.ml.registry.first_start import rebuild_demo_templates

    async def work(runtime: MlRuntime) -> None:
        csv_path = None
        try:
            csv_path = alphabet_csv(datasets or runtime.ml.datasets_dir)
        except DatasetMissing as exc:
            if not POSES_FILE.is_file():
                _fail(str(exc))
        entries = await rebuild_demo_templates(runtime.templates, runtime.media_status, csv_path)
        out.print(f"rebuilt {len(entries)} templates: " + ", ".join(f"{e.key} v{e.version}" for e in entries))

    _run(work)


@templates_app.command("calibrate")
def templates_calibrate(
    include_demo: Annotated[
        bool,
        typer.Option(
            help="also the demo course's templates (their thresholds are measured on real data in "
            "alphabet_poses.json; this replaces them with perturbation-based ones)"
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="print the table, change nothing")] = False,
    seed: Annotated[int, typer.Option(help="seed of the perturbations (same seed, same thresholds)")] = 0,
) -> None:
    """Measure every template's pass threshold against the rest of its language and store it.

    Templates from reference videos have one performance per sign: the genuine samples are that reference under
    realistic perturbations (jitter, speed, size, place, a turned wrist, a left-handed mirror image), the impostors
    the other templates under the same perturbations. So the genuine pass rate is optimistic (no other people's
    variation), which the rule's ceiling guards against; the impostor rate is what the vocabulary makes of it."""
    from senas.ml.recognition.calibration import RULE, calibrate_bank
    from senas.ml.recognition.templates import TemplateBank

    async def work(runtime: MlRuntime) -> None:
        index = await runtime.templates.index()
        if not index.templates:
            _fail("no templates in the ml-models store (run `senas ml templates rebuild` or process reference videos)")
            return
        # The bank is made from this very read of the index, so each threshold belongs to the version it was
        # measured on; save_index only re-applies the edited thresholds if someone wrote meanwhile.
        entries = sorted(index.templates.values(), key=lambda e: e.key)
        features = [(await runtime.templates.load(entry)).sign_features() for entry in entries]
        bank = TemplateBank(entries, features, revision=index.revision)
        targets = {e.key for e in entries if include_demo or not e.source.startswith("demo:")}
        if not targets:
            out.print(
                "nothing to calibrate: only demo templates, whose thresholds are measured on real data "
                "(--include-demo to recalibrate them anyway)"
            )
            return
        results = await asyncio.to_thread(calibrate_bank, bank, targets, seed=seed)
        table = RichTable()
        for header in ("sign", "threshold", "genuine pass rate", "impostor pass rate"):
            table.add_column(header, no_wrap=True)
        table.add_column("note")
        for entry in entries:
            if entry.key not in results:
                table.add_row(entry.key, f"{entry.pass_threshold:g}", "", "", "demo: kept (measured on data)")
                continue
            result = results[entry.key]
            table.add_row(
                entry.key,
                f"{entry.pass_threshold:g} → {result.threshold:g}",
                f"{result.genuine_pass_rate:.1%} of {result.genuine}",
                f"{result.impostor_pass_rate:.1%} of {result.impostors}",
                result.note,
            )
            index.templates[entry.key].pass_threshold = result.threshold
        out.print(table)
        out.print(f"rule: {RULE.describe()}")
        out.print(
            "genuine = the reference itself under perturbations (optimistic: no other signer's variation); "
            "impostors = the other templates of the language under the same perturbations"
        )
        if dry_run:
            out.print("dry run: nothing stored")
            return
        await runtime.templates.save_index(index)
        out.print(f"stored {len(results)} thresholds (templates revision {index.revision})")

    _run(work)


@train_app.command("fingerspelling")
def train_fingerspelling(
    datasets: Annotated[Path | None, typer.Option(help="folder with asl_alphabet_landmarks.csv")] = None,
    epochs: Annotated[int, typer.Option(min=1, max=1000)] = 40,
    activate: Annotated[bool, typer.Option(help="make the new version the active one")] = True,
) -> None:
    """Train the letter classifier, print its held-out accuracy and register it."""
    from senas.ml.datasets import DatasetMissing, alphabet_csv
    from senas.ml.fingerspelling.training import train_from_csv
    from senas.ml.registry.model_registry import FINGERSPELLING

    async def work(runtime: MlRuntime) -> None:
        try:
            csv_path = alphabet_csv(datasets or runtime.ml.datasets_dir)
        except DatasetMissing as exc:
            _fail(str(exc))
            return
        report = await asyncio.to_thread(train_from_csv, csv_path, epochs=epochs)
        version = await runtime.registry.publish(
            FINGERSPELLING,
            {"model.npz": report.classifier.to_bytes()},
            metrics=report.metrics,
            notes="two-layer network on canonical hand shapes; trained from the CC0 ASL alphabet landmarks",
            activate=activate,
        )
        m = report.metrics
        out.print(
            f"fingerspelling v{version.version}: held-out accuracy {m['held_out_accuracy']:.4f} "
            f"(top-3 {m['held_out_top3_accuracy']:.4f}, train {m['train_accuracy']:.4f}; "
            f"{m['held_out_rows']} held-out rows: {m['split']})"
        )

    _run(work)


@models_app.command("list")
def models_list() -> None:
    """Every version of every model, its metrics, and which is active."""

    async def work(runtime: MlRuntime) -> None:
        table = RichTable("model", "version", "active", "created", "files", "metrics")
        for name in await runtime.registry.names():
            active = await runtime.registry.active_version(name)
            for version in (await runtime.registry.manifest(name)).versions:
                metrics = {k: v for k, v in version.metrics.items() if not isinstance(v, dict)}
                table.add_row(
                    name,
                    version.version,
                    "yes" if version.version == active else "",
                    version.created_at.strftime("%Y-%m-%d %H:%M"),
                    ", ".join(f"{f} ({m.size} B)" for f, m in version.files.items()),
                    json.dumps(metrics, ensure_ascii=False)[:120],
                )
        out.print(table)

    _run(work)


@models_app.command("activate")
def models_activate(
    name: Annotated[str, typer.Argument(help="hand-landmarker | fingerspelling")],
    version: Annotated[str, typer.Argument(help="version to make active")],
) -> None:
    """Make a registered version the active one (services load it at their next start)."""
    from senas.ml.registry.model_registry import ModelMissing

    async def work(runtime: MlRuntime) -> None:
        try:
            await runtime.registry.activate(name, version)
        except ModelMissing as exc:
            _fail(str(exc))
            return
        out.print(f"{name} v{version} is now active")

    _run(work)


@app.command("serve-sagemaker")
def serve_sagemaker(
    mode: Annotated[
        str | None, typer.Argument(help="`serve`, as SageMaker starts a hosting container; nothing else")
    ] = None,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SageMaker's hosting contract listens on 8080")] = 8080,
) -> None:
    """Serve the scoring model as a SageMaker endpoint (GET /ping, POST /invocations) on the ml-models store's
    templates: needs only SENAS_PROFILE=aws, AWS_REGION and SENAS_RESOURCE_PREFIX (the bucket <prefix>-ml-models)."""
    import uvicorn

    from senas.core.logging import configure_logging
    from senas.core.settings import SettingsError
    from senas.ml.hosting import ScorerHost, create_hosting_app
    from senas.ml.recognition.templates import TemplateStore
    from senas.wiring.hosting import HostingSettings, hosting_model_store

    if mode not in (None, "serve"):
        _fail(f"unknown mode {mode!r}: the only one is `serve`")
    configure_logging("info", json=True)
    try:
        store = hosting_model_store(HostingSettings())
    except SettingsError as exc:
        _fail(str(exc))
        return
    app = create_hosting_app(ScorerHost(TemplateStore(store)))
    console.print(f"[bold green]Señas scoring model[/] listening on http://{host}:{port}", soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)
