"""Cross-condition figures of the recognition that ships, before and after (issue 13) — one command anyone can run:

    senas ml evaluate --data ../shared/datasets --fixtures ../shared/fixtures/hands [--json report.json]

(also ``python -m senas.ml.evaluation`` with the same options). The data are read in place, never copied.

"After" is what ships: the packaged fingerspelling classifier and handshape metric (``senas/ml/artefacts``; with
``--retrain`` they are built again from the data with ``--seed`` instead) and the real scorer (``Scorer``) with the
demo letters' thresholds of ``alphabet_poses.json``. "Before" is the previous release (``baseline``: the classifier
on canonical coordinates, trained here with the same seed; the ``dtw-2`` handshape component).

(a) same-signer held-out accuracy (the last 20 % of each letter's rows, never used to fit or calibrate) clean and
    under each transform of ``augment`` separately, and all at once ("other people");
(b) the fixture photos of other people: ``four`` → B (the ASL letter closest to 4), ``rock`` → no letter ("not
    sure"), ``none`` → how often "not sure";
(c) ``hand_gestures/keypoint.csv`` (other recordings, 2-D): per class the share landing in its allowed set
    (Open → B, Close → A/S/E, Pointer → D, OK → F), "not sure" counted separately;
(d) calibration: expected calibration error on the held-out rows, clean and imitated;
(e) hands found on the photos by the first look and with the retry (``landmarks.retry``);
(f) the practice scorer: held-out letters as attempts against every letter's template under each condition —
    handshape, orientation, pass rates at the shipped thresholds —, letters told apart by orientation alone,
    feedback checks (no advice for a finger within tolerance; a turned hand keeps its handshape and is told how to
    turn), the ``four`` and ``rock`` photos as practice attempts;
(g) handedness: a correct, a mirrored and a missing ``handedness`` label on held-out attempts and on the photos.

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

from senas.ml.baseline import CanonicalClassifier
from senas.ml.baseline import handshape_scores as old_handshape_scores
from senas.ml.baseline import shape_vectors as old_shape_vectors
from senas.ml.fingerspelling.model import HandshapeClassifier, expected_calibration_error, three_blocks
from senas.ml.landmarks.sequence import LEFT
from senas.ml.recognition.augment import DEFAULT, TRANSFORMS, Hands, other_people, turn
from senas.ml.recognition.handshape_metric import HandshapeMetric
from senas.ml.training import Alphabet, read_alphabet

KEYPOINT_CLASSES = ("Open", "Close", "Pointer", "OK")
# The letter(s) whose handshape each gesture is (the sets), and a broader reading reported beside it: a
# fist is also T/M/N (the thumb tucked elsewhere); a raised index is also Z (drawn with the 1 handshape) and G
# (the same shape pointing sideways).
ALLOWED = {"Open": "B", "Close": "ASE", "Pointer": "D", "OK": "F"}
ALLOWED_BROAD = {"Open": "B", "Close": "ASEMNT", "Pointer": "DZG", "OK": "F"}
LOW_CONFIDENCE = 0.5
# The "turned" practice attempt: the hand turned this far about the vertical axis (palm towards the side).
TURN_DEGREES = 60.0
CONDITIONS = ("clean", *TRANSFORMS, "other_people")
# Pairs told apart by orientation alone.
ORIENTATION_TWINS = (("U", "H"), ("H", "U"), ("K", "P"), ("P", "K"), ("G", "Q"), ("Q", "G"))


def _share(values: np.ndarray | list[bool]) -> float:
    array = np.asarray(values, bool)
    return round(float(array.mean()), 4) if array.size else 0.0


def _conditions(hands: Hands, seed: int) -> dict[str, Hands]:
    """The held-out hands as they are, under each transform alone (one fresh draw each), and all at once."""
    out: dict[str, Hands] = {"clean": hands}
    for number, (name, transform) in enumerate(TRANSFORMS.items()):
        out[name] = transform(hands, np.random.default_rng(seed + 100 + number), DEFAULT)
    out["other_people"] = other_people(hands, np.random.default_rng(seed + 200))
    return out


# --- (a), (d): the classifier on held-out rows ------------------------------------------------------------------


def _accuracy(probabilities: np.ndarray, labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    order = np.argsort(-probabilities, axis=1)
    target = np.searchsorted(labels, truth)
    return {
        "top1": round(float((order[:, 0] == target).mean()), 4),
        "top3": round(float((order[:, :3] == target[:, None]).any(axis=1).mean()), 4),
    }


def held_out_section(
    alphabet: Alphabet, model: HandshapeClassifier, baseline: CanonicalClassifier, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    *_, held = three_blocks(alphabet.labels)
    rows = np.flatnonzero(held)
    truth = alphabet.labels[rows]
    section: dict[str, Any] = {"rows": int(rows.size)}
    calibration: dict[str, Any] = {"temperature": round(model.temperature, 4)}
    for name, changed in _conditions(alphabet.hands.take(rows), seed).items():
        old = baseline.probabilities(changed)
        new = model.probabilities(model.features(changed))
        answers = model.answers(changed)
        sure = np.array([a.sure for a in answers])
        right = np.array([a.letter == t for a, t in zip(answers, truth, strict=True)])
        section[name] = {
            "before": _accuracy(old, baseline.labels, truth),
            "after": _accuracy(new, model.labels, truth)
            | {"not_sure": _share(~sure), "accuracy_when_sure": _share(right[sure])},
        }
        if name in ("clean", "other_people"):
            calibration[name] = {
                "before_ece": round(expected_calibration_error(old, np.searchsorted(baseline.labels, truth)), 4),
                "after_ece_without_temperature": round(
                    expected_calibration_error(
                        model.probabilities(model.features(changed), calibrated=False),
                        np.searchsorted(model.labels, truth),
                    ),
                    4,
                ),
                "after_ece": round(expected_calibration_error(new, np.searchsorted(model.labels, truth)), 4),
                "before_mean_confidence": round(float(old.max(axis=1).mean()), 4),
                "after_mean_confidence": round(float(new.max(axis=1).mean()), 4),
                "after_accuracy": _accuracy(new, model.labels, truth)["top1"],
            }
    return section, calibration


# --- (b), (e): the photos ---------------------------------------------------------------------------------------


def photo_hands(fixtures: Path) -> list[dict[str, Any]]:
    """Every fixture photo with the best hand of the first look and of the retry (None where none was found)."""
    from senas.ml.landmarks.extractor import HandExtractor
    from senas.ml.landmarks.photo import decode_photo
    from senas.ml.landmarks.retry import RetryingDetector
    from senas.ml.registry.hand_model import bundled_hand_model

    extractor = HandExtractor(bundled_hand_model().read_bytes())
    retry = RetryingDetector(extractor)
    found = []
    try:
        for path in sorted(fixtures.glob("*/*.jpg")):
            rgb = decode_photo(path.read_bytes())
            entry: dict[str, Any] = {"photo": f"{path.parent.name}/{path.name}", "kind": path.parent.name}
            entry["first_pass"] = _best_hand(extractor.detect_image(rgb))
            track, found_by = retry.detect_image_with_pass(rgb)
            entry["retry"] = _best_hand(track)
            entry["found_by"] = found_by
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


def hands_found_section(photos: list[dict[str, Any]]) -> dict[str, Any]:
    section: dict[str, Any] = {}
    for kind in sorted({p["kind"] for p in photos}):
        of_kind = [p for p in photos if p["kind"] == kind]
        section[kind] = {
            "photos": len(of_kind),
            "before (first look)": sum(p["first_pass"] is not None for p in of_kind),
            "after (with the retry)": sum(p["retry"] is not None for p in of_kind),
        }
    section["found_by_the_retry"] = {p["photo"]: p["found_by"] for p in photos if p["first_pass"] is None}
    return section


def photos_section(
    photos: list[dict[str, Any]], model: HandshapeClassifier, baseline: CanonicalClassifier
) -> dict[str, Any]:
    per_photo = []
    verdicts: dict[str, dict[str, list[bool]]] = {}
    for photo in photos:
        hand = photo["retry"]
        if hand is None:
            continue
        hands = Hands.of(hand["points"][None], hand["aspect"], hand["left"])
        old = baseline.probabilities(hands)[0]
        old_top = [(str(baseline.labels[i]), round(float(old[i]), 3)) for i in np.argsort(-old)[:3]]
        answer = model.answers(hands)[0]
        per_photo.append(
            {
                "photo": photo["photo"],
                "found_by": photo["found_by"],
                "before_top3": old_top,
                "after_answer": answer.letter or "not sure",
                "after_top3": answer.top3,
                "after_not_sure_reason": answer.not_sure_because,
            }
        )
        marks = verdicts.setdefault(photo["kind"], {})
        if photo["kind"] == "four":
            marks.setdefault("before: top letter B", []).append(old_top[0][0] == "B")
            marks.setdefault("before: B in top 3", []).append("B" in [t[0] for t in old_top])
            marks.setdefault("after: answer B (sure)", []).append(answer.letter == "B")
            marks.setdefault("after: B in top 3", []).append("B" in [t[0] for t in answer.top3])
            marks.setdefault("after: a wrong letter, sure", []).append(answer.letter not in (None, "B"))
        elif photo["kind"] == "rock":
            marks.setdefault("before: no letter (confidence < 0.5)", []).append(old_top[0][1] < LOW_CONFIDENCE)
            marks.setdefault("after: no letter (not sure)", []).append(answer.letter is None)
        else:
            marks.setdefault("before: confidence < 0.5", []).append(old_top[0][1] < LOW_CONFIDENCE)
            marks.setdefault("after: not sure", []).append(answer.letter is None)
    return {
        "shares": {kind: {n: f"{sum(v)}/{len(v)}" for n, v in marks.items()} for kind, marks in verdicts.items()},
        "per_photo": per_photo,
    }


# --- (c): 2-D gestures ------------------------------------------------------------------------------------------


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


def gestures_section(folder: Path, model: HandshapeClassifier, baseline: CanonicalClassifier) -> dict[str, Any]:
    names, points = load_keypoints(folder)
    section: dict[str, Any] = {}
    for kind in KEYPOINT_CLASSES:
        rows = names == kind
        allowed, broad = list(ALLOWED[kind]), list(ALLOWED_BROAD[kind])
        entry: dict[str, Any] = {"rows": int(rows.sum()), "allowed": ALLOWED[kind]}
        # The previous classifier needs a side; a 2-D picture has none (kinivi's app mirrors the frame): the better.
        before = []
        for left in (True, False):
            top = baseline.labels[np.argmax(baseline.probabilities(Hands.of(points[rows], 1.0, left)), axis=1)]
            before.append((_share(np.isin(top, allowed)), left, top))
        share, left, top = max(before, key=lambda item: item[0])
        entry["before"] = {
            "in_set": share,
            "side_assumed": "left" if left else "right",
            "most_common": Counter(top.tolist()).most_common(3),
        }
        # The new one chooses the side itself for hands without depth (palm towards the camera).
        answers = model.answers(Hands.of(points[rows], 1.0, True))
        top = np.array([a.top3[0][0] for a in answers])
        sure = np.array([a.sure for a in answers])
        entry["after"] = {
            "sure_and_in_set": _share(sure & np.isin(top, allowed)),
            "not_sure": _share(~sure),
            "sure_and_wrong": _share(sure & ~np.isin(top, allowed)),
            "sure_and_outside_broad_set": _share(sure & ~np.isin(top, broad)),
            "top_letter_in_set (sure or not)": _share(np.isin(top, allowed)),
            "set_in_top3": _share([any(t[0] in allowed for t in a.top3) for a in answers]),
            "most_common": Counter(top.tolist()).most_common(3),
        }
        section[kind] = entry
    return section


# --- (f): the practice scorer -----------------------------------------------------------------------------------


class Letters:
    """The demo letters' templates, as the real scorer and as the baseline saw them, and their thresholds."""

    def __init__(self, metric: HandshapeMetric) -> None:
        from senas.demo.derive import load_poses
        from senas.ml.datasets import ALPHABET_ASPECT, ALPHABET_SIDE
        from senas.ml.recognition.demo import POSES_FILE, alphabet_scorer, placed, thresholds_from_file
        from senas.ml.recognition.shape_score import ShapeSequence

        poses = load_poses()
        self.names = sorted(poses)
        stored = thresholds_from_file(POSES_FILE)
        self.scorer, self.keys = alphabet_scorer(poses, metric, stored)
        self.thresholds = np.array([entry.pass_threshold for entry in self.scorer.bank.entries])
        self.metric = metric
        still = [np.repeat(placed(poses[name])[None], 15, axis=0) for name in self.names]
        self.sequences = [ShapeSequence.of(p, ALPHABET_ASPECT, ALPHABET_SIDE == LEFT) for p in still]
        self.old = np.stack([old_shape_vectors(p, ALPHABET_SIDE == LEFT, ALPHABET_ASPECT) for p in still])

    def attempt(self, letter: str, points: np.ndarray, left: bool, aspect: float, seed: int) -> tuple[Any, str]:
        from senas.ml.recognition.demo import alphabet_attempt

        return alphabet_attempt(letter, points, seed, left=left, aspect=aspect)

    def score_all(self, attempt: Any, dominant: str, own: int) -> tuple[np.ndarray, Any]:
        """Whether the attempt passes for each letter (the scorer's pass rule: score and handshape gate), and the
        full response for letter ``own`` (two requests: the contract's top-k is at most 20)."""
        from senas.ml.recognition.scorer import passes
        from senas.ml.recognition.scoring_api import ScoreRequest

        half = (len(self.keys) + 1) // 2
        passed = np.zeros(len(self.keys), bool)
        own_response = None
        for chunk in (self.keys[:half], self.keys[half:]):
            target = self.keys[own] if self.keys[own] in chunk else chunk[0]
            response = self.scorer.score(
                ScoreRequest(attempt=attempt, target=target, candidates=chunk, top_k=len(chunk), dominant_hand=dominant)
            )
            for neighbour in response.nearest:
                k = self.keys.index(neighbour.sign_key)
                passed[k] = passes(neighbour.score, neighbour.handshape or 0.0, float(self.thresholds[k]))
            passed[self.keys.index(target)] = response.passed
            if target == self.keys[own]:
                own_response = response
        return passed, own_response

    def handshape_all(self, frames: np.ndarray, left: bool, aspect: float) -> np.ndarray:
        from senas.ml.recognition.shape_score import ShapeSequence, handshape_scores

        return handshape_scores(ShapeSequence.of(frames, aspect, left), self.sequences, self.metric)


def _frames(points: np.ndarray, left: bool, aspect: float, seed: int) -> np.ndarray:
    """A hand held still for 15 frames as a device sends it (``demo.alphabet_attempt``'s jitter)."""
    from senas.ml.recognition.demo import ALPHABET_PALM, ATTEMPT_JITTER
    from senas.ml.recognition.handframe import camera_points, palm_frame

    palm = float(palm_frame(camera_points(points[None], aspect, left)).size[0])
    frames = np.repeat(points[None], 15, axis=0) + np.random.default_rng(seed).normal(
        0.0, ATTEMPT_JITTER * palm / ALPHABET_PALM, (15, 21, 3)
    )
    if not (points[:, 2] != points[0, 2]).any():
        frames[..., 2] = points[None, :, 2]
    return frames


def _worst(passes: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    rates = {str(t): float(passes[truth == t].mean()) for t in sorted(set(truth.tolist()))}
    return {name: round(rate, 2) for name, rate in sorted(rates.items(), key=lambda kv: kv[1])[:3]}


def scorer_section(
    alphabet: Alphabet, letters: Letters, photos: list[dict[str, Any]] | None, seed: int, stride: int
) -> dict[str, Any]:
    *_, held = three_blocks(alphabet.labels)
    rows = np.flatnonzero(held)[::stride]
    truth = alphabet.labels[rows]
    own = np.searchsorted(letters.names, truth)
    section: dict[str, Any] = {
        "attempts_per_condition": int(rows.size),
        "thresholds": dict(zip(letters.names, letters.thresholds.tolist(), strict=True)),
    }
    conditions = _conditions(alphabet.hands.take(rows), seed + 300)
    per_condition: dict[str, Any] = {}
    for name, changed in conditions.items():
        passing, handshape, orientation, nearest_shape, old_shape, old_nearest = [], [], [], [], [], []
        for i in range(len(changed)):
            left, aspect = bool(changed.left[i]), float(changed.aspect[i])
            attempt, dominant = letters.attempt(str(truth[i]), changed.points[i], left, aspect, seed + i)
            row_passes, response = letters.score_all(attempt, dominant, int(own[i]))
            passing.append(row_passes)
            handshape.append(response.components["handshape"])
            orientation.append(response.components["orientation"])
            frames = _frames(changed.points[i], left, aspect, seed + i)
            nearest_shape.append(int(np.argmax(letters.handshape_all(frames, left, aspect))) == own[i])
            old = old_handshape_scores(old_shape_vectors(frames, left, aspect), letters.old)
            old_shape.append(float(old[own[i]]))
            old_nearest.append(int(np.argmax(old)) == own[i])
        passes = np.asarray(passing)
        genuine = passes[np.arange(rows.size), own]
        impostor_mask = np.ones_like(passes, bool)
        impostor_mask[np.arange(rows.size), own] = False
        impostor = passes[impostor_mask]
        shape = np.asarray(handshape)
        per_condition[name] = {
            "before_handshape_median": round(float(np.median(old_shape)), 1),
            "before_own_letter_nearest_on_handshape": _share(old_nearest),
            "after_handshape_median": round(float(np.median(shape)), 1),
            "after_handshape_at_or_above_threshold": _share(shape >= letters.thresholds[own]),
            "after_orientation_median": round(float(np.median(orientation)), 1),
            "after_own_letter_nearest_on_handshape": _share(nearest_shape),
            "after_genuine_pass": _share(genuine),
            "after_impostor_pass": _share(impostor),
            "after_worst_letters": _worst(genuine, truth),
        }
    section["conditions"] = per_condition
    section["orientation_twins"] = _orientation_twins(alphabet, letters, rows, seed)
    section["feedback_checks"] = _feedback_checks(conditions, truth, letters, seed)
    if photos:
        section["photos"] = _photos_against_letters(photos, letters)
    return section


def _orientation_twins(alphabet: Alphabet, letters: Letters, rows: np.ndarray, seed: int) -> dict[str, Any]:
    """Held-out attempts of one letter against the template of its orientation twin (same handshape, pointing
    elsewhere): handshape, orientation, and how often it passes for the twin."""
    out: dict[str, Any] = {}
    for made, target in ORIENTATION_TWINS:
        mine = rows[alphabet.labels[rows] == made]
        results = []
        for row in mine:
            attempt, dominant = letters.attempt(
                made,
                alphabet.hands.points[row],
                bool(alphabet.hands.left[row]),
                float(alphabet.hands.aspect[row]),
                seed,
            )
            _, response = letters.score_all(attempt, dominant, letters.names.index(target))
            results.append(response)
        feedback = [next(f for f in r.feedback if f.parameter == "orientation") for r in results]
        out[f"{made} made for {target}"] = {
            "handshape_median": round(float(np.median([r.components["handshape"] for r in results])), 1),
            "orientation_median": round(float(np.median([r.components["orientation"] for r in results])), 1),
            "passes_as_the_twin": _share([r.passed for r in results]),
            "orientation_feedback": Counter(f.message_en for f in feedback).most_common(2),
        }
    return out


def _feedback_checks(conditions: dict[str, Hands], truth: np.ndarray, letters: Letters, seed: int) -> dict[str, Any]:
    """Genuine attempts against their own letter: how often the handshape feedback is "ok", how often a finger
    within tolerance is advised (must be never), and — those with depth turned 60° about the vertical — whether the
    handshape score stays the same while the orientation feedback says what to turn."""
    from senas.ml.recognition.feedback import FINGER_TOLERANCE, FINGER_WORDS
    from senas.ml.recognition.shape_score import ShapeSequence, score

    out: dict[str, Any] = {}
    for name in ("clean", "other_people"):
        changed = conditions[name]
        ok = advised = within_advised = same_after_turn = turned_told = with_depth = 0
        for i in range(len(changed)):
            left, aspect = bool(changed.left[i]), float(changed.aspect[i])
            own = letters.names.index(str(truth[i]))
            frames = _frames(changed.points[i], left, aspect, seed + i)
            sequence = ShapeSequence.of(frames, aspect, left)
            template = letters.sequences[own]
            result = score(sequence, template, letters.metric)
            advice = result.feedback[0]
            ok += advice.status == "ok"
            branch = letters.metric.branch(sequence.has_depth)
            attempt_mean = sequence.shape.mean(axis=0)
            template_mean = template.compared_shape(sequence.has_depth).mean(axis=0)
            for number, finger in enumerate(("index", "middle", "ring", "little")):
                es = FINGER_WORDS[finger][0]
                if advice.message_es not in (f"Dobla {es}.", f"Estira {es}."):
                    continue
                advised += 1
                columns = slice(4 + 3 * number, 7 + 3 * number)
                off = np.abs(attempt_mean[columns] - template_mean[columns]) / branch.tolerance[columns]
                within_advised += bool(off.max() <= FINGER_TOLERANCE)
            if not sequence.has_depth:
                continue  # turning a picture without depth makes no sense
            with_depth += 1
            attempt, dominant = letters.attempt(str(truth[i]), changed.points[i], left, aspect, seed + i)
            _, straight = letters.score_all(attempt, dominant, own)
            turned_hand = turn(Hands.of(changed.points[i][None], aspect, left), np.radians(TURN_DEGREES), 0.0, 0.0)
            attempt, dominant = letters.attempt(str(truth[i]), turned_hand.points[0], left, aspect, seed + i)
            _, turned = letters.score_all(attempt, dominant, own)
            same_after_turn += abs(turned.components["handshape"] - straight.components["handshape"]) <= 1.0
            orientation = next(f for f in turned.feedback if f.parameter == "orientation")
            turned_told += orientation.status != "ok" and (
                "palm" in orientation.message_en or "fingers" in orientation.message_en
            )
        out[name] = {
            "attempts": len(changed),
            "handshape_feedback_ok": round(ok / max(len(changed), 1), 4),
            "finger_advice_given": advised,
            "finger_advice_for_a_finger_within_tolerance": within_advised,
            "attempts_with_depth": with_depth,
            f"turned_{TURN_DEGREES:g}deg_handshape_within_1_point": round(same_after_turn / max(with_depth, 1), 4),
            f"turned_{TURN_DEGREES:g}deg_told_how_to_turn": round(turned_told / max(with_depth, 1), 4),
        }
    return out


def _photos_against_letters(photos: list[dict[str, Any]], letters: Letters) -> dict[str, Any]:
    """The ``four`` photos against B and every letter (is B nearest on handshape? is its handshape at B's
    threshold? which letters does it pass?), the ``rock`` photos against every letter (they should pass none), and
    a ``four`` photo turned 60°: its feedback."""
    per_photo = []
    b = letters.names.index("B")
    for photo in photos:
        hand = photo["retry"]
        if photo["kind"] not in ("four", "rock") or hand is None:
            continue
        left, aspect = hand["left"], hand["aspect"]
        attempt, dominant = letters.attempt("B", hand["points"], left, aspect, 0)
        passed, response = letters.score_all(attempt, dominant, b)
        frames = _frames(hand["points"], left, aspect, 0)
        shape = letters.handshape_all(frames, left, aspect)
        old = old_handshape_scores(old_shape_vectors(frames, left, aspect), letters.old)
        entry: dict[str, Any] = {
            "photo": photo["photo"],
            "found_by": photo["found_by"],
            "before_nearest_on_handshape": letters.names[int(np.argmax(old))],
            "after_nearest_on_handshape": letters.names[int(np.argmax(shape))],
            "after_letters_passed": [letters.names[k] for k in np.flatnonzero(passed)],
        }
        if photo["kind"] == "four":
            turned_hand = turn(Hands.of(hand["points"][None], aspect, left), np.radians(TURN_DEGREES), 0.0, 0.0)
            turned_attempt, _ = letters.attempt("B", turned_hand.points[0], left, aspect, 0)
            _, turned = letters.score_all(turned_attempt, dominant, b)
            entry |= {
                "before_handshape_B": round(float(old[b]), 1),
                "after_handshape_B": response.components["handshape"],
                "after_handshape_at_or_above_B_threshold": bool(
                    response.components["handshape"] >= letters.thresholds[b]
                ),
                "after_score_B": response.score,
                "after_passes_B": response.passed,
                "after_feedback_en": [f"{f.parameter}: {f.status}: {f.message_en}" for f in response.feedback],
                f"turned_{TURN_DEGREES:g}deg_feedback_en": [
                    f"{f.parameter}: {f.status} ({f.score if f.score is not None else '-'}): {f.message_en}"
                    for f in turned.feedback
                ],
            }
        per_photo.append(entry)
    four = [p for p in per_photo if p["photo"].startswith("four")]
    rock = [p for p in per_photo if p["photo"].startswith("rock")]

    def count(photos: list[dict[str, Any]], found: Callable[[dict[str, Any]], bool]) -> str:
        return f"{sum(bool(found(p)) for p in photos)}/{len(photos)}"

    return {
        "summary": {
            "four: before B nearest on handshape": count(four, lambda p: p["before_nearest_on_handshape"] == "B"),
            "four: after B nearest on handshape": count(four, lambda p: p["after_nearest_on_handshape"] == "B"),
            "four: handshape at or above B's threshold": count(
                four, lambda p: p["after_handshape_at_or_above_B_threshold"]
            ),
            "four: pass B": count(four, lambda p: p["after_passes_B"]),
            "four: pass a letter other than B": count(four, lambda p: bool(set(p["after_letters_passed"]) - {"B"})),
            "rock: pass no letter": count(rock, lambda p: not p["after_letters_passed"]),
            "rock: letters passed": Counter(x for p in rock for x in p["after_letters_passed"]).most_common(),
        },
        "per_photo": per_photo,
    }


# --- (g): handedness --------------------------------------------------------------------------------------------


def handedness_section(alphabet: Alphabet, photos: list[dict[str, Any]] | None) -> dict[str, Any]:
    """How the handedness check (``recognition.handedness``) treats a correct, a mirrored and a missing label: on
    held-out attempts (15 consecutive rows of one letter) and on the photos (one frame; MediaPipe's own label)."""
    from senas.ml.recognition.handedness import Side, check_handedness

    def flip(side: Side) -> Side:
        return "left" if side == "right" else "right"

    *_, held = three_blocks(alphabet.labels)
    attempts = []
    for letter in sorted(set(alphabet.labels.tolist())):
        rows = np.flatnonzero(held & (alphabet.labels == letter))
        attempts += [rows[s : s + 15] for s in range(0, rows.size - 14, 15)]
    cases: dict[str, list[bool]] = {}
    for chunk in attempts:
        points, aspect = alphabet.hands.points[chunk], float(alphabet.hands.aspect[chunk[0]])
        true: Side = "left" if alphabet.hands.left[chunk[0]] else "right"
        for case, sent in (("label right", true), ("label mirrored", flip(true)), ("no label", None)):
            _, check = check_handedness(points, aspect, [sent] * len(chunk), flip(true))  # default: the wrong hand
            cases.setdefault(f"alphabet, {case}: scored as the true hand", []).append(check.used == true)
    if photos:
        for photo in photos:
            hand = photo["retry"]
            if hand is None:
                continue
            labelled: Side = "left" if hand["left"] else "right"
            for case, sent in (("label right", labelled), ("label mirrored", flip(labelled)), ("no label", None)):
                _, check = check_handedness(hand["points"][None], hand["aspect"], [sent], flip(labelled))
                cases.setdefault(f"photos, {case}: taken as MediaPipe's side", []).append(check.used == labelled)
    return {name: f"{sum(values)}/{len(values)}" for name, values in cases.items()}


# --- the command ------------------------------------------------------------------------------------------------


def _models(
    alphabet: Alphabet, seed: int, retrain: bool
) -> tuple[HandshapeClassifier, HandshapeMetric, dict[str, Any]]:
    from senas.ml.artefacts import FINGERSPELLING, HANDSHAPE_METRIC, packaged, packaged_bytes, packaged_metric
    from senas.ml.recognition.demo import POSES_FILE

    poses = json.loads(POSES_FILE.read_text(encoding="utf-8")).get("calibration", {})
    thresholds = {"file": POSES_FILE.name, "measured_with": poses.get("scorer"), "metric": poses.get("metric")}
    if retrain:
        from senas.ml.training import build_fingerspelling, build_handshape_metric

        built_model = build_fingerspelling(alphabet, seed=seed)
        built_metric = build_handshape_metric(alphabet, seed=seed)
        model = HandshapeClassifier.from_bytes(built_model.data)
        metric = HandshapeMetric.from_bytes(built_metric.data)
        described = {
            "fingerspelling": {"source": f"retrained, seed {seed}", "sha256": built_model.sha256},
            "handshape-metric": {"source": f"retrained, seed {seed}", "sha256": built_metric.sha256},
        }
    else:
        model = HandshapeClassifier.from_bytes(packaged_bytes(FINGERSPELLING))
        metric = packaged_metric()
        described = {
            name: {"source": f"packaged {packaged(name).file}", "sha256": packaged(name).sha256}
            for name in (FINGERSPELLING, HANDSHAPE_METRIC)
        }
    return model, metric, described | {"thresholds": thresholds}


def evaluate(
    data: Path,
    fixtures: Path | None,
    *,
    seed: int = 7,
    stride: int = 4,
    retrain: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    started = time.perf_counter()
    alphabet = read_alphabet(data)
    model, metric, models = _models(alphabet, seed, retrain)
    baseline = CanonicalClassifier.train(alphabet.hands, alphabet.labels, seed=seed)
    report: dict[str, Any] = {"seed": seed, "models": models, "data": alphabet.source}
    fit, calibration, held = three_blocks(alphabet.labels)
    report["blocks"] = {"fit": int(fit.sum()), "calibration": int(calibration.sum()), "held_out": int(held.sum())}
    log("models ready")
    report["a_held_out"], report["d_calibration"] = held_out_section(alphabet, model, baseline, seed)
    log("(a), (d) done")
    photos = None
    if fixtures is not None and fixtures.is_dir():
        photos = photo_hands(fixtures)
        report["e_hands_found"] = hands_found_section(photos)
        report["b_photos"] = photos_section(photos, model, baseline)
        log("(b), (e) done")
    gestures = data / "hand_gestures"
    if (gestures / "keypoint.csv").is_file():
        report["c_gestures_2d"] = gestures_section(gestures, model, baseline)
        log("(c) done")
    report["f_scorer"] = scorer_section(alphabet, Letters(metric), photos, seed, stride)
    log("(f) done")
    report["g_handedness"] = handedness_section(alphabet, photos)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The headline figures as (section, figure, before, after) rows — what ``senas ml evaluate`` prints."""
    rows: list[tuple[str, str, str, str]] = []
    held = report["a_held_out"]
    for name in CONDITIONS:
        entry = held[name]
        after = entry["after"]
        rows.append(
            (
                "(a) letters, held out",
                f"{name}: top-1 (not sure; right when sure)",
                f"{entry['before']['top1']:.3f}",
                f"{after['top1']:.3f} ({after['not_sure']:.1%}; {after['accuracy_when_sure']:.3f})",
            )
        )
    for kind, shares in report.get("b_photos", {}).get("shares", {}).items():
        befores = {k[len("before: ") :]: v for k, v in shares.items() if k.startswith("before: ")}
        afters = {k[len("after: ") :]: v for k, v in shares.items() if k.startswith("after: ")}
        rows.append(
            (
                "(b) photos of other people",
                kind,
                "; ".join(f"{k} {v}" for k, v in befores.items()),
                "; ".join(f"{k} {v}" for k, v in afters.items()),
            )
        )
    for kind, entry in report.get("c_gestures_2d", {}).items():
        after = entry["after"]
        rows.append(
            (
                "(c) hand_gestures (2-D)",
                f"{kind} → {entry['allowed']}: in set (sure) / not sure / wrong (sure)",
                f"{entry['before']['in_set']:.3f}",
                f"{after['sure_and_in_set']:.3f} / {after['not_sure']:.3f} / {after['sure_and_wrong']:.3f}",
            )
        )
    for name in ("clean", "other_people"):
        entry = report["d_calibration"][name]
        rows.append(
            (
                "(d) calibration",
                f"{name}: ECE (mean confidence)",
                f"{entry['before_ece']:.4f} ({entry['before_mean_confidence']:.3f})",
                f"{entry['after_ece']:.4f} ({entry['after_mean_confidence']:.3f}); without temperature "
                f"{entry['after_ece_without_temperature']:.4f}",
            )
        )
    for kind, entry in report.get("e_hands_found", {}).items():
        if isinstance(entry, dict) and "photos" in entry:
            rows.append(
                (
                    "(e) hands found on photos",
                    kind,
                    f"{entry['before (first look)']}/{entry['photos']}",
                    f"{entry['after (with the retry)']}/{entry['photos']}",
                )
            )
    for name, entry in report["f_scorer"]["conditions"].items():
        rows.append(
            (
                "(f) practice scorer, held out",
                f"{name}: handshape median (own letter nearest); after: ≥ threshold, pass, impostor pass",
                f"{entry['before_handshape_median']:.1f} ({entry['before_own_letter_nearest_on_handshape']:.3f})",
                f"{entry['after_handshape_median']:.1f} ({entry['after_own_letter_nearest_on_handshape']:.3f}); "
                f"{entry['after_handshape_at_or_above_threshold']:.3f}, {entry['after_genuine_pass']:.3f}, "
                f"{entry['after_impostor_pass']:.4f}",
            )
        )
    for name, value in report["f_scorer"].get("photos", {}).get("summary", {}).items():
        if name.startswith("four: before"):
            continue
        before = report["f_scorer"]["photos"]["summary"].get("four: before B nearest on handshape", "")
        rows.append(("(f) photos as practice", name, before if "nearest" in name else "", str(value)))
    for name, value in report.get("g_handedness", {}).items():
        rows.append(("(g) handedness check", name, "", value))
    return rows


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=1, ensure_ascii=False, default=_plain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with asl_alphabet_landmarks.csv")
    parser.add_argument("--fixtures", type=Path, help="folder with four/ rock/ none/ photos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stride", type=int, default=4, help="score every n-th held-out row as a practice attempt")
    parser.add_argument("--retrain", action="store_true", help="build the models again instead of the packaged ones")
    parser.add_argument("--json", type=Path, help="also write the whole report here")
    args = parser.parse_args(argv)
    report = evaluate(
        args.data,
        args.fixtures,
        seed=args.seed,
        stride=args.stride,
        retrain=args.retrain,
        log=lambda m: print(m, file=sys.stderr),
    )
    for section, name, before, after in summary_rows(report):
        print(f"{section} | {name} | {before} | {after}")
    if args.json:
        args.json.write_text(to_json(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
