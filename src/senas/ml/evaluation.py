"""Before/after figures for recognition that must hold for people who are not in the data (issue 13).

Run (from the project root; the data are read in place, never copied):

    python -m senas.ml.evaluation --data ../shared/datasets --fixtures ../shared/fixtures/hands [--json out.json]

It trains both fingerspelling classifiers — the current one (``training.train_from_csv``: canonical coordinates)
and the new one (``model.train_classifier``: the hand's own frame, augmentation, calibration, "not sure") — from the
CC0 alphabet data with a fixed seed, and prints:

(a) same-signer held-out accuracy (the last 20 % of each letter's rows) clean and under each transform of
    ``augment`` separately, and all of them at once ("other people");
(b) the fixture photos of other people: hands found, ``four`` → B (the ASL letter closest to 4), ``rock`` → no
    letter (not sure, or confidence under 0.5 for the current classifier, which has no "not sure"), top-3 each;
(c) ``hand_gestures/keypoint.csv`` (other recordings, 2-D): the share of each class landing in its allowed set;
(d) calibration: expected calibration error on the transformed held-out rows, before/after temperature scaling;
(e) hands found on the photos by the extractor alone and with ``landmarks.retry``;
(f) the practice scorer's handshape component, current (``Scorer``) against the prototype (``shape_score``):
    held-out letters as attempts (clean, turned in 3-D, imitated other people) against the demo templates, and the
    ``four`` photos against B.

Nothing is tuned here: every number comes from the code under test, the seed and the data.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from senas.ml.datasets import ALPHABET_ASPECT, ALPHABET_CSV, ALPHABET_SIDE, load_alphabet
from senas.ml.fingerspelling.classifier import shape_features
from senas.ml.fingerspelling.model import (
    HandshapeClassifier,
    expected_calibration_error,
    three_blocks,
    train_classifier,
)
from senas.ml.fingerspelling.training import block_split, train_from_csv
from senas.ml.landmarks.sequence import LEFT
from senas.ml.recognition.augment import DEFAULT, TRANSFORMS, Hands, Ranges, other_people, rotate, turn

KEYPOINT_CLASSES = ("Open", "Close", "Pointer", "OK")
# The letter(s) whose handshape each gesture is (the sets), and a broader reading reported beside it: a
# fist is also T/M/N (the thumb tucked elsewhere); a raised index is also Z (drawn with the 1 handshape) and G
# (the same shape pointing sideways).
ALLOWED = {"Open": "B", "Close": "ASE", "Pointer": "D", "OK": "F"}
ALLOWED_BROAD = {"Open": "B", "Close": "ASEMNT", "Pointer": "DZG", "OK": "F"}
LOW_CONFIDENCE = 0.5
# The "turned" practice attempt: the photo's hand turned this far about the vertical axis (palm towards the side).
TURN_DEGREES = 60.0


def _hands_of_alphabet(points: np.ndarray) -> Hands:
    return Hands.of(points, ALPHABET_ASPECT, ALPHABET_SIDE == LEFT)


class Baseline:
    """The current classifier behind the same interface as the new one."""

    def __init__(self, csv_path: Path) -> None:
        self.classifier = train_from_csv(csv_path).classifier
        self.labels = self.classifier.labels

    def probabilities(self, hands: Hands) -> np.ndarray:
        # Its normalisation takes one aspect for all hands.
        rows = (
            [
                self.classifier.probabilities(shape_features(hands.points[i : i + 1], hands.left[i : i + 1], aspect))
                for i, aspect in enumerate(hands.aspect.tolist())
            ]
            if np.unique(hands.aspect).size > 1
            else [self.classifier.probabilities(shape_features(hands.points, hands.left, float(hands.aspect[0])))]
        )
        return np.concatenate(rows)


class New:
    def __init__(self, model: HandshapeClassifier) -> None:
        self.model = model
        self.labels = model.labels

    def probabilities(self, hands: Hands, *, calibrated: bool = True) -> np.ndarray:
        return self.model.probabilities(self.model.features(hands), calibrated=calibrated)


def _accuracy(probabilities: np.ndarray, labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    order = np.argsort(-probabilities, axis=1)
    target = np.searchsorted(labels, truth)
    return {
        "top1": round(float((order[:, 0] == target).mean()), 4),
        "top3": round(float((order[:, :3] == target[:, None]).any(axis=1).mean()), 4),
    }


def held_out_section(
    hands: Hands, labels: np.ndarray, baseline: Baseline, new: New, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a) and (d)."""
    _, held = block_split(labels)
    rows = np.flatnonzero(held)
    base_hands, truth = hands.take(rows), labels[rows]
    conditions: dict[str, Hands] = {"clean": base_hands}
    for number, (name, transform) in enumerate(TRANSFORMS.items()):
        conditions[name] = transform(base_hands, np.random.default_rng(seed + 100 + number), DEFAULT)
    conditions["other_people (all at once)"] = other_people(base_hands, np.random.default_rng(seed + 200))
    section: dict[str, Any] = {}
    calibration: dict[str, Any] = {}
    for name, changed in conditions.items():
        old_p = baseline.probabilities(changed)
        new_p = new.probabilities(changed)
        answers = new.model.answers(changed)
        sure = np.array([a.sure for a in answers])
        right = np.array([a.letter == t for a, t in zip(answers, truth, strict=True)])
        section[name] = {
            "current": _accuracy(old_p, baseline.labels, truth),
            "new": _accuracy(new_p, new.labels, truth)
            | {
                "not_sure": round(float(1 - sure.mean()), 4),
                "accuracy_when_sure": round(float(right[sure].mean()) if sure.any() else 0.0, 4),
            },
        }
        if name in ("clean", "other_people (all at once)"):
            target_old = np.searchsorted(baseline.labels, truth)
            target_new = np.searchsorted(new.labels, truth)
            calibration[name] = {
                "current_ece": round(expected_calibration_error(old_p, target_old), 4),
                "new_ece_before_temperature": round(
                    expected_calibration_error(new.probabilities(changed, calibrated=False), target_new), 4
                ),
                "new_ece_after_temperature": round(expected_calibration_error(new_p, target_new), 4),
                "current_mean_confidence": round(float(old_p.max(axis=1).mean()), 4),
                "new_mean_confidence": round(float(new_p.max(axis=1).mean()), 4),
            }
    calibration["temperature"] = round(new.model.temperature, 4)
    return section, calibration


# --- photos ---------------------------------------------------------------------------------------------------


def photo_hands(fixtures: Path) -> list[dict[str, Any]]:
    """Every fixture photo with the best hand of the first pass and of the retry (None where none was found)."""
    from senas.ml.fingerspelling.service import decode_image
    from senas.ml.landmarks.extractor import HandExtractor
    from senas.ml.landmarks.retry import RetryingDetector
    from senas.ml.models.hand_model import bundled_hand_model

    extractor = HandExtractor(bundled_hand_model().read_bytes())
    retry = RetryingDetector(extractor)
    found = []
    try:
        for path in sorted(fixtures.glob("*/*.jpg")):
            rgb = decode_image(path.read_bytes())
            entry: dict[str, Any] = {"photo": f"{path.parent.name}/{path.name}", "kind": path.parent.name}
            first = extractor.detect_image(rgb)
            entry["first_pass"] = _best_hand(first)
            entry["retry"] = entry["first_pass"] or _best_hand(retry.detect_image(rgb))
            entry["retry_by"] = "first pass" if entry["first_pass"] else retry.last_attempt
            found.append(entry)
    finally:
        retry.close()
        extractor.close()
    return found


def _best_hand(track: Any) -> dict[str, Any] | None:
    if not track.present[0].any():
        return None
    slot = int(np.argmax(track.scores[0] * track.present[0]))
    return {
        "points": track.points[0, slot].astype(np.float64),
        "left": bool(track.handedness[0, slot] == LEFT),
        "aspect": track.aspect,
    }


def photos_section(photos: list[dict[str, Any]], baseline: Baseline, new: New) -> dict[str, Any]:
    section: dict[str, Any] = {"hands_found": {}, "per_photo": []}
    for kind in sorted({p["kind"] for p in photos}):
        of_kind = [p for p in photos if p["kind"] == kind]
        section["hands_found"][kind] = {
            "photos": len(of_kind),
            "first_pass": sum(p["first_pass"] is not None for p in of_kind),
            "with_retry": sum(p["retry"] is not None for p in of_kind),
        }
    verdicts: dict[str, dict[str, list[bool]]] = {}
    for photo in photos:
        hand = photo["retry"]
        if hand is None:
            continue
        hands = Hands.of(hand["points"][None], hand["aspect"], hand["left"])
        old_p = baseline.probabilities(hands)[0]
        old_top = [(str(baseline.labels[i]), round(float(old_p[i]), 3)) for i in np.argsort(-old_p)[:3]]
        answer = new.model.answers(hands)[0]
        section["per_photo"].append(
            {
                "photo": photo["photo"],
                "found_by": photo["retry_by"],
                "current_top3": old_top,
                "new_answer": answer.letter or "not sure",
                "new_top3": answer.top3,
                "new_atypical": answer.atypical,
            }
        )
        marks = verdicts.setdefault(photo["kind"], {})
        if photo["kind"] == "four":
            marks.setdefault("current_top1_B", []).append(old_top[0][0] == "B")
            marks.setdefault("current_B_in_top3", []).append("B" in [t[0] for t in old_top])
            marks.setdefault("new_top1_B", []).append(answer.top3[0][0] == "B")
            marks.setdefault("new_answer_B", []).append(answer.letter == "B")
            marks.setdefault("new_B_in_top3", []).append("B" in [t[0] for t in answer.top3])
        elif photo["kind"] == "rock":
            marks.setdefault("current_passes_no_letter (confidence < 0.5)", []).append(old_top[0][1] < LOW_CONFIDENCE)
            marks.setdefault("new_passes_no_letter (not sure)", []).append(answer.letter is None)
        else:
            marks.setdefault("current_confidence_below_0.5", []).append(old_top[0][1] < LOW_CONFIDENCE)
            marks.setdefault("new_not_sure", []).append(answer.letter is None)
    section["shares"] = {
        kind: {name: f"{sum(v)}/{len(v)}" for name, v in marks.items()} for kind, marks in verdicts.items()
    }
    return section


# --- 2-D gestures ---------------------------------------------------------------------------------------------


def load_keypoints(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(class names (N,), points (N, 21, 3) with z = 0). The points are wrist-relative pixel offsets scaled by their
    largest magnitude (kinivi's ``pre_process_landmark``): isotropic, so aspect 1."""
    names, rows = [], []
    with (folder / "keypoint.csv").open(newline="") as handle:
        for row in csv.reader(handle):
            names.append(KEYPOINT_CLASSES[int(row[0])])
            rows.append([float(v) for v in row[1:43]])
    flat = np.asarray(rows).reshape(-1, 21, 2)
    points = np.zeros((flat.shape[0], 21, 3))
    points[..., :2] = flat + 0.5
    return np.asarray(names), points


def keypoints_section(folder: Path, baseline: Baseline, new: New) -> dict[str, Any]:
    names, points = load_keypoints(folder)
    section: dict[str, Any] = {}
    for kind in KEYPOINT_CLASSES:
        rows = names == kind
        entry: dict[str, Any] = {"rows": int(rows.sum())}
        # The current classifier needs a side; a 2-D picture has none (kinivi's app mirrors the frame): both.
        for side, left in (("as left", True), ("as right", False)):
            hands = Hands.of(points[rows], 1.0, left)
            top = baseline.labels[np.argmax(baseline.probabilities(hands), axis=1)]
            entry[f"current {side}"] = {
                "in_set": round(float(np.isin(top, list(ALLOWED[kind])).mean()), 4),
                "in_broad_set": round(float(np.isin(top, list(ALLOWED_BROAD[kind])).mean()), 4),
                "most_common": Counter(top.tolist()).most_common(3),
            }
        # The new one chooses the side itself for hands without depth (palm towards the camera).
        answers = new.model.answers(Hands.of(points[rows], 1.0, True))
        top = np.array([a.top3[0][0] for a in answers])
        sure = np.array([a.sure for a in answers])
        top3_hit = np.array([any(t[0] in ALLOWED[kind] for t in a.top3) for a in answers])
        entry["new"] = {
            "in_set": round(float(np.isin(top, list(ALLOWED[kind])).mean()), 4),
            "in_broad_set": round(float(np.isin(top, list(ALLOWED_BROAD[kind])).mean()), 4),
            "set_in_top3": round(float(top3_hit.mean()), 4),
            "not_sure": round(float(1 - sure.mean()), 4),
            "sure_and_in_set": round(float((sure & np.isin(top, list(ALLOWED[kind]))).mean()), 4),
            "sure_and_outside_broad_set": round(float((sure & ~np.isin(top, list(ALLOWED_BROAD[kind]))).mean()), 4),
            "most_common": Counter(top.tolist()).most_common(3),
        }
        section[kind] = entry
    return section


# --- the scorer -----------------------------------------------------------------------------------------------


def scorer_section(
    hands: Hands, labels: np.ndarray, photos: list[dict[str, Any]] | None, seed: int, stride: int
) -> dict[str, Any]:
    from senas.ml.recognition.calibration import RULE, choose_threshold
    from senas.ml.recognition.contract import ScoreRequest
    from senas.ml.recognition.demo import (
        POSES_FILE,
        alphabet_attempt,
        alphabet_blocks,
        alphabet_scorer,
        thresholds_from_file,
    )
    from senas.ml.recognition.shape_score import (
        ShapeSequence,
        curve,
        fit_scale,
        handshape_distances,
    )

    letters_json = json.loads(POSES_FILE.read_text())["letters"]
    letters = sorted(letters_json)
    thresholds = thresholds_from_file(POSES_FILE)
    scorer, keys = alphabet_scorer(letters_json)
    from senas.ml.recognition.demo import placed

    templates = [
        ShapeSequence.of(np.repeat(placed(letters_json[name])[None], 15, axis=0), 640 / 480, ALPHABET_SIDE == LEFT)
        for name in letters
    ]
    train, held = block_split(labels)
    started = time.perf_counter()
    scale = fit_scale(hands.take(np.flatnonzero(train)), labels[train], seed=seed)
    fit_seconds = time.perf_counter() - started
    dominant = "left" if ALPHABET_SIDE == LEFT else "right"

    def old_handshape(attempt: Any, key: str) -> float:
        request = ScoreRequest(attempt=attempt, target=key, dominant_hand=dominant, candidates=keys)
        return float(scorer.score(request).components["handshape"])

    def new_scores(attempt: Any) -> np.ndarray:
        frames = np.array([frame.hands[0].landmarks for frame in attempt.frames])
        sequence = ShapeSequence.of(frames, attempt.width / attempt.height, ALPHABET_SIDE == LEFT)
        return curve(handshape_distances(sequence, templates, scale), scale.d50)

    calibration_rows, _ = alphabet_blocks(labels)
    # New thresholds by the project's own rule (calibration.RULE) on the handshape component alone, chosen on the
    # calibration rows as imitated other people would make them (never on the held-out block).
    imitated = other_people(hands.take(calibration_rows), np.random.default_rng(seed + 300))
    cal_scores = np.stack(
        [
            new_scores(alphabet_attempt(str(labels[row]), imitated.points[i], int(row))[0])
            for i, row in enumerate(calibration_rows)
        ]
    )
    cal_truth = labels[calibration_rows]
    new_thresholds = {
        name: choose_threshold(cal_scores[cal_truth == name, k], cal_scores[cal_truth != name, k], RULE).threshold
        for k, name in enumerate(letters)
    }

    rows = np.flatnonzero(held)[::stride]
    conditions = {
        "clean": hands.take(rows),
        "rotation_3d": rotate(hands.take(rows), np.random.default_rng(seed + 400)),
        "other_people": other_people(hands.take(rows), np.random.default_rng(seed + 401)),
    }
    section: dict[str, Any] = {
        "rows_per_condition": int(rows.size),
        "scale_d50": round(scale.d50, 4),
        "scale_fit_seconds": round(fit_seconds, 2),
        "new_thresholds": new_thresholds,
    }
    for name, changed in conditions.items():
        old_pass, new_pass, new_pass_own, new_nearest, new_impostor = [], [], [], [], []
        old_values, new_values = [], []
        for i, row in enumerate(rows):
            letter = str(labels[row])
            attempt, _ = alphabet_attempt(letter, changed.points[i], int(row))
            k = letters.index(letter)
            old = old_handshape(attempt, keys[k])
            values = new_scores(attempt)
            old_values.append(old)
            new_values.append(values[k])
            old_pass.append(old >= thresholds[letter])
            new_pass.append(values[k] >= thresholds[letter])
            new_pass_own.append(values[k] >= new_thresholds[letter])
            new_nearest.append(int(np.argmax(values)) == k)
            others = [j for j in range(len(letters)) if j != k]
            new_impostor.append(float(np.mean([values[j] >= new_thresholds[letters[j]] for j in others])))
        section[name] = {
            "current_handshape_median": round(float(np.median(old_values)), 1),
            "current_handshape_at_or_above_threshold": round(float(np.mean(old_pass)), 4),
            "new_handshape_median": round(float(np.median(new_values)), 1),
            "new_handshape_at_or_above_current_threshold": round(float(np.mean(new_pass)), 4),
            "new_handshape_at_or_above_new_threshold": round(float(np.mean(new_pass_own)), 4),
            "new_impostor_pass_at_new_threshold": round(float(np.mean(new_impostor)), 4),
            "new_own_letter_nearest": round(float(np.mean(new_nearest)), 4),
        }
    if photos:
        section["four_photos_against_B"] = _four_against_b(photos, scorer, keys, letters, templates, scale)
    return section


def _four_against_b(
    photos: list[dict[str, Any]], scorer: Any, keys: list[str], letters: list[str], templates: list[Any], scale: Any
) -> list[dict[str, Any]]:
    from senas.ml.landmarks.sequence import HandTrack
    from senas.ml.recognition.contract import ScoreRequest
    from senas.ml.recognition.scorer import attempt_from_track
    from senas.ml.recognition.shape_score import ShapeSequence, curve, handshape_distances, score

    out = []
    b = letters.index("B")
    for photo in photos:
        hand = photo["retry"]
        if photo["kind"] != "four" or hand is None:
            continue
        rng = np.random.default_rng(0)
        frames = np.repeat(hand["points"][None], 15, axis=0) + rng.normal(0.0, 0.002, (15, 21, 3))
        width = 1000
        track = HandTrack.from_single_hand(
            frames.astype(np.float32),
            [LEFT if hand["left"] else 1] * 15,
            fps=15.0,
            width=width,
            height=round(width / hand["aspect"]),
        )
        attempt = attempt_from_track(track)
        side = "left" if hand["left"] else "right"
        old = [
            float(
                scorer.score(ScoreRequest(attempt=attempt, target=key, dominant_hand=side, candidates=keys)).components[
                    "handshape"
                ]
            )
            for key in keys
        ]
        sequence = ShapeSequence.of(frames, hand["aspect"], hand["left"])
        new = curve(handshape_distances(sequence, templates, scale), scale.d50)
        result = score(sequence, templates[b], scale)
        turned = turn(Hands.of(frames, hand["aspect"], hand["left"]), np.radians(TURN_DEGREES), 0.0, 0.0)
        turned_result = score(ShapeSequence.of(turned.points, hand["aspect"], hand["left"]), templates[b], scale)
        out.append(
            {
                "photo": photo["photo"],
                "current_handshape_B": round(old[b], 1),
                "current_nearest_on_handshape": letters[int(np.argmax(old))],
                "new_handshape_B": result.handshape,
                "new_nearest_on_handshape": letters[int(np.argmax(new))],
                "new_orientation_B": result.orientation,
                "new_feedback_en": [f"{f.parameter}: {f.status}: {f.message_en}" for f in result.feedback],
                f"turned_{TURN_DEGREES:g}deg_new_handshape_B": turned_result.handshape,
                f"turned_{TURN_DEGREES:g}deg_new_orientation_B": turned_result.orientation,
                f"turned_{TURN_DEGREES:g}deg_feedback_en": [
                    f"{f.parameter}: {f.status}: {f.message_en}" for f in turned_result.feedback
                ],
            }
        )
    return out


# --- the command ----------------------------------------------------------------------------------------------


def evaluate(
    data: Path,
    fixtures: Path | None,
    *,
    seed: int = 7,
    scorer_stride: int = 4,
    orientation: bool = True,
    depth_dropout: float | None = None,
    scorer: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    csv_path = data / ALPHABET_CSV
    labels, points = load_alphabet(csv_path)
    hands = _hands_of_alphabet(points)
    report: dict[str, Any] = {"seed": seed}
    started = time.perf_counter()
    baseline = Baseline(csv_path)
    report["current_training_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    ranges = Ranges() if depth_dropout is None else Ranges(depth_dropout=depth_dropout)
    model = train_classifier(hands, labels, seed=seed, orientation=orientation, ranges=ranges)
    report["variant"] = {"orientation_input": orientation, "depth_dropout": ranges.depth_dropout}
    report["new_training_seconds"] = round(time.perf_counter() - started, 2)
    report["new_artefact_bytes"] = len(model.to_bytes())
    report["new_notes"] = model.notes
    new = New(model)
    fit, calibration, held = three_blocks(labels)
    report["blocks"] = {"fit": int(fit.sum()), "calibration": int(calibration.sum()), "held_out": int(held.sum())}
    log("training done")
    report["a_held_out"], report["d_calibration"] = held_out_section(hands, labels, baseline, new, seed)
    log("(a), (d) done")
    photos = None
    if fixtures is not None and fixtures.is_dir():
        photos = photo_hands(fixtures)
        report["b_photos"] = photos_section(photos, baseline, new)
        report["e_hands_found"] = report["b_photos"].pop("hands_found")
        report["e_hands_found_by"] = {p["photo"]: p["retry_by"] for p in photos if p["first_pass"] is None}
        log("(b), (e) done")
    gestures = data / "hand_gestures"
    if (gestures / "keypoint.csv").is_file():
        report["c_gestures_2d"] = keypoints_section(gestures, baseline, new)
        log("(c) done")
    if scorer:
        report["f_scorer"] = scorer_section(hands, labels, photos, seed, scorer_stride)
        log("(f) done")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with asl_alphabet_landmarks.csv")
    parser.add_argument("--fixtures", type=Path, help="folder with four/ rock/ none/ photos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scorer-stride", type=int, default=4, help="score every n-th held-out row (speed)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    # Ablations of the new classifier (the defaults are the design).
    parser.add_argument("--no-orientation", action="store_true", help="train without the orientation inputs")
    parser.add_argument("--depth-dropout", type=float, help="share of training hands with depth removed")
    parser.add_argument("--no-scorer", action="store_true", help="skip (f), the scorer prototype")
    args = parser.parse_args(argv)
    report = evaluate(
        args.data,
        args.fixtures,
        seed=args.seed,
        scorer_stride=args.scorer_stride,
        orientation=not args.no_orientation,
        depth_dropout=args.depth_dropout,
        scorer=not args.no_scorer,
        log=lambda m: print(m, file=sys.stderr),
    )
    text = json.dumps(report, indent=1, ensure_ascii=False, default=_plain)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    raise SystemExit(main())
