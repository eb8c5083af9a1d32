"""The model registry in the ml-models store and the `senas ml` commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from senas.ml.registry.hand_model import MODEL_FILE, install_hand_model
from senas.ml.registry.model_registry import ModelMissing, ModelRegistry
from senas.platform import catalog
from senas.wiring import Platform


@pytest.fixture
def registry(platform: Platform) -> ModelRegistry:
    return ModelRegistry(platform.blobs.store(platform.settings.resource_name(catalog.ML_MODELS)))


async def test_versions_metrics_and_activation(registry: ModelRegistry) -> None:
    with pytest.raises(ModelMissing, match="fingerspelling"):
        await registry.active("fingerspelling")
    first = await registry.publish("fingerspelling", {"model.npz": b"one"}, metrics={"held_out_accuracy": 0.9})
    second = await registry.publish("fingerspelling", {"model.npz": b"two"}, activate=False)
    assert (first.version, second.version) == ("1", "2")
    assert (await registry.active("fingerspelling")).version == "1"
    await registry.activate("fingerspelling", "2")
    active = await registry.active("fingerspelling")
    assert active.version == "2"
    assert await registry.read_file(active, "model.npz") == b"two"
    assert next(v.metrics for v in (await registry.manifest("fingerspelling")).versions) == {"held_out_accuracy": 0.9}
    with pytest.raises(ModelMissing):
        await registry.activate("fingerspelling", "9")
    # A file altered in the store is refused, not loaded.
    await registry.store.put(
        "registry/fingerspelling/2/model.npz", b"tampered", content_type="application/octet-stream"
    )
    with pytest.raises(ModelMissing, match="sha256"):
        await registry.read_file(active, "model.npz")


async def test_installing_the_same_hand_model_twice_keeps_one_version(registry: ModelRegistry, tmp_path: Path) -> None:
    model = tmp_path / MODEL_FILE
    model.write_bytes(b"a task file")
    first, created = await install_hand_model(registry, model)
    again, created_again = await install_hand_model(registry, model)
    assert created
    assert not created_again
    assert first.version == again.version == "1"
    model.write_bytes(b"a newer task file")
    newer, _ = await install_hand_model(registry, model)
    assert newer.version == "2"


def test_cli_installs_lists_and_activates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    model = tmp_path / MODEL_FILE
    model.write_bytes(b"task")
    runner = CliRunner()
    installed = runner.invoke(app, ["ml", "install-models", "--path", str(model)])
    assert installed.exit_code == 0, installed.output
    assert "hand-landmarker v1 registered" in installed.output
    listed = runner.invoke(app, ["ml", "models", "list"])
    assert listed.exit_code == 0
    assert "hand-" in listed.output
    assert "yes" in listed.output
    missing = runner.invoke(app, ["ml", "models", "activate", "hand-landmarker", "7"])
    assert missing.exit_code == 1
    assert runner.invoke(app, ["ml", "models", "activate", "hand-landmarker", "1"]).exit_code == 0


# --- the models that ship in the package ----------------------------------------------------------------------


async def test_packaged_models_are_registered_from_the_package_alone(registry: ModelRegistry) -> None:
    from senas.ml.artefacts import FINGERSPELLING, HANDSHAPE_METRIC, packaged
    from senas.ml.registry.packaged_models import MODEL_FILE, install_packaged

    for name in (FINGERSPELLING, HANDSHAPE_METRIC):
        installed = await install_packaged(registry, name)
        assert installed.outcome == "registered"
        active = await registry.active(name)
        assert active.files[MODEL_FILE].sha256 == packaged(name).sha256
        assert active.metrics["packaged"] == packaged(name).file
        again = await install_packaged(registry, name)
        assert (again.outcome, again.version.version) == ("already active", active.version)


async def test_an_unreadable_or_older_packaged_version_is_replaced_an_operators_own_is_kept(
    registry: ModelRegistry,
) -> None:
    from senas.ml.artefacts import FINGERSPELLING, packaged_bytes
    from senas.ml.npz import npz_bytes
    from senas.ml.registry.packaged_models import MODEL_FILE, install_packaged

    # What the previous release trained at start-up: format 1, which this code cannot read.
    retired = npz_bytes({"format": np.array(1), "labels": np.array(["A", "B"])})
    await registry.publish(FINGERSPELLING, {MODEL_FILE: retired}, notes="trained at start-up by the old release")
    replaced = await install_packaged(registry, FINGERSPELLING)
    assert (replaced.outcome, replaced.version.version) == ("registered", "2")
    # An operator trains and activates their own (readable) version: an install keeps it active, and names the
    # packaged one registered beside it.
    from senas.ml.fingerspelling.model import HandshapeClassifier

    theirs = HandshapeClassifier.from_bytes(packaged_bytes(FINGERSPELLING))
    theirs.temperature = 2.0
    own = await registry.publish(FINGERSPELLING, {MODEL_FILE: theirs.to_bytes()}, notes="senas ml train … --register")
    kept = await install_packaged(registry, FINGERSPELLING)
    assert (kept.outcome, kept.version.version, kept.packaged_version) == ("kept", own.version, "2")
    assert (await registry.active(FINGERSPELLING)).version == own.version
    assert "models activate fingerspelling 2" in kept.describe()


def test_install_models_registers_everything_without_a_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    model = tmp_path / MODEL_FILE
    model.write_bytes(b"task")
    installed = CliRunner().invoke(app, ["ml", "install-models", "--path", str(model)])
    assert installed.exit_code == 0, installed.output
    assert "fingerspelling v1 registered (packaged fingerspelling-v2.npz)" in installed.output
    assert "handshape-metric v1 registered (packaged handshape-metric-v1.npz)" in installed.output
    assert "demo templates: 31 built" in installed.output
    again = CliRunner().invoke(app, ["ml", "install-models", "--path", str(model)])
    assert again.exit_code == 0, again.output
    assert "fingerspelling v1 already active" in again.output
    assert "demo templates" not in again.output  # built once: a store with templates keeps them
