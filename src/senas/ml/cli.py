"""``senas ml …``: the model registry, training, templates and the offline hand and pose models.

Kept cheap to import (no NumPy, MediaPipe or PyAV at import time): the content and user images load the CLI too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

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
    """Register everything the ML service runs on in the ml-models store, from this installation alone (no
    dataset, nothing downloaded): the MediaPipe hand and pose models, the packaged fingerspelling classifier and
    handshape metric (senas/ml/artefacts), and the demo course's templates when the store has none.

    A new version only where a file changed. The hand model is required; without the pose model the service
    judges location against the frame."""
    from senas.ml.registry.first_start import install_models as install

    async def work(runtime: MlRuntime) -> None:
        report = await install(
            runtime.registry,
            runtime.templates,
            runtime.media_status,
            hand_path=path or runtime.ml.hand_model_path,
            pose_path=pose_path or runtime.ml.pose_model_path,
        )
        for line in report.lines:
            out.print(line, soft_wrap=True)
        for warning in report.warnings:
            console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
        if report.errors:
            _fail("; ".join(report.errors))

    _run(work)


@templates_app.command("rebuild")
def templates_rebuild() -> None:
    """Rebuild the demo course's templates (ASL letters A–Z, from the packaged alphabet poses: no dataset needed)
    as new versions, and re-save every other template stored in an older format in the current one (same
    features, threshold and sign id)."""
    from senas.ml.recognition.templates import TEMPLATE_FORMAT
    from senas.ml.registry.first_start import rebuild_demo_templates

    async def work(runtime: MlRuntime) -> None:
        entries = await rebuild_demo_templates(runtime.templates, runtime.media_status)
        out.print(f"rebuilt {len(entries)} templates: " + ", ".join(f"{e.key} v{e.version}" for e in entries))
        demo_keys = {e.key for e in entries}
        upgraded, unreadable = [], []
        for entry in (await runtime.templates.index()).templates.values():
            if entry.key in demo_keys:
                continue
            try:
                template = await runtime.templates.load(entry)
                features = template.sign_features()
            except (ValueError, OSError) as exc:
                unreadable.append(f"{entry.key} v{entry.version}: {exc}")
                continue
            if template.format == TEMPLATE_FORMAT:
                continue
            saved = await runtime.templates.save(
                language=entry.language,
                slug=entry.slug,
                gloss=entry.gloss,
                features=features,
                source=entry.source,
                sign_id=entry.sign_id,
                pass_threshold=entry.pass_threshold,
                notes=f"format {template.format} → {TEMPLATE_FORMAT}: {template.notes}".strip(),
            )
            upgraded.append(f"{saved.key} v{saved.version}")
        if upgraded:
            out.print(f"re-saved in format {TEMPLATE_FORMAT}: " + ", ".join(upgraded))
        for problem in unreadable:
            console.print(f"[yellow]warning:[/] not readable, left as is: {problem}", soft_wrap=True)

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
        from senas.ml.artefacts import packaged_metric

        await runtime.load_metric()  # the store's active metric: the one the service scores with
        metric = runtime.metric
        if metric is None:
            metric = packaged_metric()
            console.print(
                "[yellow]warning:[/] no handshape metric in the ml-models store (`senas ml install-models` registers "
                f"it): measured with the packaged {metric.label}",
                soft_wrap=True,
            )
        results = await asyncio.to_thread(calibrate_bank, bank, targets, metric=metric, seed=seed)
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


def _train(name: str, data: Path, out_dir: Path, register: bool, build: Callable[[Any], Any]) -> None:
    """Build one artefact from the alphabet data into ``out_dir`` (and its manifest entry); optionally register
    it in the ml-models store."""
    from senas.ml.datasets import DatasetMissing
    from senas.ml.training import read_alphabet, write

    try:
        alphabet = read_alphabet(data)
    except DatasetMissing as exc:
        _fail(str(exc))
        return
    built = build(alphabet)
    path = write(built, out_dir)
    out.print(f"{name}: {path} ({len(built.data):,} bytes, sha256 {built.sha256})", soft_wrap=True)
    out.print(json.dumps(built.details.get("metrics", {}), ensure_ascii=False), soft_wrap=True)
    if not register:
        return

    async def work(runtime: MlRuntime) -> None:
        from senas.ml.registry.packaged_models import MODEL_FILE

        version = await runtime.registry.publish(
            built.name,
            {MODEL_FILE: built.data},
            metrics={"trained": built.details},
            notes=f"built by `{built.details['command']}`",
        )
        out.print(f"{name} v{version.version} registered and active")

    _run(work)


DataOption = Annotated[Path, typer.Option("--data", help="folder with asl_alphabet_landmarks.csv (the CC0 set)")]
OutOption = Annotated[Path, typer.Option("--out", help="where to write the artefact and its manifest.json entry")]
SeedOption = Annotated[int, typer.Option(help="seed of every random draw (same data and seed: same bytes)")]
RegisterOption = Annotated[bool, typer.Option(help="also register it in the ml-models store as the new active version")]


@train_app.command("fingerspelling")
def train_fingerspelling(
    data: DataOption,
    out: OutOption,
    seed: SeedOption = 7,
    copies: Annotated[int, typer.Option(min=0, max=64, help="imitated copies of each training row")] = 8,
    epochs: Annotated[int, typer.Option(min=1, max=1000)] = 30,
    register: RegisterOption = False,
) -> None:
    """Build the fingerspelling classifier (hand-frame descriptor, calibrated, with "not sure") from the CC0
    alphabet data: fingerspelling-v2.npz in --out, its sha256 and how it was made in --out/manifest.json."""
    from senas.ml.training import build_fingerspelling

    _train(
        "fingerspelling",
        data,
        out,
        register,
        lambda alphabet: build_fingerspelling(alphabet, seed=seed, copies=copies, epochs=epochs),
    )


@train_app.command("handshape-metric")
def train_handshape_metric(
    data: DataOption,
    out: OutOption,
    seed: SeedOption = 7,
    copies: Annotated[int, typer.Option(min=0, max=64, help="imitated copies of each fitting row")] = 4,
    register: RegisterOption = False,
) -> None:
    """Build the handshape metric the scorer compares handshapes with (both branches: with and without depth):
    handshape-metric-v1.npz in --out, its sha256 and how it was made in --out/manifest.json."""
    from senas.ml.training import build_handshape_metric

    _train(
        "handshape-metric",
        data,
        out,
        register,
        lambda alphabet: build_handshape_metric(alphabet, seed=seed, copies=copies),
    )


@app.command("evaluate")
def evaluate(
    data: DataOption,
    fixtures: Annotated[
        Path | None, typer.Option(help="folder with the four/ rock/ none/ photos (../shared/fixtures/hands)")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the whole report (JSON) here")] = None,
    seed: Annotated[int, typer.Option(help="seed of the imitated conditions and of the baseline's training")] = 7,
    stride: Annotated[int, typer.Option(min=1, help="score every n-th held-out row as a practice attempt")] = 4,
    retrain: Annotated[
        bool, typer.Option(help="build the models again from --data with --seed instead of the packaged ones")
    ] = False,
) -> None:
    """Cross-condition figures of the recognition that ships, before (the previous release) and after: held-out
    letters under each imitated condition, photos of other people, 2-D gestures, calibration, hands found with
    the retry, the practice scorer and the handedness check (see senas/ml/evaluation.py). Prints a table."""
    from senas.ml.datasets import DatasetMissing
    from senas.ml.evaluation import evaluate as run
    from senas.ml.evaluation import summary_rows, to_json

    if fixtures is not None and not fixtures.is_dir():
        _fail(f"--fixtures {fixtures} is not a folder")
    try:
        report = run(data, fixtures, seed=seed, stride=stride, retrain=retrain, log=lambda m: console.print(m))
    except DatasetMissing as exc:
        _fail(str(exc))
        return
    table = RichTable("section", "figure", "before", "after", title="senas ml evaluate", show_lines=False)
    for row in summary_rows(report):
        table.add_row(*row)
    # Wide enough for the figures when printed to a file or a pipe (rich wraps at 80 columns there).
    wide = Console(width=max(out.width, 200))
    wide.print(table)
    models = report["models"]
    out.print(
        "models: "
        + "; ".join(
            f"{name} {entry['source']} ({entry['sha256'][:12]})" for name, entry in models.items() if "sha256" in entry
        )
        + f"; thresholds {models['thresholds']['file']} measured with {models['thresholds']['measured_with']}",
        soft_wrap=True,
    )
    if json_out is not None:
        json_out.write_text(to_json(report) + "\n", encoding="utf-8")
        out.print(f"report written to {json_out}")


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
    name: Annotated[str, typer.Argument(help="hand-landmarker | pose-landmarker | fingerspelling | handshape-metric")],
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

    from senas.core.collector import settle_for_serving
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
    settle_for_serving()
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)
