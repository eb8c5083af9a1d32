"""The models that ship in the package (``senas/ml/artefacts``): present, what the manifest says, readable, built
by one deterministic command — and, with the CC0 data at hand, exactly what that command builds from it."""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ml_media import ALPHABET, require
from typer.testing import CliRunner

from prerequisites import REPO_ROOT
from senas.ml.artefacts import FILES, FINGERSPELLING, FOLDER, HANDSHAPE_METRIC, manifest, packaged_bytes
from senas.ml.fingerspelling.model import ARTEFACT_FORMAT, HandshapeClassifier
from senas.ml.recognition.augment import Hands, bend_joints, jitter, reshape_bones
from senas.ml.recognition.demo import POSES_FILE, poses_from_file
from senas.ml.recognition.handshape_metric import HandshapeMetric


def test_the_packaged_artefacts_are_what_the_manifest_says() -> None:
    entries = manifest()
    assert set(entries) == {FINGERSPELLING, HANDSHAPE_METRIC}
    for name, entry in entries.items():
        assert entry.file == FILES[name]
        data = entry.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert len(data) == entry.size
        assert entry.details["seed"] == 7
        assert entry.details["command"].startswith(f"senas ml train {name} --data <datasets dir> --out <dir>")
        assert entry.details["data"]["licence"] == "CC0-1.0"
        assert entry.details["data"]["file"] == "asl_alphabet_landmarks.csv"
    model = HandshapeClassifier.from_bytes(packaged_bytes(FINGERSPELLING))
    assert entries[FINGERSPELLING].format == ARTEFACT_FORMAT
    assert sorted(model.labels.tolist()) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert 0.5 < model.temperature < 5
    metric = HandshapeMetric.from_bytes(packaged_bytes(HANDSHAPE_METRIC))
    assert metric.flat is not None
    assert metric.projection is not None
    assert metric.sha256 == entries[HANDSHAPE_METRIC].sha256
    # The same-signer held-out figure the artefact was built with, recorded beside it: still ≥ 0.95.
    assert entries[FINGERSPELLING].details["metrics"]["held_out_clean"]["top1"] >= 0.95


def test_a_damaged_artefact_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import senas.ml.artefacts as artefacts

    copy = tmp_path / "artefacts"
    copy.mkdir()
    for item in FOLDER.iterdir():
        if item.is_file():
            (copy / item.name).write_bytes(item.read_bytes())
    (copy / FILES[HANDSHAPE_METRIC]).write_bytes(b"not the metric")
    monkeypatch.setattr(artefacts, "FOLDER", copy)
    with pytest.raises(artefacts.PackagedArtefactMissing, match="sha256"):
        artefacts.packaged_bytes(HANDSHAPE_METRIC)


def test_the_model_card_says_where_the_models_come_from() -> None:
    card = (FOLDER / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needed in (
        "CC0-1.0",
        "Apache-2.0",
        "senas ml train fingerspelling --data",
        "senas ml train handshape-metric --data",
        "--seed 7",
        "senas ml evaluate",
        *FILES.values(),
        *(entry.sha256 for entry in manifest().values()),
    ):
        assert needed in card, needed


def test_the_artefacts_go_into_the_package_and_the_image() -> None:
    """Hatch packs every file under src/senas that git does not ignore; the image copies src/ whole."""
    patterns = [
        line.strip().rstrip("/")
        for line in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for name in (*FILES.values(), "manifest.json", "MODEL_CARD.md"):
        path = FOLDER / name
        assert path.is_file(), path
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO_ROOT, check=False)
        if ignored.returncode == 128:  # not a git checkout (a copy of the files): the patterns themselves
            parts = path.relative_to(REPO_ROOT).parts
            assert not any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns), name
        else:
            assert ignored.returncode == 1, f"{name} is git-ignored: hatch would leave it out of the wheel"
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["src/senas"]' in pyproject
    dockerignore = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert not any(pattern in dockerignore for pattern in ("*.npz", "**/*.npz", "src", "artefacts"))
    assert "COPY src ./src" in (REPO_ROOT / "infra" / "docker" / "Dockerfile").read_text(encoding="utf-8")


def _small_alphabet(folder: Path, rows_per_letter: int = 24) -> Path:
    """A CSV shaped like the CC0 alphabet set, made from the packaged poses as other people (seeded): the train
    commands can be run without the data."""
    rng = np.random.default_rng(5)
    poses = poses_from_file(POSES_FILE)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "asl_alphabet_landmarks.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", *(f"{axis}{i}" for i in range(21) for axis in "xyz")])
        for letter in sorted(poses):
            hands = Hands.of(np.repeat(poses[letter][None], rows_per_letter, axis=0), 640 / 480, True)
            hands = jitter(bend_joints(reshape_bones(hands, rng), rng), rng)
            for points in hands.points:
                writer.writerow([letter, *np.round(points.reshape(-1), 6).tolist()])
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fingerspelling", "handshape-metric"])
def test_the_train_command_is_deterministic_given_a_seed(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    data = _small_alphabet(tmp_path / "datasets")
    quick = ["--copies", "1"] + (["--epochs", "3"] if name == "fingerspelling" else [])
    runner = CliRunner()
    built = {}
    for run, seed in (("first", "3"), ("again", "3"), ("other seed", "4")):
        out = tmp_path / run
        result = runner.invoke(
            app, ["ml", "train", name, "--data", str(data), "--out", str(out), "--seed", seed, *quick]
        )
        assert result.exit_code == 0, result.output
        built[run] = ((out / FILES[name]).read_bytes(), json.loads((out / "manifest.json").read_text()))
    assert built["first"] == built["again"]  # the same bytes, and the same manifest entry
    assert built["first"][0] != built["other seed"][0]
    entry = built["first"][1][name]
    assert entry["sha256"] == hashlib.sha256(built["first"][0]).hexdigest()
    assert entry["command"].endswith("--seed 3 --copies 1" + (" --epochs 3" if name == "fingerspelling" else ""))
    registered = runner.invoke(
        app,
        ["ml", "train", name, "--data", str(data), "--out", str(tmp_path / "reg"), "--seed", "3", *quick, "--register"],
    )
    assert registered.exit_code == 0, registered.output
    assert f"{name} v1 registered and active" in registered.output
    missing = runner.invoke(app, ["ml", "train", name, "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert "asl_alphabet_landmarks.csv not found" in missing.output


@pytest.mark.slow
def test_the_packaged_artefacts_are_what_the_commands_build_from_the_data() -> None:
    """Rebuilt from the CC0 data with the recorded seed: the same artefact. Byte for byte only on the same CPU
    kernels: OpenBLAS picks its kernels by CPU (Haswell, Zen, SkylakeX…), the last bits of float sums follow, and
    thirty epochs of SGD carry them on; LAPACK may return an eigenvector with the other sign. So what must hold
    everywhere is what the artefact *means*: the same labels and statistics, the same handshape metric (the
    product P·Pᵀ that distances use, not P), and held-out figures within a point of the shipped ones. The same
    machine rebuilds the same bytes (``test_the_train_command_is_deterministic_given_a_seed``)."""
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    from senas.ml.training import build_fingerspelling, build_handshape_metric, read_alphabet

    data = read_alphabet(ALPHABET.parent)
    entries = manifest()
    assert data.source["sha256"] == entries[FINGERSPELLING].details["data"]["sha256"]
    for built in (build_fingerspelling(data, seed=7), build_handshape_metric(data, seed=7)):
        entry = entries[built.name]
        if built.sha256 == entry.sha256:
            continue
        rebuilt = np.load(io.BytesIO(built.data), allow_pickle=False)
        shipped = np.load(io.BytesIO(packaged_bytes(built.name)), allow_pickle=False)
        assert sorted(rebuilt.files) == sorted(shipped.files), built.name
        for key in rebuilt.files:
            new, old = rebuilt[key], shipped[key]
            if key in ("projection", "flat_projection"):
                np.testing.assert_allclose(new @ new.T, old @ old.T, atol=1e-9, err_msg=f"{built.name}.{key}")
            elif key in ("w1", "b1", "w2", "b2", "temperature", "notes"):
                continue  # the network itself: judged by what it does (the figures below)
            elif new.dtype.kind == "f":
                np.testing.assert_allclose(new, old, atol=1e-9, err_msg=f"{built.name}.{key}")
            else:
                assert np.array_equal(new, old), f"{built.name}.{key}"
        assert _figures(built.details["metrics"]) == pytest.approx(_figures(entry.details["metrics"]), abs=0.01)


def _figures(metrics: dict[str, object], prefix: str = "") -> dict[str, float]:
    """A nested dict of figures, flattened to ``{"a.b": value}``."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.update(_figures(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = float(value)  # type: ignore[arg-type]
    return flat
