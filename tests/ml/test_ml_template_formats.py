"""Template formats: format 2 stores the hand-frame description per step; a format-1 template (the canonical hand
only, written before) still loads and scores the same way, `senas ml templates rebuild` re-saves it as format 2,
and a template this code cannot read is left out of the bank — never a crash."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from ml_media import letter_hand
from typer.testing import CliRunner

from senas.core.settings import Settings
from senas.ml.landmarks.sequence import LEFT, HandTrack
from senas.ml.recognition import demo
from senas.ml.recognition.features import SignFeatures
from senas.ml.recognition.scorer import Scorer, attempt_from_track
from senas.ml.recognition.scoring_api import ScoreRequest
from senas.ml.recognition.templates import TEMPLATE_FORMAT, TemplateBank, TemplateEntry, TemplateStore
from senas.platform import catalog
from senas.wiring import build_platform

FORMAT_1_KEYS = ("shape", "orientation", "trajectory", "location")


def letter_features(letter: str) -> SignFeatures:
    return demo.sign_from_pose(letter, demo.poses_from_file(demo.POSES_FILE)[letter])


def as_format_1(features: SignFeatures) -> dict[str, object]:
    return {key: value for key, value in features.to_json().items() if key in FORMAT_1_KEYS}


def test_a_format_1_template_is_completed_on_reading_and_scores_alike() -> None:
    new = letter_features("Y")
    old = SignFeatures.from_json(as_format_1(new))
    described_new, described_old = new.described(), old.described()
    # The canonical hand keeps everything the descriptor needs: only rounding (4 decimals) differs.
    np.testing.assert_allclose(described_old.handshape, described_new.handshape, atol=0.02)
    np.testing.assert_allclose(described_old.facing, described_new.facing, atol=0.01)
    assert described_old.has_depth
    entries = [
        TemplateEntry(key=f"ase/{name}", language="ase", slug=name, gloss=name, version=1, blob_key="-")
        for name in ("new", "old")
    ]
    scorer = Scorer(TemplateBank(entries, [new, old], revision=1))
    pose = letter_hand("Y", 2)  # another person's Y, as a left hand
    track = HandTrack.from_single_hand(
        np.repeat(pose[None], 10, axis=0).astype(np.float32), [LEFT] * 10, fps=15, width=640, height=480
    )
    attempt = attempt_from_track(track)
    scores = [
        scorer.score(ScoreRequest(attempt=attempt, target=key, dominant_hand="left")).score
        for key in ("ase/new", "ase/old")
    ]
    assert abs(scores[0] - scores[1]) <= 1.0


async def _store_with_old_and_broken(settings: Settings) -> None:
    platform = build_platform(settings)
    try:
        store = TemplateStore(platform.blobs.store(settings.resource_name(catalog.ML_MODELS)))
        await store.save(language="ase", slug="letra-b", gloss="B", features=letter_features("B"), source="reference")
        for slug, template_format, features in (
            ("hola", 1, as_format_1(letter_features("Y"))),
            ("gracias", 9, {"from": "a future release"}),
        ):
            entry = TemplateEntry(
                key=f"ase/{slug}",
                language="ase",
                slug=slug,
                gloss=slug.capitalize(),
                version=1,
                blob_key=f"templates/ase/{slug}/v1.json.gz",
                sign_id=f"sign-{slug}",
                pass_threshold=66.0,
                source="reference video, media asset 7",
            )
            body = {
                "format": template_format,
                "entry": entry.model_dump(),
                "created_at": datetime.now(UTC).isoformat(),
                "notes": "written by an older release",
                "features": features,
            }
            await store.store.put(
                entry.blob_key, gzip.compress(json.dumps(body).encode()), content_type="application/gzip"
            )

            def add(index: object, entry: TemplateEntry = entry) -> bool:
                index.templates[entry.key] = entry  # type: ignore[attr-defined]
                return True

            await store.update_index(add)
    finally:
        await platform.close()


async def _bank(settings: Settings) -> TemplateBank:
    platform = build_platform(settings)
    try:
        return await TemplateBank.load(TemplateStore(platform.blobs.store(settings.resource_name(catalog.ML_MODELS))))
    finally:
        await platform.close()


async def test_an_old_bank_loads_and_an_unreadable_template_is_left_out(settings: Settings) -> None:
    await _store_with_old_and_broken(settings)
    bank = await _bank(settings)
    assert [entry.key for entry in bank.entries] == ["ase/hola", "ase/letra-b"]
    assert set(bank.skipped) == {"ase/gracias"}
    assert "format 9" in bank.skipped["ase/gracias"]
    assert bank.handshapes.shape[0] == 2


@pytest.mark.slow
def test_templates_rebuild_resaves_old_formats(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from senas.cli import app

    monkeypatch.setenv("SENAS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    asyncio.run(_store_with_old_and_broken(settings))
    result = CliRunner().invoke(app, ["ml", "templates", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt 31 templates" in result.output  # the demo course's, from the packaged poses
    assert f"re-saved in format {TEMPLATE_FORMAT}: ase/hola v2" in result.output
    assert "not readable, left as is: ase/gracias" in result.output
    bank = asyncio.run(_bank(settings))
    upgraded = bank.entries[bank.by_key["ase/hola"]]
    assert (upgraded.version, upgraded.pass_threshold, upgraded.sign_id) == (2, 66.0, "sign-hola")


def test_a_template_written_now_is_format_2(tmp_path: Path) -> None:
    data = letter_features("C").to_json()
    assert {"handshape", "handshape_flat", "facing", "has_depth"} <= set(data)
    assert np.asarray(data["handshape"]).shape == (16, 35)
    assert TEMPLATE_FORMAT == 2
