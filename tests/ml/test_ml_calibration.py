"""Per-sign pass thresholds measured with the real scorer: the rule on synthetic score distributions (and broken
rules it must tell apart), the demo letters' thresholds on the real alphabet data (held-out rates printed and held
to floors; the stored file reproduced by the derivation), and `senas ml templates calibrate` on a small store."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ml_media import ALPHABET
from typer.testing import CliRunner

from prerequisites import require
from senas.core.settings import Settings
from senas.demo import derive
from senas.ml.recognition import demo
from senas.ml.recognition.calibration import (
    RULE,
    Calibration,
    Perturbation,
    ThresholdRule,
    calibrate_bank,
    choose_threshold,
    on_grid,
    pass_rate,
    track_from_features,
)
from senas.ml.recognition.scorer import Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import ScoreRequest
from senas.ml.recognition.templates import TemplateBank, TemplateEntry, TemplateStore
from senas.platform import catalog
from senas.wiring import build_platform

Chooser = Callable[[np.ndarray, np.ndarray, ThresholdRule], Calibration]

# --- the rule on synthetic distributions -------------------------------------------------------------------------


def scores(rng: np.random.Generator, mean: float, spread: float, count: int) -> np.ndarray:
    """Scores as the scorer gives them: 0–100 on the 0.1 grid."""
    return np.round(np.clip(rng.normal(mean, spread, count), 0, 100), 1)


def rule_violations(choose: Chooser, genuine: np.ndarray, impostor: np.ndarray, rule: ThresholdRule) -> list[str]:
    """What is wrong with ``choose``'s threshold for these scores, judged from the rule's definition alone."""
    result = choose(genuine, impostor, rule)
    t = result.threshold
    problems = []
    if not rule.floor <= t <= rule.ceiling:
        problems.append(f"{t} outside {rule.floor}..{rule.ceiling}")
    allowed = math.floor(rule.max_impostor_rate * impostor.size + 1e-9)
    ordered = np.sort(genuine)
    genuine_bound = on_grid(float(ordered[math.floor(rule.genuine_quantile * (genuine.size - 1))]))
    # Rule 1, where neither rule 2 nor the ceiling stops it: no more impostors pass than allowed ...
    if int((impostor >= t).sum()) > allowed and t < min(genuine_bound, rule.ceiling):
        problems.append(f"{int((impostor >= t).sum())} impostors pass at {t}, {allowed} allowed")
    # ... and it is the lowest such threshold (one grid step lower lets one too many through), unless at the floor.
    if t > rule.floor and int((impostor >= on_grid(t - 0.1)).sum()) <= allowed:
        problems.append(f"{t} is not the lowest threshold keeping impostors to {allowed}")
    # Rule 2: never above the genuine percentile (the floor aside).
    if t > max(genuine_bound, rule.floor):
        problems.append(f"{t} above the genuine {rule.genuine_quantile:.0%} percentile {genuine_bound}")
    # What is reported is what the threshold does.
    if result.genuine_pass_rate != pass_rate(genuine, t) or result.impostor_pass_rate != pass_rate(impostor, t):
        problems.append("reported pass rates are not those of the threshold")
    conflict = by_impostor_threshold(impostor, rule) > genuine_bound
    if conflict != ("impostors overlap" in result.note):
        problems.append(f"overlap flag {'missing' if conflict else 'wrong'}")
    return problems


def by_impostor_threshold(impostor: np.ndarray, rule: ThresholdRule) -> float:
    allowed = math.floor(rule.max_impostor_rate * impostor.size + 1e-9)
    ordered = np.sort(impostor)[::-1]
    return on_grid(float(ordered[allowed]) + 0.1) if impostor.size > allowed else rule.floor


def ignores_impostors(genuine: np.ndarray, impostor: np.ndarray, rule: ThresholdRule) -> Calibration:
    """Broken: the genuine 10th percentile, whatever the other signs score."""
    t = on_grid(float(np.sort(genuine)[math.floor(rule.genuine_quantile * (genuine.size - 1))]))
    t = min(max(t, rule.floor), rule.ceiling)
    return Calibration(t, pass_rate(genuine, t), pass_rate(impostor, t), genuine.size, impostor.size)


def ignores_genuine(genuine: np.ndarray, impostor: np.ndarray, rule: ThresholdRule) -> Calibration:
    """Broken: impostors only, never capped by the sign's own performances."""
    t = min(max(by_impostor_threshold(impostor, rule), rule.floor), rule.ceiling)
    return Calibration(t, pass_rate(genuine, t), pass_rate(impostor, t), genuine.size, impostor.size)


def not_lowest(genuine: np.ndarray, impostor: np.ndarray, rule: ThresholdRule) -> Calibration:
    """Broken: a safety margin on top (more correct attempts fail for nothing)."""
    chosen = choose_threshold(genuine, impostor, rule)
    t = min(chosen.threshold + 3, rule.ceiling)
    return Calibration(t, pass_rate(genuine, t), pass_rate(impostor, t), genuine.size, impostor.size, chosen.note)


WIDE = ThresholdRule(floor=0, ceiling=100)


def synthetic_cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    return {
        "separated": (scores(rng, 92, 3, 300), scores(rng, 45, 10, 2000)),
        "close": (scores(rng, 90, 4, 300), scores(rng, 62, 9, 2000)),
        "overlapping": (scores(rng, 82, 6, 300), scores(rng, 72, 9, 2000)),
    }


@pytest.mark.parametrize("case", ["separated", "close", "overlapping"])
def test_the_rule_on_synthetic_distributions(case: str) -> None:
    genuine, impostor = synthetic_cases()[case]
    result = choose_threshold(genuine, impostor, WIDE)
    print(f"{case}: {result}")
    assert rule_violations(choose_threshold, genuine, impostor, WIDE) == []
    if case == "overlapping":
        # The genuine bound wins and says so; the impostor rate it really has is reported, above 2 %.
        assert "impostors overlap" in result.note
        assert result.genuine_pass_rate >= 0.9
        assert result.impostor_pass_rate > 0.02
    else:
        assert result.note == ""
        assert result.impostor_pass_rate <= 0.02
        assert result.genuine_pass_rate >= 0.9


def test_the_threshold_sits_just_above_the_last_impostor_it_must_stop() -> None:
    impostor = np.round(np.linspace(10.0, 59.5, 100), 1)  # the 3rd highest is 58.5: 2 of 100 may pass
    genuine = np.full(50, 90.0)
    result = choose_threshold(genuine, impostor, WIDE)
    assert result.threshold == 58.6
    assert result.impostor_pass_rate == 0.02
    assert result.genuine_pass_rate == 1.0
    # No impostor at all: the floor.
    assert choose_threshold(genuine, np.zeros(0), RULE).threshold == RULE.floor
    with pytest.raises(ValueError, match="no genuine"):
        choose_threshold(np.zeros(0), impostor)


def test_floor_and_ceiling_bite_and_say_so() -> None:
    rng = np.random.default_rng(3)
    twins = choose_threshold(scores(rng, 97, 1, 200), scores(rng, 90, 3, 2000), RULE)
    assert twins.threshold == RULE.ceiling
    assert "ceiling" in twins.note
    assert twins.impostor_pass_rate > 0.02  # the price, reported
    weak = choose_threshold(scores(rng, 45, 15, 200), scores(rng, 20, 5, 2000), RULE)
    assert weak.threshold == RULE.floor
    assert "floor" in weak.note


@pytest.mark.parametrize("broken", [ignores_impostors, ignores_genuine, not_lowest])
def test_broken_rules_are_caught(broken: Chooser) -> None:
    found = {case: rule_violations(broken, g, i, WIDE) for case, (g, i) in synthetic_cases().items()}
    print(f"{broken.__name__}: {found}")
    assert any(found.values())


# --- the demo letters on the real alphabet data ------------------------------------------------------------------

# Floors on the held-out block (the last 20 % of each letter's rows: never seen by the templates, the metric nor the
# thresholds), set from what was measured (figures in alphabet_poses.json, printed below) with a margin. They were
# re-measured for the scorer dtw-3 (handshape in the hand's frame, orientation a component, the handshape gate) on
# thresholds chosen from the calibration block *and imitations of other people*; the previous floors belonged to
# dtw-2 on the same signer only (held out: 96.9 % genuine, 7.8 % impostor passes).
# - overall, as recorded: correct letters pass ≥ 97 % (measured 99.3 %), other letters ≤ 5 % (3.2 %);
#   imitated other people (one copy of each held-out row): ≥ 85 % (89.8 %) and ≤ 3 % (1.7 %).
# - a letter whose threshold the rule set unhindered: ≥ 90 % / ≤ 6 % — O passes 92.7 %: some of the signer's O
#   rows have their depth inverted by MediaPipe (the hand reads as its mirror image) and fail the handshape gate.
# - a letter flagged as overlapping its twins (the fist letters A M N S T, U V R…): ≥ 95 % / ≤ 15 % (measured
#   ≤ 12 %, N). One signer's twins score 80+ against each other: the rule keeps their genuine rate and reports the
#   price.
# - letters raised to the floor because over 10 % of their calibration attempts fail the handshape gate (Q, Y, Z:
#   the imitations turn their sideways or moving handshapes furthest): only those, so a new one fails here.
OVERALL_GENUINE, OVERALL_IMPOSTOR = 0.97, 0.05
IMITATED_GENUINE, IMITATED_IMPOSTOR = 0.85, 0.03
CLEAN_GENUINE, CLEAN_IMPOSTOR = 0.90, 0.06
FLAGGED_GENUINE, FLAGGED_IMPOSTOR = 0.95, 0.15
RAISED_TO_FLOOR = {"Q", "Y", "Z"}


@pytest.fixture(scope="module")
def scored() -> dict[str, np.ndarray]:
    require(ALPHABET.is_file(), f"the alphabet dataset is not at {ALPHABET}")
    return demo.alphabet_scores(ALPHABET, derive.load_poses())


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo.POSES_FILE.read_text(encoding="utf-8"))
    return data


def floor_failures(report: dict[str, Any]) -> list[str]:
    failures = []
    overall = report["overall"]
    if overall["held_out_genuine_pass_rate"] < OVERALL_GENUINE:
        failures.append(f"overall genuine {overall['held_out_genuine_pass_rate']}")
    if overall["held_out_impostor_pass_rate"] > OVERALL_IMPOSTOR:
        failures.append(f"overall impostor {overall['held_out_impostor_pass_rate']}")
    if overall["held_out_imitated_genuine_pass_rate"] < IMITATED_GENUINE:
        failures.append(f"imitated genuine {overall['held_out_imitated_genuine_pass_rate']}")
    if overall["held_out_imitated_impostor_pass_rate"] > IMITATED_IMPOSTOR:
        failures.append(f"imitated impostor {overall['held_out_imitated_impostor_pass_rate']}")
    for letter, entry in report["letters"].items():
        note = entry.get("note", "")
        genuine, impostor = entry["held_out_genuine_pass_rate"], entry["held_out_impostor_pass_rate"]
        if "floor" in note:
            if letter not in RAISED_TO_FLOOR:
                failures.append(f"{letter}: raised to the floor ({note})")
        elif note:
            if genuine < FLAGGED_GENUINE or impostor > FLAGGED_IMPOSTOR:
                failures.append(f"{letter} (flagged): genuine {genuine}, impostor {impostor}")
        elif genuine < CLEAN_GENUINE or impostor > CLEAN_IMPOSTOR:
            failures.append(f"{letter}: genuine {genuine}, impostor {impostor}")
    return failures


def print_report(title: str, report: dict[str, Any]) -> None:
    print(f"\n{title}: {report['overall']}")
    for letter, entry in report["letters"].items():
        print(
            f"  {letter} {entry['threshold']:5.1f}  calibration genuine {entry['genuine_pass_rate']:.3f} impostor "
            f"{entry['impostor_pass_rate']:.3f} | held out genuine {entry['held_out_genuine_pass_rate']:.3f} "
            f"impostor {entry['held_out_impostor_pass_rate']:.3f} | imitated genuine "
            f"{entry['held_out_imitated_genuine_pass_rate']:.3f} impostor "
            f"{entry['held_out_imitated_impostor_pass_rate']:.3f}  {entry.get('note', '')}"
        )


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_held_out_pass_rates_meet_the_floors(scored: dict[str, np.ndarray], stored: dict[str, Any]) -> None:
    report = demo.calibration_report(scored)
    print_report("calibrated thresholds (rule as stored)", report)
    assert floor_failures(report) == []
    assert all(RULE.floor <= entry["threshold"] <= RULE.ceiling for entry in report["letters"].values())
    # Broken variant: a rule that ignores impostors (any score passes as long as the floor allows it).
    careless = demo.calibration_report(scored, ThresholdRule(max_impostor_rate=1.0, floor=0.0))
    print_report("broken: impostors ignored", careless)
    assert floor_failures(careless) != []


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_stored_calibration_is_what_the_derivation_computes(
    scored: dict[str, np.ndarray], stored: dict[str, Any]
) -> None:
    # The poses (the templates) from the dataset, then the calibration from the poses: the file cannot drift from
    # the code. (tests/content/test_demo.py checks the whole file byte for byte, as a slow test.)
    assert derive.derive_poses(ALPHABET)["letters"] == stored["letters"]
    assert demo.calibration_report(scored) == stored["calibration"]
    # And a file edited by hand (one threshold nudged) is told apart.
    edited = json.loads(json.dumps(stored["calibration"]))
    edited["letters"]["B"]["threshold"] += 1
    assert demo.calibration_report(scored) != edited


def test_the_stored_thresholds_name_the_metric_they_were_measured_with(stored: dict[str, Any]) -> None:
    from senas.ml.artefacts import HANDSHAPE_METRIC, packaged

    calibration = stored["calibration"]
    assert calibration["metric"] == packaged(HANDSHAPE_METRIC).file
    assert calibration["metric_sha256"] == packaged(HANDSHAPE_METRIC).sha256
    assert calibration["scorer"].startswith("sign-scorer dtw-3+handshape-metric-v1.")


def test_demo_templates_carry_the_stored_thresholds(stored: dict[str, Any], tmp_path: Path) -> None:
    from senas.ml.recognition.templates import DEFAULT_PASS_THRESHOLD

    signs, _ = demo.demo_signs()
    thresholds = {letter: entry["threshold"] for letter, entry in stored["calibration"]["letters"].items()}
    by_slug = {sign.slug: sign.pass_threshold for sign in signs}
    assert by_slug["letra-a"] == thresholds["A"]
    assert by_slug["numero-4"] == thresholds["B"]  # ASL 4 shares B's template, and its threshold
    assert demo.thresholds_from_file(demo.POSES_FILE) == thresholds
    # A poses file without a calibration: the default threshold; one with a letter missing: that letter only.
    bare = tmp_path / "poses.json"
    bare.write_text(json.dumps({"letters": stored["letters"]}))
    assert demo.thresholds_from_file(bare) == {}
    assert {sign.pass_threshold for sign in demo.demo_signs(bare)[0]} == {DEFAULT_PASS_THRESHOLD}
    partial = json.loads(json.dumps(stored))
    del partial["calibration"]["letters"]["A"]
    (tmp_path / "partial.json").write_text(json.dumps(partial))
    mixed = {sign.slug: sign.pass_threshold for sign in demo.demo_signs(tmp_path / "partial.json")[0]}
    assert mixed["letra-a"] == DEFAULT_PASS_THRESHOLD
    assert mixed["letra-b"] == thresholds["B"]


# --- templates of reference videos: perturbations of the reference, the other templates as impostors -----------


def letter_bank(letters: str, extra: dict[str, str] | None = None, source: str = "reference video") -> TemplateBank:
    """Templates of the demo letters' features under ``letters``' keys (plus ``extra``: key → letter, sharing)."""
    poses = derive.load_poses()
    keys = {f"ase/{c.lower()}": c for c in letters} | (extra or {})
    entries = [
        TemplateEntry(key=k, language="ase", slug=k[4:], gloss=c, version=1, blob_key="-", source=source)
        for k, c in keys.items()
    ]
    features = [demo.sign_from_pose(c, demo.placed(poses[c])) for c in keys.values()]
    return TemplateBank(entries, features, revision=1)


def test_perturbed_references_are_faithful_then_perturbed() -> None:
    bank = letter_bank("BJ")
    scorer = Scorer(bank)
    for key, features in zip(["ase/b", "ase/j"], bank.features, strict=True):
        for change in (Perturbation(), Perturbation(mirrored=True)):
            attempt = attempt_from_track(track_from_features(features, change))
            dominant = "left" if change.mirrored else "right"
            result = scorer.score(ScoreRequest(attempt=attempt, target=key, dominant_hand=dominant))
            assert result.score >= 99, (key, change, result.components)
            assert result.hand_used == dominant
    # The check is not blind: a hand turned sideways (90°) is no longer the reference.
    sideways = attempt_from_track(track_from_features(bank.features[0], Perturbation(turn=math.radians(90))))
    assert scorer.score(ScoreRequest(attempt=sideways, target="ase/b")).score < 85


def test_bank_calibration_separates_twins_from_loners() -> None:
    # M and N are near twins (the thumb under two or three fingers); B and L stand apart.
    bank = letter_bank("BLMNY", extra={"ase/numero-4": "B"})
    results = calibrate_bank(bank, {"ase/b", "ase/l", "ase/m", "ase/n", "ase/y"})
    for key, result in results.items():
        print(key, result)
        assert RULE.floor <= result.threshold <= RULE.ceiling
        assert result.genuine_pass_rate >= 0.9
    assert results["ase/m"].threshold > results["ase/b"].threshold
    assert results["ase/m"].threshold > results["ase/l"].threshold
    # ASL 4 shares B's template on purpose: it is not counted as an impostor of B (it would pass as B every time).
    assert results["ase/b"].impostors == 4 * 4  # L, M, N, Y (4 perturbations each); not numero-4
    assert results["ase/b"].impostor_pass_rate <= RULE.max_impostor_rate
    # Same seed, same thresholds.
    assert calibrate_bank(bank, {"ase/m"})["ase/m"] == results["ase/m"]


def test_cli_calibrates_the_store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    runner = CliRunner()
    empty = runner.invoke(app, ["ml", "templates", "calibrate"])
    assert empty.exit_code == 1
    assert "no templates" in empty.output

    poses = derive.load_poses()

    async def prepare() -> None:
        platform = build_platform(settings)
        try:
            store = TemplateStore(platform.blobs.store(settings.resource_name(catalog.ML_MODELS)))
            for letter in "ABLMN":
                await store.save(
                    language="ase",
                    slug=f"letra-{letter.lower()}",
                    gloss=letter,
                    features=demo.sign_from_pose(letter, demo.placed(poses[letter])),
                    source="reference video v1" if letter != "A" else "demo: alphabet_poses.json",
                    pass_threshold=60.0,
                )
        finally:
            await platform.close()

    async def stored_bank() -> TemplateBank:
        platform = build_platform(settings)
        try:
            return await TemplateBank.load(
                TemplateStore(platform.blobs.store(settings.resource_name(catalog.ML_MODELS)))
            )
        finally:
            await platform.close()

    def index_now() -> dict[str, TemplateEntry]:
        return {entry.key: entry for entry in asyncio.run(stored_bank()).entries}

    asyncio.run(prepare())
    before = index_now()
    dry = runner.invoke(app, ["ml", "templates", "calibrate", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert index_now() == before
    done = runner.invoke(app, ["ml", "templates", "calibrate"])
    print(done.output)
    assert done.exit_code == 0, done.output
    for header in ("sign", "threshold", "genuine pass rate", "impostor pass rate"):
        assert header in done.output
    after = index_now()
    # The thresholds stored are what the calibration computes for the stored bank (same seed); the demo one is kept.
    expected = calibrate_bank(asyncio.run(stored_bank()), {k for k in before if k != "ase/letra-a"})
    assert {k: e.pass_threshold for k, e in after.items()} == {
        "ase/letra-a": 60.0,
        **{k: r.threshold for k, r in expected.items()},
    }
    assert after["ase/letra-m"].pass_threshold > after["ase/letra-b"].pass_threshold
    assert all(after[k].version == before[k].version for k in before)  # thresholds only; no new versions
    assert re.search(r"ase/letra-a\s*│\s*60\s*│", done.output)  # the demo row: kept, no arrow
    assert re.search(rf"ase/letra-m\s*│\s*60 → {after['ase/letra-m'].pass_threshold:g}\s*│", done.output)
