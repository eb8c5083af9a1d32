"""Building the model artefacts that ship in the package, from the CC0 alphabet data — what
``senas ml train fingerspelling|handshape-metric --data <datasets dir> --out <dir> [--seed N]`` runs.

Both use the same contiguous blocks per letter (``fingerspelling.model.three_blocks``: the first 70 % of each
letter's rows to fit, the next 10 % to calibrate, the last 20 % never seen) and imitations of other people and
cameras (``recognition.augment``). Given the data and the seed, the bytes written are always the same
(``npz.npz_bytes``; one random generator per step, seeded), and ``manifest.json`` beside them records the file's
sha256, the command, the seed and the data's own sha256, so anyone can rebuild the artefact and compare.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from senas.ml.artefacts import FILES, FINGERSPELLING, HANDSHAPE_METRIC, MANIFEST
from senas.ml.datasets import ALPHABET_ASPECT, ALPHABET_SIDE, alphabet_csv, load_alphabet
from senas.ml.fingerspelling.model import (
    ARTEFACT_FORMAT as FINGERSPELLING_FORMAT,
)
from senas.ml.fingerspelling.model import (
    COPIES,
    EPOCHS,
    HIDDEN,
    expected_calibration_error,
    three_blocks,
    train_classifier,
)
from senas.ml.landmarks.sequence import LEFT
from senas.ml.recognition.augment import Hands, other_people
from senas.ml.recognition.handshape_metric import ARTEFACT_FORMAT as METRIC_FORMAT
from senas.ml.recognition.handshape_metric import METRIC_COPIES, fit_metric

DEFAULT_SEED = 7
DATA_SOURCE = {
    "licence": "CC0-1.0",
    "source": "public repository borisgraudt/asl-ai (data/raw_gestures/<letter>/*.npy), one signer",
}
SPLIT = (
    "per letter, contiguous blocks in file order: fit = first 70 % of the rows (and imitations of other people), "
    "calibration = next 10 %, held out = last 20 % (never used to fit or calibrate)"
)


@dataclass(frozen=True)
class Built:
    name: str  # the registry name
    file: str
    data: bytes
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Alphabet:
    labels: np.ndarray
    hands: Hands
    source: dict[str, Any]


def read_alphabet(datasets_dir: Path) -> Alphabet:
    path = alphabet_csv(datasets_dir)
    labels, points = load_alphabet(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = {"file": path.name, "sha256": digest, "rows": int(labels.size), **DATA_SOURCE}
    return Alphabet(labels, Hands.of(points, ALPHABET_ASPECT, ALPHABET_SIDE == LEFT), source)


def _command(name: str, seed: int, extra: dict[str, int]) -> str:
    options = "".join(f" --{key} {value}" for key, value in extra.items())
    return f"senas ml train {name} --data <datasets dir> --out <dir> --seed {seed}{options}"


def build_fingerspelling(
    data: Alphabet, *, seed: int = DEFAULT_SEED, copies: int = COPIES, epochs: int = EPOCHS, hidden: int = HIDDEN
) -> Built:
    """The calibrated classifier with "not sure" (``fingerspelling.model``), and its same-signer held-out figures
    clean and with imitated other people (the full cross-condition figures: ``senas ml evaluate``)."""
    model = train_classifier(data.hands, data.labels, seed=seed, copies=copies, epochs=epochs, hidden=hidden)
    *_, held = three_blocks(data.labels)
    rows = np.flatnonzero(held)
    metrics: dict[str, Any] = {}
    for condition, hands in (
        ("held_out_clean", data.hands.take(rows)),
        ("held_out_other_people", other_people(data.hands.take(rows), np.random.default_rng(seed + 200))),
    ):
        answers = model.answers(hands)
        truth = data.labels[rows]
        top = np.array([a.top3[0][0] for a in answers])
        sure = np.array([a.sure for a in answers])
        probabilities = model.probabilities(model.features(hands))
        metrics[condition] = {
            "top1": round(float((top == truth).mean()), 4),
            "top3": round(
                float(np.mean([t in [g for g, _ in a.top3] for a, t in zip(answers, truth, strict=True)])), 4
            ),
            "not_sure": round(float(1 - sure.mean()), 4),
            "accuracy_when_sure": round(float((top[sure] == truth[sure]).mean()) if sure.any() else 0.0, 4),
            "ece": round(expected_calibration_error(probabilities, np.searchsorted(model.labels, truth)), 4),
        }
    defaults = {"copies": COPIES, "epochs": EPOCHS, "hidden": HIDDEN}
    chosen = {"copies": copies, "epochs": epochs, "hidden": hidden}
    details = {
        "format": FINGERSPELLING_FORMAT,
        "seed": seed,
        "command": _command("fingerspelling", seed, {k: v for k, v in chosen.items() if v != defaults[k]}),
        "data": data.source,
        "split": SPLIT,
        "training": model.notes,
        "metrics": metrics,
    }
    return Built(FINGERSPELLING, FILES[FINGERSPELLING], model.to_bytes(), details)


def build_handshape_metric(data: Alphabet, *, seed: int = DEFAULT_SEED, copies: int = METRIC_COPIES) -> Built:
    """The handshape metric (``recognition.handshape_metric``) fitted on the fit block and imitations of it."""
    fit, _, _ = three_blocks(data.labels)
    rows = np.flatnonzero(fit)
    metric = fit_metric(
        data.hands.take(rows),
        data.labels[rows],
        seed=seed,
        copies=copies,
        meta={"name": Path(FILES[HANDSHAPE_METRIC]).stem, "data_sha256": data.source["sha256"]},
    )
    assert metric.flat is not None
    details = {
        "format": METRIC_FORMAT,
        "seed": seed,
        "command": _command("handshape-metric", seed, {"copies": copies} if copies != METRIC_COPIES else {}),
        "data": data.source,
        "split": SPLIT,
        "training": {"fit_rows": int(rows.size), "copies": copies},
        "metrics": {"d50": round(metric.d50, 4), "d50_without_depth": round(metric.flat.d50, 4)},
    }
    return Built(HANDSHAPE_METRIC, FILES[HANDSHAPE_METRIC], metric.to_bytes(), details)


def write(built: Built, out_dir: Path) -> Path:
    """The artefact into ``out_dir`` and its entry into ``out_dir/manifest.json`` (other entries kept)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / built.file
    path.write_bytes(built.data)
    manifest_path = out_dir / MANIFEST
    entries: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    entries[built.name] = {"file": built.file, "sha256": built.sha256, "bytes": len(built.data), **built.details}
    manifest_path.write_text(json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
