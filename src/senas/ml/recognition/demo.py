"""Demo templates for the demo course (ASL letters A–Z), built from real signing data — with no dataset at run time.

Each letter's pose is the median pose of ``alphabet_poses.json`` (``senas.demo.derive``: from the CC0 alphabet
data's rows before the held-out block; the file ships in the package), held still over the clip. J and Z are motion
letters; the dataset holds one frame of each, so their templates move that handshape along the letter's path (J:
down and hooking towards the thumb side; Z: right, diagonal down-left, right) as the sign is performed.

Each letter's pass threshold is measured (``calibrate_alphabet``, run by ``python -m senas.ml.recognition.demo
PATH/TO/asl_alphabet_landmarks.csv``, which stores the result in ``alphabet_poses.json`` with the scorer and the
handshape metric it was measured with): the dataset's rows, *and imitations of other people making them*
(``augment.other_people``: other proportions, looser or tighter bends, a turned hand, another camera, the other
hand), are scored by the real scorer — the overall score, orientation included — against every letter's template,
and ``calibration.RULE`` picks the threshold from the letter's own rows (genuine) and the other letters' rows
(impostors). A letter the file has no threshold for gets ``templates.DEFAULT_PASS_THRESHOLD``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from senas.demo.derive import OUTPUT, derive_poses, render_json
from senas.demo.vocabulary import LANGUAGE as DEMO_LANGUAGE
from senas.demo.vocabulary import demo_vocabulary
from senas.ml.artefacts import HANDSHAPE_METRIC, packaged, packaged_metric
from senas.ml.datasets import ALPHABET_ASPECT, ALPHABET_HEIGHT, ALPHABET_SIDE, ALPHABET_WIDTH, load_alphabet
from senas.ml.landmarks.sequence import LEFT, RIGHT, HandTrack
from senas.ml.recognition.augment import DEFAULT, Hands, other_people
from senas.ml.recognition.calibration import RULE, Calibration, ThresholdRule, choose_threshold, pass_rate, score_matrix
from senas.ml.recognition.features import SignFeatures, features_from_hands
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.recognition.normalise import canonical_hands
from senas.ml.recognition.scorer import MODEL_NAME, MODEL_VERSION, Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import Attempt, Side
from senas.ml.recognition.templates import DEFAULT_PASS_THRESHOLD, TemplateBank, TemplateEntry

LANGUAGE = DEMO_LANGUAGE
DEMO_FRAMES = 30
DEMO_FPS = 15.0
POSES_FILE = OUTPUT


@dataclass
class DemoSign:
    slug: str
    gloss: str
    features: SignFeatures
    pass_threshold: float


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
    """``alphabet_poses.json`` (``letters``: letter → 21 × (x, y, z)), each pose placed in a frame."""
    data = json.loads(path.read_text(encoding="utf-8"))
    letters = data.get("letters", data) if isinstance(data, dict) else data
    return {str(letter).upper(): placed(value) for letter, value in letters.items()}


def thresholds_from_file(path: Path) -> dict[str, float]:
    """The calibrated thresholds the file carries (``calibration.letters.<letter>.threshold``); none if absent."""
    data = json.loads(path.read_text(encoding="utf-8"))
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


def demo_signs(poses_file: Path = POSES_FILE) -> tuple[list[DemoSign], str]:
    """The demo course's templates from ``alphabet_poses.json`` (in the package), with its measured thresholds."""
    poses = poses_from_file(poses_file)
    source = f"demo: {poses_file.name} (from the CC0 alphabet data)"
    thresholds = thresholds_from_file(poses_file)
    letters = sorted(poses)
    by_letter = {letter: sign_from_pose(letter, poses[letter]) for letter in letters}
    # One template per sign of the demo course, keyed by the slug the content service gives it; a number that
    # shows a letter's handshape (ASL 4 ≈ B) shares that letter's template and threshold.
    return [
        DemoSign(
            slug=entry.slug,
            gloss=entry.gloss,
            features=by_letter[entry.handshape],
            pass_threshold=thresholds.get(entry.handshape, DEFAULT_PASS_THRESHOLD),
        )
        for entry in demo_vocabulary()
        if entry.handshape in by_letter
    ], source


# --- calibration of the letters' thresholds on the alphabet dataset ------------------------------------------

# Per letter, in file order (contiguous blocks: neighbouring rows are near-duplicate video frames), the blocks of
# the shipped models (``fingerspelling.model.three_blocks``): the handshape metric is fitted on the first 70 %; the
# thresholds are chosen on the next 10 % (each row as it is, and IMITATIONS imitations of other people making it);
# the last 20 % is only scored — as it is and imitated once — to report how the thresholds do on rows nothing was
# fitted to. The templates are the medians of the rows before the last 20 % (derive.py).
IMITATIONS = 3
IMITATION_SEED = 11
# A row becomes an attempt as a device sends it: the hand held for one second, with about a pixel of tracking
# noise (scaled to the hand's size); J and Z (one frame in the data) are moved along the path their template draws,
# scaled to the row's hand.
ATTEMPT_FRAMES = 15
ATTEMPT_JITTER = 0.002
ALPHABET_PALM = 0.194  # median palm size of the alphabet rows in frame heights (``handframe.palm_frame``)
SPLIT = (
    "per letter, contiguous blocks in file order: the handshape metric fitted on the first 70 %; thresholds chosen "
    f"on the next 10 % (each row, and {IMITATIONS} imitations of other people making it); held out = the last 20 % "
    "(never used to choose anything), reported as it is and imitated once; templates = median of the rows before "
    "the last 20 %. Impostors of a letter: the other letters' rows of the same block. One signer, imitated: these "
    "rates are not measured on other people."
)
ATTEMPTS = (
    f"each row held still for {ATTEMPT_FRAMES} frames at {DEMO_FPS:g} fps with landmark jitter of "
    f"{ATTEMPT_JITTER} frame units for a hand of the alphabet's size (scaled to the hand's), the hand used as the "
    "learner's dominant hand; J and Z moved along their template's drawn path; imitations: augment.other_people "
    "(bone lengths, joint bends, a turn of up to 40°, camera noise, depth lost for 15 %, the other hand for half)"
)


def _palm(points: np.ndarray, aspect: float, left: bool) -> float:
    from senas.ml.recognition.handframe import camera_points, palm_frame

    return float(palm_frame(camera_points(points[None], aspect, left)).size[0])


def alphabet_attempt(
    letter: str, pose: np.ndarray, seed: int, *, left: bool = ALPHABET_SIDE == LEFT, aspect: float = ALPHABET_ASPECT
) -> tuple[Attempt, Side]:
    """One hand (a (21, 3) pose in image coordinates) as the attempt a device would send, the hand used as the
    learner's dominant hand."""
    rng = np.random.default_rng(seed)
    palm = _palm(pose, aspect, left)
    jitter = ATTEMPT_JITTER * palm / ALPHABET_PALM
    frames = np.repeat(pose[None], ATTEMPT_FRAMES, axis=0) + rng.normal(0.0, jitter, (ATTEMPT_FRAMES, 21, 3))
    if not (pose[:, 2] != pose[0, 2]).any():
        frames[..., 2] = pose[None, :, 2]  # a hand without depth stays without
    path = motion_path(letter, ATTEMPT_FRAMES) * (palm / PLACEMENT_SCALE)
    if left != (ALPHABET_SIDE == LEFT):
        path[:, 0] *= -1.0  # drawn for the dataset's hand: mirrored for the other one
    frames[:, :, :2] += path[:, None, :]
    width = ALPHABET_WIDTH
    track = HandTrack.from_single_hand(
        frames.astype(np.float32),
        [LEFT if left else RIGHT] * ATTEMPT_FRAMES,
        fps=DEMO_FPS,
        width=width,
        height=round(width / aspect),
    )
    return attempt_from_track(track), "left" if left else "right"


def alphabet_blocks(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (calibration, held out) of the dataset (``fingerspelling.model.three_blocks``)."""
    from senas.ml.fingerspelling.model import three_blocks

    _, calibration, held_out = three_blocks(labels)
    return np.flatnonzero(calibration), np.flatnonzero(held_out)


def alphabet_scorer(
    letters: Mapping[str, object],
    metric: HandshapeMetric | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> tuple[Scorer, list[str]]:
    """A scorer over the letters' templates (made from ``alphabet_poses.json``-form poses) and its keys, with the
    packaged handshape metric unless another is given, and the given thresholds (default: the templates')."""
    names = sorted(letters)
    keys = [f"{LANGUAGE}/{name.lower()}" for name in names]
    entries = [
        TemplateEntry(
            key=key,
            language=LANGUAGE,
            slug=name.lower(),
            gloss=name,
            version=1,
            blob_key="-",
            pass_threshold=(thresholds or {}).get(name, DEFAULT_PASS_THRESHOLD),
        )
        for key, name in zip(keys, names, strict=True)
    ]
    features = [sign_from_pose(name, placed(letters[name])) for name in names]
    return Scorer(TemplateBank(entries, features, revision=0), metric or packaged_metric()), keys


def _imitated(hands: Hands, labels: np.ndarray, copies: int, seed: int) -> tuple[Hands, np.ndarray]:
    rng = np.random.default_rng(seed)
    sets = [other_people(hands, rng, DEFAULT) for _ in range(copies)]
    joined = Hands(
        np.concatenate([s.points for s in sets]),
        np.concatenate([s.aspect for s in sets]),
        np.concatenate([s.left for s in sets]),
    )
    return joined, np.tile(labels, copies)


def _scores(scorer: Scorer, keys: list[str], hands: Hands, labels: np.ndarray, seed: int) -> np.ndarray:
    attempts = (
        alphabet_attempt(str(labels[i]), hands.points[i], seed + i, left=bool(hands.left[i]), aspect=hands.aspect[i])
        for i in range(len(hands))
    )
    return score_matrix(scorer, attempts, keys)


def alphabet_scores(csv_path: Path, letters: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The dataset's calibration and held-out rows (as they are and imitated) scored against every letter's
    template: ``<block>_labels`` and ``<block>_scores`` (rows, letters) for the blocks ``calibration`` (the rows
    and their imitations), ``held_out`` and ``held_out_imitated``; ``letters`` the columns' order."""
    labels, points = load_alphabet(csv_path)
    hands = Hands.of(points, ALPHABET_ASPECT, ALPHABET_SIDE == LEFT)
    scorer, keys = alphabet_scorer(letters)
    calibration, held_out = alphabet_blocks(labels)
    result = {"letters": np.asarray(sorted(letters))}
    copies, copy_labels = _imitated(hands.take(calibration), labels[calibration], IMITATIONS, IMITATION_SEED)
    result["calibration_labels"] = np.concatenate([labels[calibration], copy_labels])
    result["calibration_scores"] = np.concatenate(
        [
            _scores(scorer, keys, hands.take(calibration), labels[calibration], 0),
            _scores(scorer, keys, copies, copy_labels, 100_000),
        ]
    )
    result["held_out_labels"] = labels[held_out]
    result["held_out_scores"] = _scores(scorer, keys, hands.take(held_out), labels[held_out], 200_000)
    imitated, imitated_labels = _imitated(hands.take(held_out), labels[held_out], 1, IMITATION_SEED + 1)
    result["held_out_imitated_labels"] = imitated_labels
    result["held_out_imitated_scores"] = _scores(scorer, keys, imitated, imitated_labels, 300_000)
    return result


def calibrate_alphabet(
    csv_path: Path, letters: dict[str, list[list[float]]], rule: ThresholdRule = RULE
) -> dict[str, Any]:
    """Every letter's threshold (``rule`` on the calibration block) with its pass rates on the calibration and the
    held-out blocks, overall rates, and how they were measured — the ``calibration`` of ``alphabet_poses.json``."""
    return calibration_report(alphabet_scores(csv_path, letters), rule)


def _scorer_label() -> dict[str, str]:
    """What the thresholds were measured with: the scorer's version and the handshape metric's file and sha256
    (thresholds measured with another metric do not hold for this one)."""
    metric = packaged(HANDSHAPE_METRIC)
    return {
        "scorer": f"{MODEL_NAME} {MODEL_VERSION}+{packaged_metric().label}",
        "metric": metric.file,
        "metric_sha256": metric.sha256,
    }


def calibration_report(scored: dict[str, np.ndarray], rule: ThresholdRule = RULE) -> dict[str, Any]:
    """``calibrate_alphabet`` on rows already scored (``alphabet_scores``)."""
    names = [str(name) for name in scored["letters"]]
    per_letter: dict[str, object] = {}
    blocks = {"": "calibration", "held_out_": "held_out", "held_out_imitated_": "held_out_imitated"}
    pooled: dict[str, list[np.ndarray]] = {}
    for column, name in enumerate(names):
        cal_labels = scored["calibration_labels"]
        chosen: Calibration = choose_threshold(
            scored["calibration_scores"][cal_labels == name, column],
            scored["calibration_scores"][cal_labels != name, column],
            rule,
        )
        entry: dict[str, object] = {"threshold": chosen.threshold}
        for prefix, block in blocks.items():
            labels, values = scored[f"{block}_labels"], scored[f"{block}_scores"][:, column]
            genuine, impostor = values[labels == name], values[labels != name]
            entry[f"{prefix}genuine_pass_rate"] = pass_rate(genuine, chosen.threshold)
            entry[f"{prefix}impostor_pass_rate"] = pass_rate(impostor, chosen.threshold)
            entry[f"{prefix}genuine"] = int(genuine.size)
            entry[f"{prefix}impostors"] = int(impostor.size)
            pooled.setdefault(f"{prefix}genuine", []).append(genuine >= chosen.threshold)
            pooled.setdefault(f"{prefix}impostor", []).append(impostor >= chosen.threshold)
        if chosen.note:
            entry["note"] = chosen.note
        per_letter[name] = entry
    overall = {f"{key}_pass_rate": round(float(np.concatenate(values).mean()), 4) for key, values in pooled.items()}
    return {
        "rule": rule.describe(),
        "split": SPLIT,
        "attempts": ATTEMPTS,
        **_scorer_label(),
        "overall": overall,
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
