"""Training and honest evaluation of the fingerspelling classifier.

The alphabet data come from one signer in long runs per letter: neighbouring rows are near-duplicate video
frames, so a random split would put a frame's twin in the test set and overstate accuracy. The held-out set is
the **last 20 % of each letter's rows** (one contiguous block per letter), never seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from senas.ml.datasets import ALPHABET_ASPECT, ALPHABET_SIDE, load_alphabet
from senas.ml.fingerspelling.classifier import LetterClassifier, shape_features, train

HELD_OUT_FRACTION = 0.2


@dataclass
class TrainingReport:
    classifier: LetterClassifier
    metrics: dict[str, Any] = field(default_factory=dict)


def block_split(labels: np.ndarray, fraction: float = HELD_OUT_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, held out): for every label, its last ``fraction`` of rows in file order."""
    held = np.zeros(labels.size, bool)
    for label in set(labels.tolist()):
        rows = np.flatnonzero(labels == label)
        cut = round(rows.size * (1 - fraction))
        held[rows[cut:]] = True
    return ~held, held


def train_from_csv(path: Path, *, epochs: int = 40) -> TrainingReport:
    labels, points = load_alphabet(path)
    left = np.full(labels.size, ALPHABET_SIDE == 0)
    features = shape_features(points, left, ALPHABET_ASPECT)
    train_mask, held_mask = block_split(labels)
    classifier = train(features[train_mask], labels[train_mask], epochs=epochs)
    predicted = classifier.predict(features[held_mask])
    truth = labels[held_mask]
    per_letter = {
        str(letter): round(float((predicted[truth == letter] == letter).mean()), 4) for letter in classifier.labels
    }
    probabilities = classifier.probabilities(features[held_mask])
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    top3_hits = (classifier.labels[top3] == truth[:, None]).any(axis=1)
    metrics = {
        "held_out_accuracy": round(float((predicted == truth).mean()), 4),
        "held_out_top3_accuracy": round(float(top3_hits.mean()), 4),
        "train_accuracy": round(float((classifier.predict(features[train_mask]) == labels[train_mask]).mean()), 4),
        "train_rows": int(train_mask.sum()),
        "held_out_rows": int(held_mask.sum()),
        "split": "last 20% of each letter's rows (contiguous blocks), one signer — not cross-signer",
        "per_letter_accuracy": per_letter,
        "dataset": f"{path.name} (CC0-1.0, borisgraudt/asl-ai)",
        "epochs": epochs,
    }
    return TrainingReport(classifier, metrics)
