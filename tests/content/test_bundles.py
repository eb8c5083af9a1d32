"""Bundles: the demo course through the importer, idempotent re-import, all-or-nothing refusal with every
problem located, export → import round trip, and the CLI.

Marked slow: each test imports the whole demo course (31 media files and some 300 rows) at least once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from content_helpers import ok
from sqlalchemy import func, select

from senas.content.bundles.exporter import export_bundle
from senas.content.bundles.format import BundleInvalid
from senas.content.bundles.importer import import_bundle
from senas.content.context import ContentPorts
from senas.content.models import Exercise, Lesson, Level, MediaAsset, Sign, SignLanguage
from senas.content.seed import demo_bundle_path, seed_demo

pytestmark = pytest.mark.slow


async def counts(content_app: Any) -> dict[str, int]:
    result = {}
    async with content_app.state.root.context.database.current().sessions() as session:
        for model in (SignLanguage, Level, Lesson, Sign, Exercise, MediaAsset):
            result[model.__tablename__] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
    return result


async def test_demo_course_imports_and_reimport_is_idempotent(
    content_app: Any, client: httpx.AsyncClient, ports: ContentPorts
) -> None:
    database = content_app.state.root.context.database.current()
    first = await seed_demo(database, ports)
    assert first is not None
    assert first.created > 0
    assert first.media_stored >= 31
    before = await counts(content_app)
    assert before["sign"] >= 30
    assert before["level"] >= 2
    assert before["lesson"] >= 6
    assert await seed_demo(database, ports) is None  # only into an empty database
    levels = await ok(await client.get("/content/languages/ase/levels"))
    lesson_ids = [
        lesson["id"]
        for level in levels["levels"]
        for lesson in (await ok(await client.get(f"/content/levels/{level['id']}")))["lessons"]
    ]
    again = await seed_demo(database, ports, only_if_empty=False)
    assert again is not None
    assert again.created == 0
    assert again.updated == 0
    assert again.media_stored == 0
    assert await counts(content_app) == before
    lessons_after = [
        lesson["id"]
        for level in levels["levels"]
        for lesson in (await ok(await client.get(f"/content/levels/{level['id']}")))["lessons"]
    ]
    assert lessons_after == lesson_ids  # same rows, same ids

    kinds = set()
    for lesson_id in lesson_ids:
        lesson = await ok(await client.get(f"/content/lessons/{lesson_id}"))
        kinds.update(exercise["kind"] for exercise in lesson["exercises"])
        for sign in lesson["signs"]:
            assert sign["media"]["demo"] is True
            assert sign["media"]["content_type"] == "image/svg+xml"
            assert "no un intérprete real" in sign["media"]["notice_es"]
            assert "not a real signer" in sign["media"]["notice_en"]
    assert kinds == {"watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell"}
    assert (
        max(
            len(level["lessons"])
            for level in [await ok(await client.get(f"/content/levels/{lv['id']}")) for lv in levels["levels"]]
        )
        >= 3
    )


def broken_bundle(tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    shutil.copytree(demo_bundle_path(), root)
    document = yaml.safe_load((root / "bundle.yaml").read_text(encoding="utf-8"))
    language = document["languages"][0]
    language["signs"][0]["gloss"] = ""  # 1: empty gloss
    language["signs"][1]["media"]["file"] = "media/ase/missing.svg"  # 2: missing file
    language["signs"][2]["media"]["demo"] = False  # 3: SVG outside demo media
    lesson = language["levels"][0]["lessons"][1]
    lesson["exercises"][0]["sign"] = "no-such-sign"  # 4
    lesson["signs"].append("letra-a")  # 5: listed twice (letra-a is not in G–L, so only the duplicate below)
    lesson["signs"].append("letra-a")
    language["levels"][1]["lessons"][0]["exercises"][5]["word"] = "ñandú"  # 6: no Ñ in the ASL alphabet
    (root / "bundle.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return root


async def test_bad_bundle_changes_nothing_and_lists_every_problem(
    content_app: Any, ports: ContentPorts, tmp_path: Path
) -> None:
    await seed_demo(content_app.state.root.context.database.current(), ports)
    before = await counts(content_app)
    root = broken_bundle(tmp_path)
    async with content_app.state.root.context.database.current().sessions() as session:
        with pytest.raises(BundleInvalid) as caught:
            await import_bundle(session, ports, root)
    problems = caught.value.problems
    assert "bundle.yaml: languages[0].signs[0].gloss: String should have at least 1 character" in problems
    # Schema problems are reported first; fix that one to see the semantic ones, all at once.
    document = yaml.safe_load((root / "bundle.yaml").read_text(encoding="utf-8"))
    document["languages"][0]["signs"][0]["gloss"] = "A"
    (root / "bundle.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    async with content_app.state.root.context.database.current().sessions() as session:
        with pytest.raises(BundleInvalid) as caught:
            await import_bundle(session, ports, root)
    problems = caught.value.problems
    expected = [
        "languages[0].signs[1].media.file: file 'media/ase/missing.svg' not found",
        "languages[0].signs[2].media.content_type: content type 'image/svg+xml' is not allowed "
        "(SVG only for demo media)",
        "languages[0].levels[0].lessons[1].signs: a sign is listed twice",
        "languages[0].levels[0].lessons[1].exercises[0].sign: unknown sign slug 'no-such-sign'",
        "languages[0].levels[1].lessons[0].exercises[5].word: no alphabet sign for 'Ñ'",
    ]
    for line in expected:
        assert f"bundle.yaml: {line}" in problems, problems
    assert len(problems) == len(expected)
    assert await counts(content_app) == before


async def test_bad_yaml_and_missing_file(content_app: Any, ports: ContentPorts, tmp_path: Path) -> None:
    async with content_app.state.root.context.database.current().sessions() as session:
        with pytest.raises(BundleInvalid, match=r"no bundle\.yaml"):
            await import_bundle(session, ports, tmp_path)
        (tmp_path / "bundle.yaml").write_text("languages: [unclosed", encoding="utf-8")
        with pytest.raises(BundleInvalid, match="cannot be read"):
            await import_bundle(session, ports, tmp_path)
        (tmp_path / "bundle.yaml").write_text("format: other/9\nlanguages: []\n", encoding="utf-8")
        with pytest.raises(BundleInvalid, match="format"):
            await import_bundle(session, ports, tmp_path)


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML that expand to 9**levels strings once anything walks the document."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append(f"format: senas-bundle/1\nlanguages: [{{code: *a{levels - 1}, name: x, signs: [], levels: []}}]")
    return "\n".join(lines) + "\n"


async def test_hostile_bundle_files_are_refused_before_anything_walks_them(
    content_app: Any, ports: ContentPorts, tmp_path: Path
) -> None:
    hostile = {
        "alias bomb": (alias_bomb(), "anchors and aliases are not allowed"),
        "nested too deeply": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "cannot be read"),
        "oversized": ("# " + "x" * (4 * 1024 * 1024) + "\n", "over 4 MB"),
    }
    for text, message in hostile.values():
        (tmp_path / "bundle.yaml").write_text(text, encoding="utf-8")
        async with content_app.state.root.context.database.current().sessions() as session:
            with pytest.raises(BundleInvalid, match=message):
                await import_bundle(session, ports, tmp_path)
    (tmp_path / "bundle.yaml").unlink()
    (tmp_path / "bundle.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    async with content_app.state.root.context.database.current().sessions() as session:
        with pytest.raises(BundleInvalid, match="nested too deeply"):
            await import_bundle(session, ports, tmp_path)


async def test_export_import_round_trip(
    content_app: Any, client: httpx.AsyncClient, ports: ContentPorts, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    await seed_demo(content_app.state.root.context.database.current(), ports)
    # An edit (a draft sign; the demo course is the operator's, so an admin's) must survive the round trip.
    await ok(
        await client.post(
            "/content/author/languages/ase/signs",
            json={"gloss": "HOLA", "meaning_es": "Hola", "meaning_en": "Hello", "category": "saludos"},
            headers=admin_headers,
        ),
        201,
    )
    first = tmp_path / "first"
    async with content_app.state.root.context.database.current().sessions() as session:
        exported = await export_bundle(session, ports, first)
    assert exported["signs"] == 32
    assert exported["media"] == 31
    # Into a fresh deployment: another data directory and database.
    from senas.content import bootstrap
    from senas.content.app import create_app
    from senas.content.settings import ContentSettings
    from senas.core.settings import load_settings
    from senas.wiring import build_platform

    other = build_platform(load_settings(data_dir=tmp_path / "other", log_json=False))
    root = bootstrap.build(other, config=ContentSettings(seed_demo=False))
    app = create_app(root, run_consumers=False)
    try:
        async with app.router.lifespan_context(app):
            async with root.context.database.current().sessions() as session:
                await import_bundle(session, root.context.ports, first)
            second = tmp_path / "second"
            async with root.context.database.current().sessions() as session:
                await export_bundle(session, root.context.ports, second)
    finally:
        await other.close()
    assert (first / "bundle.yaml").read_text(encoding="utf-8") == (second / "bundle.yaml").read_text(encoding="utf-8")
    assert (first / "media/ase/letra-j.svg").read_bytes() == (second / "media/ase/letra-j.svg").read_bytes()


def test_cli_import_refuses_a_bad_bundle_and_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from senas.cli import app

    for name in [n for n in os.environ if n.startswith("SENAS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SENAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENAS_LOG_JSON", "false")
    runner = CliRunner()
    bad = broken_bundle(tmp_path)
    result = runner.invoke(app, ["content", "import", str(bad)])
    assert result.exit_code == 1
    assert "nothing changed" in result.output
    assert "signs[0].gloss" in result.output
    result = runner.invoke(app, ["content", "import", str(demo_bundle_path())])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    result = runner.invoke(app, ["content", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "bundle.yaml").is_file()
    result = runner.invoke(app, ["content", "seed-demo"])
    assert result.exit_code == 0
    assert "already has content" in result.output
    result = runner.invoke(app, ["content", "migrate"])
    assert result.exit_code == 0
    assert "0003" in result.output  # the head revision: owners of content (0003)
