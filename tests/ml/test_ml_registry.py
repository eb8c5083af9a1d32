"""The model registry in the ml-models store and the `senas ml` commands."""

from __future__ import annotations

from pathlib import Path

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
