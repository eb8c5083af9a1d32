"""Demo templates for the demo course (ASL letters A–Z), built from real signing data.

Each letter's pose is the *medoid* of that letter's rows in the alphabet dataset (the real sample closest to
all the others: an actual hand, not an average of hands), held still over the clip. J and Z are motion letters;
the dataset holds one frame of each, so their templates move that handshape along the letter's path (J: down and
hooking towards the thumb side; Z: right, diagonal down-left, right) as the sign is performed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from senas.demo.vocabulary import LANGUAGE as DEMO_LANGUAGE
from senas.demo.vocabulary import demo_vocabulary
from senas.ml.datasets import ALPHABET_HEIGHT, ALPHABET_SIDE, ALPHABET_WIDTH, load_alphabet
from senas.ml.landmarks.sequence import HandTrack
from senas.ml.recognition.dtw import batch_dtw
from senas.ml.recognition.features import SignFeatures, features_from_hands
from senas.ml.recognition.normalise import canonical_hands, canonicalise

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
        mean = flat[rows].mean(axis=0)
        poses[letter] = points[rows[int(np.argmin(np.linalg.norm(flat[rows] - mean, axis=1)))]]
    return poses


# alphabet_poses.json holds wrist-centred poses scaled to palm length 1 (image axes). They are placed back into
# a 640×480 frame at a typical webcam distance (palm length ≈ 22 % of the frame height), wrist low in the
# centre, so the same pipeline as for real clips applies.
PLACEMENT_SCALE = 0.22
PLACEMENT_WRIST = (0.5, 0.78)


def poses_from_file(path: Path) -> dict[str, np.ndarray]:
    """The content colleague's ``alphabet_poses.json`` (``letters``: letter → 21 × (x, y, z)), in a frame."""
    data = json.loads(path.read_text())
    letters = data.get("letters", data) if isinstance(data, dict) else data
    poses = {}
    for letter, value in letters.items():
        pose = np.asarray(value, np.float64).reshape(21, 3) * PLACEMENT_SCALE
        pose[:, 0] += PLACEMENT_WRIST[0]
        pose[:, 1] += PLACEMENT_WRIST[1]
        poses[str(letter).upper()] = pose
    return poses


def _path(letter: str, steps: int) -> np.ndarray:
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
    frames[:, :, :2] += _path(letter, DEMO_FRAMES)[:, None, :]
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


def demo_signs(csv_path: Path | None) -> tuple[list[DemoSign], str]:
    """The letters' templates, from ``alphabet_poses.json`` when present, else derived from the CSV."""
    if POSES_FILE.is_file():
        poses, source = poses_from_file(POSES_FILE), f"demo: {POSES_FILE.name} (from the CC0 alphabet data)"
    elif csv_path is not None:
        labels, points = load_alphabet(csv_path)
        poses, source = medoid_poses(labels, points), SOURCE
    else:
        return [], ""
    letters = sorted(poses)
    features = [sign_from_pose(letter, poses[letter]) for letter in letters]
    thresholds = dict(zip(letters, pass_thresholds(features), strict=True))
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
