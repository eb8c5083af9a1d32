"""Demo templates for the demo course (ASL letters A–Z), built from real signing data.

Each letter's pose is the median pose of ``alphabet_poses.json`` (``senas.demo.derive``) or, without that file, the
*medoid* of that letter's rows in the alphabet dataset (the real sample closest to all the others), in both cases
from the rows before the held-out block, held still over the clip. J and Z are motion letters;
the dataset holds one frame of each, so their templates move that handshape along the letter's path (J: down and
hooking towards the thumb side; Z: right, diagonal down-left, right) as the sign is performed.

Each letter's pass threshold is measured (``calibrate_alphabet``, run by ``python -m senas.demo.derive``, which
stores the result in ``alphabet_poses.json``): the dataset's rows are scored by the real scorer against every
letter's template, and ``calibration.RULE`` picks the threshold from the letter's own rows (genuine) and the other
letters' rows (impostors). Only when the file carries no calibration does the older hand-set rule
(``pass_thresholds``) apply.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from senas.demo.derive import OUTPUT, derive_poses, held_out_start, render_json
from senas.demo.vocabulary import LANGUAGE as DEMO_LANGUAGE
from senas.demo.vocabulary import demo_vocabulary
from senas.ml.datasets import ALPHABET_HEIGHT, ALPHABET_SIDE, ALPHABET_WIDTH, load_alphabet
from senas.ml.landmarks.sequence import LEFT, HandTrack
from senas.ml.recognition.calibration import RULE, Calibration, ThresholdRule, choose_threshold, pass_rate, score_matrix
from senas.ml.recognition.dtw import batch_dtw
from senas.ml.recognition.features import SignFeatures, features_from_hands
from senas.ml.recognition.normalise import canonical_hands, canonicalise
from senas.ml.recognition.scorer import MODEL_NAME, MODEL_VERSION, Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import Attempt, Side
from senas.ml.recognition.templates import TemplateBank, TemplateEntry

LANGUAGE = DEMO_LANGUAGE
DEMO_FRAMES = 30
DEMO_FPS = 15.0
SOURCE = "demo: asl_alphabet_landmarks.csv (CC0-1.0, borisgraudt/asl-ai)"
POSES_FILE = Path(__file__).resolve().parents[2] / "demo" / "alphabet_poses.json"


@dataclass
class DemoSign:
    slug: str
    gloss: str
    features: SignFeatures
    pass_threshold: float


def medoid_poses(labels: np.ndarray, points: np.ndarray) -> dict[str, np.ndarray]:
    poses = {}
    left = np.full(points.shape[0], ALPHABET_SIDE == 0)
    aligned, *_ = canonicalise(points, left, ALPHABET_WIDTH / ALPHABET_HEIGHT)
    flat = aligned.reshape(aligned.shape[0], -1)
    for letter in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == letter)
        rows = rows[: held_out_start(rows.size)]  # the held-out block stays unseen, as in derive.py
        mean = flat[rows].mean(axis=0)
        poses[letter] = points[rows[int(np.argmin(np.linalg.norm(flat[rows] - mean, axis=1)))]]
    return poses


# alphabet_poses.json holds wrist-centred poses scaled to palm length 1 (image axes). They are placed back into
# a 640×480 frame at a typical webcam distance (palm length ≈ 22 % of the frame height), wrist low in the
# centre, so the same pipeline as for real clips applies.
PLACEMENT_SCALE = 0.22
PLACEMENT_WRIST = (0.5, 0.78)


def placed(value: object) -> np.ndarray:
    """A wrist-centred, palm-length-1 pose of ``alphabet_poses.json`` placed in the frame."""
    pose = np.asarray(value, np.float64).reshape(21, 3) * PLACEMENT_SCALE
    pose[:, 0] += PLACEMENT_WRIST[0]
    pose[:, 1] += PLACEMENT_WRIST[1]
    return pose


def poses_from_file(path: Path) -> dict[str, np.ndarray]:
    """The content colleague's ``alphabet_poses.json`` (``letters``: letter → 21 × (x, y, z)), in a frame."""
    data = json.loads(path.read_text())
    letters = data.get("letters", data) if isinstance(data, dict) else data
    return {str(letter).upper(): placed(value) for letter, value in letters.items()}


def thresholds_from_file(path: Path) -> dict[str, float]:
    """The calibrated thresholds the file carries (``calibration.letters.<letter>.threshold``); none if absent."""
    data = json.loads(path.read_text())
    calibration = data.get("calibration") if isinstance(data, dict) else None
    if not isinstance(calibration, dict):
        return {}
    return {
        str(letter).upper(): float(entry["threshold"])
        for letter, entry in calibration.get("letters", {}).items()
        if isinstance(entry, dict) and "threshold" in entry
    }


def motion_path(letter: str, steps: int) -> np.ndarray:
    """Offsets (steps, 2) in frame units of a motion letter, for the dataset's (left-labelled) hand."""
    t = np.linspace(0.0, 1.0, steps)
    if letter == "J":
        # Down, then a hook towards the thumb side (the image's right for this hand).
        down = np.minimum(t / 0.6, 1.0) * 0.16
        hook = np.clip((t - 0.6) / 0.4, 0.0, 1.0)
        return np.stack([0.10 * np.sin(hook * np.pi / 2), down - 0.04 * np.sin(hook * np.pi)], axis=1)
    if letter == "Z":
        corners = np.array([[0.0, 0.0], [-0.16, 0.0], [0.0, 0.12], [-0.16, 0.12]])
        where = t * 3
        segment = np.minimum(where.astype(int), 2)
        frac = (where - segment)[:, None]
        path: np.ndarray = corners[segment] * (1 - frac) + corners[segment + 1] * frac
        return path
    return np.zeros((steps, 2))


def sign_from_pose(letter: str, pose: np.ndarray) -> SignFeatures:
    frames = np.repeat(pose[None], DEMO_FRAMES, axis=0).copy()
    frames[:, :, :2] += motion_path(letter, DEMO_FRAMES)[:, None, :]
    track = HandTrack.from_single_hand(
        frames.astype(np.float32),
        [ALPHABET_SIDE] * DEMO_FRAMES,
        fps=DEMO_FPS,
        width=ALPHABET_WIDTH,
        height=ALPHABET_HEIGHT,
    )
    return features_from_hands(canonical_hands(track, "right"), track.aspect)


def pass_thresholds(features: list[SignFeatures]) -> list[float]:
    """A sign whose nearest neighbour in the vocabulary is close needs a higher score to pass (M/N, U/V…):
    55 for a sign unlike any other, up to 70 for near-twins."""
    shapes = np.stack([f.shape_vectors() for f in features])
    thresholds = []
    for i, feature in enumerate(features):
        distances = batch_dtw(feature.shape_vectors(), shapes)
        distances[i] = np.inf
        thresholds.append(round(float(np.clip(55 + 15 * np.exp(-distances.min()), 55, 70)), 1))
    return thresholds


def demo_signs(csv_path: Path | None, poses_file: Path = POSES_FILE) -> tuple[list[DemoSign], str]:
    """The letters' templates, from ``alphabet_poses.json`` when present, else derived from the CSV."""
    calibrated: dict[str, float] = {}
    if poses_file.is_file():
        poses, source = poses_from_file(poses_file), f"demo: {poses_file.name} (from the CC0 alphabet data)"
        calibrated = thresholds_from_file(poses_file)
    elif csv_path is not None:
        labels, points = load_alphabet(csv_path)
        poses, source = medoid_poses(labels, points), SOURCE
    else:
        return [], ""
    letters = sorted(poses)
    features = [sign_from_pose(letter, poses[letter]) for letter in letters]
    # Measured thresholds; the hand-set rule only for a letter the file has none for.
    thresholds = calibrated
    if any(letter not in calibrated for letter in letters):
        thresholds = dict(zip(letters, pass_thresholds(features), strict=True)) | calibrated
    by_letter = dict(zip(letters, features, strict=True))
    # One template per sign of the demo course, keyed by the slug the content service gives it; a number that
    # shows a letter's handshape (ASL 4 ≈ B) shares that letter's template and threshold.
    return [
        DemoSign(
            slug=entry.slug,
            gloss=entry.gloss,
            features=by_letter[entry.handshape],
            pass_threshold=thresholds[entry.handshape],
        )
        for entry in demo_vocabulary()
        if entry.handshape in by_letter
    ], source


# --- calibration of the letters' thresholds on the alphabet dataset ------------------------------------------

# Per letter, in file order (contiguous blocks: neighbouring rows are near-duplicate video frames): the template is
# the median of the rows before the held-out block (derive.py); the thresholds are chosen on the first 60 %; the
# last 20 % (``derive.held_out_start``) is only scored, to report how the thresholds do on rows nothing was
# fitted to. Every CALIBRATION_STRIDE-th calibration row: neighbouring rows score alike (measured: consecutive
# rows differ by ~⅓ of what two random rows of the letter do), and every row (×3 the time) moves no threshold by
# more than 1.3 points (mean 0.1–0.2).
CALIBRATION_FRACTION = 0.6
CALIBRATION_STRIDE = 3
HELD_OUT_STRIDE = 1
# A row becomes an attempt as a device sends it: the hand held for one second, with about a pixel of tracking
# noise; J and Z (one frame in the data) are moved along the path their template draws, scaled to the row's hand.
ATTEMPT_FRAMES = 15
ATTEMPT_JITTER = 0.002
SPLIT = (
    "per letter, contiguous blocks in file order: templates = median of the rows before the last 20 %; "
    f"thresholds chosen on the first {CALIBRATION_FRACTION:.0%} (one row in {CALIBRATION_STRIDE}); "
    "held out = the last 20 % (every row; never used to choose anything). Impostors of a letter: the other "
    "letters' rows of the same block. One signer: these rates are within-signer, not cross-signer."
)
ATTEMPTS = (
    f"each row held still for {ATTEMPT_FRAMES} frames at {DEMO_FPS:g} fps with {ATTEMPT_JITTER} (frame units) "
    "landmark jitter, the signer's (left) hand as dominant; J and Z moved along their template's drawn path"
)


def alphabet_attempt(letter: str, pose: np.ndarray, seed: int) -> tuple[Attempt, Side]:
    """One dataset row (a (21, 3) pose in image coordinates) as the attempt a device would send."""
    rng = np.random.default_rng(seed)
    frames = np.repeat(pose[None], ATTEMPT_FRAMES, axis=0) + rng.normal(0.0, ATTEMPT_JITTER, (ATTEMPT_FRAMES, 21, 3))
    palm = float(np.linalg.norm((pose[9, :2] - pose[0, :2]) * np.array([ALPHABET_WIDTH / ALPHABET_HEIGHT, 1.0])))
    frames[:, :, :2] += motion_path(letter, ATTEMPT_FRAMES)[:, None, :] * (palm / PLACEMENT_SCALE)
    track = HandTrack.from_single_hand(
        frames.astype(np.float32),
        [ALPHABET_SIDE] * ATTEMPT_FRAMES,
        fps=DEMO_FPS,
        width=ALPHABET_WIDTH,
        height=ALPHABET_HEIGHT,
    )
    return attempt_from_track(track), "left" if ALPHABET_SIDE == LEFT else "right"


def alphabet_blocks(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (calibration, held out) of the dataset, every letter's blocks in file order."""
    calibration, held_out = [], []
    for letter in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == letter)
        calibration.append(rows[: round(rows.size * CALIBRATION_FRACTION) : CALIBRATION_STRIDE])
        held_out.append(rows[held_out_start(rows.size) :: HELD_OUT_STRIDE])
    return np.concatenate(calibration), np.concatenate(held_out)


def alphabet_scorer(letters: Mapping[str, object]) -> tuple[Scorer, list[str]]:
    """A scorer over the letters' templates (made from ``alphabet_poses.json``-form poses) and its keys."""
    names = sorted(letters)
    keys = [f"{LANGUAGE}/{name.lower()}" for name in names]
    entries = [
        TemplateEntry(key=key, language=LANGUAGE, slug=name.lower(), gloss=name, version=1, blob_key="-")
        for key, name in zip(keys, names, strict=True)
    ]
    features = [sign_from_pose(name, placed(letters[name])) for name in names]
    return Scorer(TemplateBank(entries, features, revision=0)), keys


def alphabet_scores(csv_path: Path, letters: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The dataset's calibration and held-out rows scored against every letter's template: ``labels`` and
    ``scores`` (rows, letters) of each block, ``letters`` the columns' order."""
    labels, points = load_alphabet(csv_path)
    scorer, keys = alphabet_scorer(letters)
    calibration, held_out = alphabet_blocks(labels)
    result = {"letters": np.asarray(sorted(letters))}
    for name, rows in (("calibration", calibration), ("held_out", held_out)):
        attempts = (alphabet_attempt(str(labels[row]), points[row], int(row)) for row in rows)
        result[f"{name}_labels"] = labels[rows]
        result[f"{name}_scores"] = score_matrix(scorer, attempts, keys)
    return result


def calibrate_alphabet(
    csv_path: Path, letters: dict[str, list[list[float]]], rule: ThresholdRule = RULE
) -> dict[str, Any]:
    """Every letter's threshold (``rule`` on the calibration block) with its pass rates on the calibration and the
    held-out blocks, overall rates, and how they were measured — the ``calibration`` of ``alphabet_poses.json``."""
    return calibration_report(alphabet_scores(csv_path, letters), rule)


def calibration_report(scored: dict[str, np.ndarray], rule: ThresholdRule = RULE) -> dict[str, Any]:
    """``calibrate_alphabet`` on rows already scored (``alphabet_scores``)."""
    names = [str(name) for name in scored["letters"]]
    per_letter: dict[str, object] = {}
    pooled: dict[str, list[np.ndarray]] = {"genuine": [], "impostor": [], "held_genuine": [], "held_impostor": []}
    for column, name in enumerate(names):
        cal_labels, held_labels = scored["calibration_labels"], scored["held_out_labels"]
        chosen: Calibration = choose_threshold(
            scored["calibration_scores"][cal_labels == name, column],
            scored["calibration_scores"][cal_labels != name, column],
            rule,
        )
        held_genuine = scored["held_out_scores"][held_labels == name, column]
        held_impostor = scored["held_out_scores"][held_labels != name, column]
        entry: dict[str, object] = {
            "threshold": chosen.threshold,
            "genuine_pass_rate": chosen.genuine_pass_rate,
            "impostor_pass_rate": chosen.impostor_pass_rate,
            "held_out_genuine_pass_rate": pass_rate(held_genuine, chosen.threshold),
            "held_out_impostor_pass_rate": pass_rate(held_impostor, chosen.threshold),
            "genuine": chosen.genuine,
            "impostors": chosen.impostors,
            "held_out_genuine": int(held_genuine.size),
            "held_out_impostors": int(held_impostor.size),
        }
        if chosen.note:
            entry["note"] = chosen.note
        per_letter[name] = entry
        for key, values in (
            ("genuine", scored["calibration_scores"][cal_labels == name, column] >= chosen.threshold),
            ("impostor", scored["calibration_scores"][cal_labels != name, column] >= chosen.threshold),
            ("held_genuine", held_genuine >= chosen.threshold),
            ("held_impostor", held_impostor >= chosen.threshold),
        ):
            pooled[key].append(values)
    overall = {key: round(float(np.concatenate(values).mean()), 4) for key, values in pooled.items()}
    return {
        "rule": rule.describe(),
        "split": SPLIT,
        "attempts": ATTEMPTS,
        "scorer": f"{MODEL_NAME} {MODEL_VERSION}",
        "overall": {
            "genuine_pass_rate": overall["genuine"],
            "impostor_pass_rate": overall["impostor"],
            "held_out_genuine_pass_rate": overall["held_genuine"],
            "held_out_impostor_pass_rate": overall["held_impostor"],
        },
        "letters": per_letter,
    }


def derive_alphabet_file(csv_path: Path) -> dict[str, object]:
    """The whole ``alphabet_poses.json``: the poses (``senas.demo.derive``) and each letter's threshold measured
    with them by the real scorer."""
    poses = derive_poses(csv_path)
    letters: dict[str, Any] = poses["letters"]  # type: ignore[assignment]
    return {**poses, "calibration": calibrate_alphabet(csv_path, letters)}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m senas.ml.recognition.demo PATH/TO/asl_alphabet_landmarks.csv", file=sys.stderr)
        return 2
    poses = derive_alphabet_file(Path(argv[0]))
    OUTPUT.write_text(render_json(poses), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(poses['letters'])} letters)")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
