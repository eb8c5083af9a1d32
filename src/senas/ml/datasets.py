"""Where the development datasets are (``../shared/datasets`` beside the project) and how to read the ASL alphabet
landmarks without copying them into the project."""

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


def default_datasets_dir() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared" / "datasets"


def alphabet_csv(datasets_dir: Path | None = None) -> Path:
    candidates = [datasets_dir] if datasets_dir else []
    candidates += [Path.cwd().parent / "shared" / "datasets", default_datasets_dir()]
    for folder in candidates:
        if folder is not None and (folder / ALPHABET_CSV).is_file():
            return folder / ALPHABET_CSV
    raise DatasetMissing(
        f"{ALPHABET_CSV} not found (looked in {', '.join(str(c) for c in candidates if c)}); "
        "set SENAS_ML_DATASETS_DIR to the folder that holds it"
    )


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
