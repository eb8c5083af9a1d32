"""How to read the ASL alphabet landmarks (the CC0 set the shipped models are built from) in place, without copying
them into the project.

Only the commands that build or measure models read it (``senas ml train …``, ``senas ml evaluate``,
``python -m senas.ml.recognition.demo``), from the folder they are given: the service never does — its models ship
in the package (``senas.ml.artefacts``) — and nothing looks for the data beside the project."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from senas.ml.landmarks.sequence import LEFT

ALPHABET_CSV = "asl_alphabet_landmarks.csv"
# The alphabet set's signer's hand is labelled a *left* hand by MediaPipe's convention on un-mirrored frames (the
# thumb lies on the image's left of the little finger with the palm facing the camera — measured: every letter's
# mean thumb tip is left of the little-finger knuckle, opposite to the right hands in the fixture photos). Either
# a left-handed signer or a mirrored selfie capture; both are canonicalised the same way.
ALPHABET_SIDE = LEFT
# The frames were not stored with the data; a 4:3 webcam is assumed for the aspect correction.
ALPHABET_ASPECT = 4 / 3
ALPHABET_WIDTH, ALPHABET_HEIGHT = 640, 480


class DatasetMissing(FileNotFoundError):
    pass


def alphabet_csv(datasets_dir: Path) -> Path:
    path = datasets_dir / ALPHABET_CSV
    if not path.is_file():
        raise DatasetMissing(f"{ALPHABET_CSV} not found in {datasets_dir} (give the folder that holds it)")
    return path


def load_alphabet(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(labels (N,), points (N, 21, 3)) in file order — the order the split by contiguous blocks relies on."""
    labels: list[str] = []
    rows: list[list[float]] = []
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if len(header) != 64 or header[0] != "label":
            raise ValueError(f"{path.name}: expected a label column and 63 coordinates")
        for row in reader:
            labels.append(row[0])
            rows.append([float(v) for v in row[1:]])
    return np.asarray(labels), np.asarray(rows, np.float64).reshape(-1, 21, 3)
