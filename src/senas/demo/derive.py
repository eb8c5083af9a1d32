"""Derive one representative hand pose per ASL letter from the CC0 landmark dataset, and each letter's measured
pass threshold.

Run: ``python -m senas.ml.recognition.demo ../shared/datasets/asl_alphabet_landmarks.csv`` (writes
``src/senas/demo/alphabet_poses.json`` with the poses derived here and the thresholds measured with them; the
dataset itself is never copied into the project, only numbers derived from it).

Method: every sample's 21 landmarks are centred on the wrist (landmark 0) and divided by the wrist → middle-finger
base distance (landmark 9), which removes the hand's place in the frame and its size; the letter's pose is then
the per-coordinate median over its samples (robust to the odd mis-tracked frame) — only the samples outside the
held-out block (the last 20 % of each letter's rows in file order, as for the fingerspelling classifier), so that
block stays unseen by the templates and can report honestly how their thresholds do. The thresholds are then
calibrated with the real scorer (``senas.ml.recognition.demo.calibrate_alphabet``; needs the ``ml`` extra).
Reading the file (``load_poses``) stays pure Python, so the content image needs no numerical packages.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path

LANDMARKS = 21
DECIMALS = 4
# The last fifth of each letter's rows (one contiguous block: neighbouring rows are near-duplicate video frames)
# is held out of the templates and of the threshold calibration; tests report the thresholds on it.
HELD_OUT_FRACTION = 0.2
OUTPUT = Path(__file__).with_name("alphabet_poses.json")
SOURCE = (
    "asl_alphabet_landmarks.csv — public repository borisgraudt/asl-ai (data/raw_gestures/<letter>/*.npy), "
    "one signer, ~404 MediaPipe hand-landmark samples per letter"
)
LICENCE = "CC0-1.0 (public domain); this derived file is part of Señas"
METHOD = (
    "per sample: wrist-centred (landmark 0) and scaled by the wrist→middle-MCP distance (landmark 9); "
    "per letter: per-coordinate median over the samples outside the held-out block (the last 20 % of the "
    "letter's rows in file order), rounded to 4 decimals. x right, y down (image axes), z depth. J and Z are "
    "motion letters captured as one frame: their movement is drawn, not measured."
)


def held_out_start(count: int) -> int:
    """Index, among a letter's ``count`` rows in file order, of the first held-out row (same cut as the
    fingerspelling classifier's ``block_split``)."""
    return round(count * (1 - HELD_OUT_FRACTION))


def normalise_sample(values: list[float]) -> list[list[float]]:
    points = [values[i * 3 : i * 3 + 3] for i in range(LANDMARKS)]
    wx, wy, wz = points[0]
    scale = math.dist(points[0][:2], points[9][:2]) or 1.0
    return [[(x - wx) / scale, (y - wy) / scale, (z - wz) / scale] for x, y, z in points]


def letter_poses(csv_path: Path) -> tuple[dict[str, list[list[float]]], dict[str, int]]:
    """(letter → pose, letter → number of rows) of the dataset."""
    samples: dict[str, list[list[list[float]]]] = {}
    with csv_path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        if len(header) != 1 + LANDMARKS * 3 or header[0] != "label":
            raise ValueError(f"{csv_path}: expected 'label' and {LANDMARKS * 3} coordinates per row")
        for row in reader:
            samples.setdefault(row[0].upper(), []).append(normalise_sample([float(v) for v in row[1:]]))
    letters: dict[str, list[list[float]]] = {}
    counts: dict[str, int] = {}
    for letter in sorted(samples):
        group = samples[letter][: held_out_start(len(samples[letter]))]
        counts[letter] = len(samples[letter])
        letters[letter] = [
            [round(statistics.median(sample[i][axis] for sample in group), DECIMALS) + 0.0 for axis in range(3)]
            for i in range(LANDMARKS)
        ]
    return letters, counts


def derive_poses(csv_path: Path) -> dict[str, object]:
    """Everything of ``alphabet_poses.json`` but the calibration: source, licence, method, counts, letters."""
    letters, counts = letter_poses(csv_path)
    return {"source": SOURCE, "licence": LICENCE, "method": METHOD, "samples": counts, "letters": letters}


def render_json(poses: dict[str, object]) -> str:
    return json.dumps(poses, ensure_ascii=False, indent=1) + "\n"


def load_poses() -> dict[str, list[list[float]]]:
    data = json.loads(OUTPUT.read_text(encoding="utf-8"))
    letters: dict[str, list[list[float]]] = data["letters"]
    return letters
