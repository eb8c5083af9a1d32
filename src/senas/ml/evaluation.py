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
(f) the practice scorer's handshape component, current (``Scorer``) against the prototype (``shape_score``: a
    metric learned on the fit block and imitations of it, per-sign thresholds by ``calibration.RULE`` on the
    calibration block): held-out letters as attempts against the demo templates per condition (clean, each
    transform, imitated other people, all pooled) — genuine and impostor pass rates at the per-sign thresholds —,
    letters told apart only by orientation, feedback checks (no advice for a finger within tolerance; a turned
    hand keeps its handshape and is told how to turn), the ``four`` photos against B and every letter, the
    ``rock`` photos against every letter.

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
from senas.ml.recognition.augment import DEFAULT, TRANSFORMS, Hands, Ranges, other_people, turn

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
    from senas.ml.registry.hand_model import bundled_hand_model

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


SCORER_CONDITIONS = ("clean", "rotation_3d", "bone_lengths", "joint_bends", "depth_dropout", "other_people")
# Pairs told apart by orientation alone: how the orientation component scores one made for the other.
ORIENTATION_TWINS = (("U", "H"), ("H", "U"), ("K", "P"), ("P", "K"), ("G", "Q"), ("Q", "G"))


def scorer_section(
    hands: Hands,
    labels: np.ndarray,
    photos: list[dict[str, Any]] | None,
    seed: int,
    stride: int,
    gestures: Path | None = None,
) -> dict[str, Any]:
    """(f): the current scorer's handshape component against the prototype's learned metric with per-sign
    thresholds. Blocks per letter as the classifier's (``three_blocks``): the metric is fitted on the fit block
    (70 %) and imitations of it, the thresholds are chosen (``calibration.RULE``) on the calibration block (the
    next 10 %: its rows and ``THRESHOLD_COPIES`` imitations each), and everything reported is on the held-out
    block (the last 20 %, every ``stride``-th row) — once clean and once per condition, each a fresh draw."""
    from senas.ml.recognition.scoring_api import ScoreRequest
    from senas.ml.recognition.demo import POSES_FILE, alphabet_attempt, alphabet_scorer, placed, thresholds_from_file
    from senas.ml.recognition.shape_score import (
        ShapeSequence,
        calibrate,
        fit_scale,
        imitated,
        same_handshape,
        score_matrix,
    )

    letters_json = json.loads(POSES_FILE.read_text())["letters"]
    letters = sorted(letters_json)
    current_thresholds = thresholds_from_file(POSES_FILE)
    scorer, keys = alphabet_scorer(letters_json)
    templates = [
        ShapeSequence.of(np.repeat(placed(letters_json[name])[None], 15, axis=0), 640 / 480, ALPHABET_SIDE == LEFT)
        for name in letters
    ]
    fit, calibration, held = three_blocks(labels)
    started = time.perf_counter()
    scale = fit_scale(hands.take(np.flatnonzero(fit)), labels[fit], seed=seed)
    fit_seconds = time.perf_counter() - started
    assert scale.flat is not None
    cal_hands, cal_truth = imitated(
        hands.take(np.flatnonzero(calibration)), labels[calibration], THRESHOLD_COPIES, seed + 300, DEFAULT
    )
    cal_scores = score_matrix(cal_hands, templates, scale, seed=seed + 301)
    chosen = calibrate(cal_scores, cal_truth, letters)
    thresholds = np.array([chosen[name].threshold for name in letters])
    dominant = "left" if ALPHABET_SIDE == LEFT else "right"

    def old_handshape(row: int, points: np.ndarray) -> float:
        attempt, _ = alphabet_attempt(str(labels[row]), points, row)
        target = keys[letters.index(str(labels[row]))]
        request = ScoreRequest(attempt=attempt, target=target, dominant_hand=dominant, candidates=keys)
        return float(scorer.score(request).components["handshape"])

    rows = np.flatnonzero(held)[::stride]
    truth = labels[rows]
    own = np.searchsorted(letters, truth)
    impostor = np.array([[not same_handshape(name, str(t)) for name in letters] for t in truth])
    base = hands.take(rows)
    conditions: dict[str, Hands] = {"clean": base}
    for number, name in enumerate(SCORER_CONDITIONS[1:-1]):
        conditions[name] = TRANSFORMS[name](base, np.random.default_rng(seed + 400 + number), DEFAULT)
    conditions["other_people"] = other_people(base, np.random.default_rng(seed + 401))
    section: dict[str, Any] = {
        "rows_per_condition": int(rows.size),
        "metric": {
            "d50": round(scale.d50, 4),
            "d50_without_depth": round(scale.flat.d50, 4),
            "fit_seconds": round(fit_seconds, 2),
            "fit_rows": int(fit.sum()),
            "calibration_attempts": int(cal_truth.size),
        },
        "thresholds": {name: chosen[name].threshold for name in letters},
        "thresholds_flagged": {name: chosen[name].note for name in letters if chosen[name].note},
        "thresholds_impostor_rate_on_calibration": {name: chosen[name].impostor_pass_rate for name in letters},
    }
    pooled_genuine, pooled_impostor = [], []
    per_condition: dict[str, Any] = {}
    for number, (name, changed) in enumerate(conditions.items()):
        scores = score_matrix(changed, templates, scale, seed=seed + 500 + number)
        genuine = scores[np.arange(rows.size), own]
        passes = genuine >= thresholds[own]
        impostor_passes = (scores >= thresholds[None])[impostor]
        pooled_genuine.append(passes)
        pooled_impostor.append(impostor_passes)
        entry: dict[str, Any] = {
            "new_handshape_median": round(float(np.median(genuine)), 1),
            "new_genuine_pass": round(float(passes.mean()), 4),
            "new_impostor_pass": round(float(impostor_passes.mean()), 4),
            "new_own_letter_nearest": round(float((np.argmax(scores, axis=1) == own).mean()), 4),
            "new_worst_letters": _worst_letters(genuine >= thresholds[own], truth),
        }
        if name in ("clean", "rotation_3d", "other_people"):
            old = np.array([old_handshape(int(row), changed.points[i]) for i, row in enumerate(rows)])
            entry["current_handshape_median"] = round(float(np.median(old)), 1)
            entry["current_pass_at_current_thresholds"] = round(
                float(np.mean([value >= current_thresholds[str(t)] for value, t in zip(old, truth, strict=True)])), 4
            )
        per_condition[name] = entry
    per_condition["all (pooled)"] = {
        "new_genuine_pass": round(float(np.concatenate(pooled_genuine).mean()), 4),
        "new_impostor_pass": round(float(np.concatenate(pooled_impostor).mean()), 4),
    }
    section["conditions"] = per_condition
    if gestures is not None and (gestures / "keypoint.csv").is_file():
        section["gestures_2d_nearest_template"] = _gestures_nearest(gestures, templates, scale, letters)
    section["orientation_twins"] = _orientation_twins(hands, labels, rows, templates, scale, letters)
    section["feedback_checks"] = _feedback_checks(conditions, rows, labels, templates, scale, letters)
    if photos:
        section["photos"] = _photos_against_letters(photos, scorer, keys, letters, templates, scale, thresholds)
    return section


THRESHOLD_COPIES = 3


def _worst_letters(passes: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    rates = {str(t): float(passes[truth == t].mean()) for t in sorted(set(truth.tolist()))}
    return {name: round(rate, 2) for name, rate in sorted(rates.items(), key=lambda kv: kv[1])[:3]}


def _gestures_nearest(folder: Path, templates: list[Any], scale: Any, letters: list[str]) -> dict[str, Any]:
    """The 2-D gestures against the letters' templates on the scorer's branch for hands without depth (the labels
    only to count, never to fit): the share of each class whose nearest template is in its allowed set."""
    from senas.ml.recognition.handframe import describe

    names, points = load_keypoints(folder)
    shape, _, _ = describe(points, 1.0, True)
    flat = scale.branch(False)
    template_shapes = np.stack([t.compared_shape(False).mean(axis=0) for t in templates])
    distances = np.linalg.norm(flat.embed(shape)[:, None] - flat.embed(template_shapes)[None], axis=2)
    nearest = np.asarray(letters)[np.argmin(distances, axis=1)]
    return {
        kind: {
            "in_set": round(float(np.isin(nearest[names == kind], list(ALLOWED[kind])).mean()), 4),
            "in_broad_set": round(float(np.isin(nearest[names == kind], list(ALLOWED_BROAD[kind])).mean()), 4),
            "most_common": Counter(nearest[names == kind].tolist()).most_common(3),
        }
        for kind in KEYPOINT_CLASSES
    }


def _orientation_twins(
    hands: Hands, labels: np.ndarray, rows: np.ndarray, templates: list[Any], scale: Any, letters: list[str]
) -> dict[str, Any]:
    """Held-out attempts of one letter against the template of its orientation twin: handshape and orientation."""
    from senas.ml.recognition.shape_score import ShapeSequence, score

    out: dict[str, Any] = {}
    for made, target in ORIENTATION_TWINS:
        mine = rows[labels[rows] == made]
        results = [
            score(
                ShapeSequence.of(
                    np.repeat(hands.points[row][None], 15, axis=0), ALPHABET_ASPECT, ALPHABET_SIDE == LEFT
                ),
                templates[letters.index(target)],
                scale,
            )
            for row in mine
        ]
        out[f"{made} made for {target}"] = {
            "handshape_median": round(float(np.median([r.handshape for r in results])), 1),
            "orientation_median": round(float(np.median([r.orientation for r in results])), 1),
            "orientation_feedback": Counter(r.feedback[1].message_en for r in results).most_common(2),
        }
    return out


def _feedback_checks(
    conditions: dict[str, Hands],
    rows: np.ndarray,
    labels: np.ndarray,
    templates: list[Any],
    scale: Any,
    letters: list[str],
) -> dict[str, Any]:
    """Genuine attempts against their own letter: how often the handshape feedback is "ok", how often a finger
    within tolerance is advised (must be never), and — those with depth turned 60° about the vertical — whether the
    handshape score stays the same while orientation says what to turn."""
    from senas.ml.recognition.shape_score import (
        FINGER_TOLERANCE,
        FINGER_WORDS,
        ShapeSequence,
        score,
    )

    out: dict[str, Any] = {}
    for name in ("clean", "other_people"):
        changed = conditions[name]
        ok, within_advised, advised, same_after_turn, turned_told, with_depth = 0, 0, 0, 0, 0, 0
        for i, row in enumerate(rows):
            frames = np.repeat(changed.points[i][None], 15, axis=0)
            sequence = ShapeSequence.of(frames, float(changed.aspect[i]), bool(changed.left[i]))
            template = templates[letters.index(str(labels[row]))]
            result = score(sequence, template, scale)
            shape_advice = result.feedback[0]
            ok += shape_advice.status == "ok"
            branch = scale.branch(sequence.has_depth)
            attempt_mean = sequence.shape.mean(axis=0)
            template_mean = template.compared_shape(sequence.has_depth).mean(axis=0)
            for number, finger in enumerate(("index", "middle", "ring", "little")):
                es = FINGER_WORDS[finger][0]
                if shape_advice.message_es not in (f"Dobla {es}.", f"Estira {es}."):
                    continue
                advised += 1
                columns = slice(4 + 3 * number, 7 + 3 * number)
                off = np.abs(attempt_mean[columns] - template_mean[columns]) / branch.tolerance[columns]
                within_advised += bool(off.max() <= FINGER_TOLERANCE)
            if not sequence.has_depth:
                continue  # turning a picture without depth makes no sense
            with_depth += 1
            turned = turn(
                Hands.of(frames, float(changed.aspect[i]), bool(changed.left[i])), np.radians(TURN_DEGREES), 0.0, 0.0
            )
            turned_result = score(
                ShapeSequence.of(turned.points, float(changed.aspect[i]), bool(changed.left[i])), template, scale
            )
            same_after_turn += abs(turned_result.handshape - result.handshape) <= 1.0
            turned_told += turned_result.feedback[1].status != "ok" and (
                "palm" in turned_result.feedback[1].message_en or "fingers" in turned_result.feedback[1].message_en
            )
        out[name] = {
            "attempts": int(rows.size),
            "handshape_feedback_ok": round(ok / rows.size, 4),
            "finger_advice_given": advised,
            "finger_advice_for_a_finger_within_tolerance": within_advised,
            "attempts_with_depth": with_depth,
            f"turned_{TURN_DEGREES:g}deg_handshape_within_1_point": round(same_after_turn / max(with_depth, 1), 4),
            f"turned_{TURN_DEGREES:g}deg_told_how_to_turn": round(turned_told / max(with_depth, 1), 4),
        }
    return out


# A device's tracking noise (``demo.ATTEMPT_JITTER``, frame units, measured for the alphabet's hands) scales with the
# hand's size in the picture: the hand model regresses landmarks inside a crop of the hand.
ALPHABET_PALM = 0.194  # median palm size of the alphabet rows (frame heights, ``handframe.palm_frame``)


def _palm(hand: dict[str, Any]) -> float:
    from senas.ml.recognition.handframe import camera_points, palm_frame

    return float(palm_frame(camera_points(hand["points"][None], hand["aspect"], hand["left"])).size[0])


def _photos_against_letters(
    photos: list[dict[str, Any]],
    scorer: Any,
    keys: list[str],
    letters: list[str],
    templates: list[Any],
    scale: Any,
    thresholds: np.ndarray,
) -> dict[str, Any]:
    """The ``four`` photos against B and every letter (is B nearest? which letters do they pass?), the ``rock``
    photos against every letter (they should pass none), and a ``four`` photo turned 60°: feedback."""
    from senas.ml.landmarks.sequence import HandTrack
    from senas.ml.recognition.scoring_api import ScoreRequest
    from senas.ml.recognition.demo import ATTEMPT_JITTER
    from senas.ml.recognition.scorer import attempt_from_track
    from senas.ml.recognition.shape_score import ShapeSequence, handshape_scores, score

    per_photo = []
    b = letters.index("B")
    for photo in photos:
        hand = photo["retry"]
        if photo["kind"] not in ("four", "rock") or hand is None:
            continue
        frames = np.repeat(hand["points"][None], 15, axis=0) + np.random.default_rng(0).normal(
            0.0, ATTEMPT_JITTER * _palm(hand) / ALPHABET_PALM, (15, 21, 3)
        )
        sequence = ShapeSequence.of(frames, hand["aspect"], hand["left"])
        new = handshape_scores(sequence, templates, scale)
        # The previous phase's attempt: 0.002 of the frame whatever the hand's size (3–7× the alphabet's relative
        # noise on these small hands).
        fixed = np.repeat(hand["points"][None], 15, axis=0) + np.random.default_rng(0).normal(0.0, 0.002, (15, 21, 3))
        fixed_scores = handshape_scores(ShapeSequence.of(fixed, hand["aspect"], hand["left"]), templates, scale)
        entry: dict[str, Any] = {
            "photo": photo["photo"],
            "found_by": photo["retry_by"],
            "new_nearest_on_handshape": letters[int(np.argmax(new))],
            "new_best_score": round(float(new.max()), 1),
            "new_letters_passed": [letters[k] for k in np.flatnonzero(new >= thresholds)],
        }
        if photo["kind"] == "four":
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
                    scorer.score(
                        ScoreRequest(attempt=attempt, target=key, dominant_hand=side, candidates=keys)
                    ).components["handshape"]
                )
                for key in keys
            ]
            result = score(sequence, templates[b], scale)
            turned = turn(Hands.of(frames, hand["aspect"], hand["left"]), np.radians(TURN_DEGREES), 0.0, 0.0)
            turned_result = score(ShapeSequence.of(turned.points, hand["aspect"], hand["left"]), templates[b], scale)
            entry |= {
                "current_handshape_B": round(old[b], 1),
                "current_nearest_on_handshape": letters[int(np.argmax(old))],
                "new_handshape_B": result.handshape,
                "new_handshape_B_with_frame_jitter": round(float(fixed_scores[b]), 1),
                "new_passes_B": bool(result.handshape >= thresholds[b]),
                "new_orientation_B": result.orientation,
                "new_feedback_en": [f"{f.parameter}: {f.status}: {f.message_en}" for f in result.feedback],
                f"turned_{TURN_DEGREES:g}deg_feedback_en": [
                    f"{f.parameter}: {f.status} ({f.score:g}): {f.message_en}" for f in turned_result.feedback
                ],
            }
        per_photo.append(entry)
    four = [p for p in per_photo if p["photo"].startswith("four")]
    rock = [p for p in per_photo if p["photo"].startswith("rock")]
    return {
        "summary": {
            "four_B_nearest": f"{sum(p['new_nearest_on_handshape'] == 'B' for p in four)}/{len(four)}",
            "four_pass_B": f"{sum(p['new_passes_B'] for p in four)}/{len(four)}",
            "four_pass_a_letter_other_than_B": f"{sum(bool(set(p['new_letters_passed']) - {'B'}) for p in four)}"
            f"/{len(four)}",
            "rock_pass_no_letter": f"{sum(not p['new_letters_passed'] for p in rock)}/{len(rock)}",
            "rock_letters_passed": Counter(x for p in rock for x in p["new_letters_passed"]).most_common(),
        },
        "per_photo": per_photo,
    }


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
        report["f_scorer"] = scorer_section(hands, labels, photos, seed, scorer_stride, gestures)
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
