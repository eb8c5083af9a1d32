"""Writing the catalogue as a bundle folder (the format :mod:`senas.content.bundles.format` reads)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.bundles import format as fmt
from senas.content.bundles.importer import Progress
from senas.content.catalog.models import Lesson, Level
from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentPorts
from senas.content.media import rules

_EXTENSIONS = {content_type: ext for content_type, (ext, _) in rules.UPLOAD_TYPES.items()} | rules.DEMO_TYPES


async def export_bundle(
    session: AsyncSession,
    ports: ContentPorts,
    root: Path,
    *,
    codes: Sequence[str] = (),
    progress: Progress | None = None,
) -> dict[str, int]:
    repo = CatalogRepository(session)
    await asyncio.to_thread(root.mkdir, parents=True, exist_ok=True)
    languages = [language for language, _ in await repo.languages(include_drafts=True)]
    if codes:
        languages = [language for language in languages if language.code in codes]
    files: list[tuple[Any, Path]] = []  # (asset, destination)
    out: list[dict[str, Any]] = []
    counts = {"languages": 0, "signs": 0, "levels": 0, "lessons": 0, "exercises": 0, "media": 0}
    for language in languages:
        counts["languages"] += 1
        signs = await repo.signs_of_language(language.id)
        slug_of = {sign.id: sign.slug for sign in signs}
        assets = await repo.assets_by_ids(sign.reference_asset_id for sign in signs)
        sign_entries = []
        for sign in signs:
            counts["signs"] += 1
            entry: dict[str, Any] = {
                **sign.words(),
                "description_es": sign.description_es,
                "description_en": sign.description_en,
                "status": sign.status,
            }
            asset = assets.get(sign.reference_asset_id or "")
            if asset is not None and asset.state != "pending_upload":
                name = f"media/{language.code}/{sign.slug}.{_EXTENSIONS.get(asset.content_type, 'bin')}"
                entry["media"] = {"file": name, "content_type": asset.content_type, "demo": asset.demo}
                files.append((asset, root / name))
            sign_entries.append(entry)
        level_entries = []
        for level in await repo.children(Level, Level.language_id, language.id):
            counts["levels"] += 1
            lesson_entries = []
            for lesson in await repo.children(Lesson, Lesson.level_id, level.id):
                counts["lessons"] += 1
                sign_ids = (await repo.lesson_sign_ids([lesson.id], include_drafts=True))[lesson.id]
                exercises = []
                for exercise in await repo.exercises_of(lesson.id):
                    counts["exercises"] += 1
                    item: dict[str, Any] = {"slug": exercise.slug, "kind": exercise.kind}
                    if exercise.sign_id:
                        item["sign"] = slug_of[exercise.sign_id]
                    if exercise.distractor_ids:
                        item["distractors"] = [slug_of[str(d)] for d in exercise.distractor_ids]
                    if exercise.word:
                        item["word"] = exercise.word
                    item |= {"prompt_es": exercise.prompt_es, "prompt_en": exercise.prompt_en}
                    exercises.append(item)
                lesson_entries.append(
                    {
                        "slug": lesson.slug,
                        "title_es": lesson.title_es,
                        "title_en": lesson.title_en,
                        "description_es": lesson.description_es,
                        "description_en": lesson.description_en,
                        "status": lesson.status,
                        "signs": [slug_of[sid] for sid in sign_ids],
                        "exercises": exercises,
                    }
                )
            level_entries.append(
                {
                    "slug": level.slug,
                    "title_es": level.title_es,
                    "title_en": level.title_en,
                    "description_es": level.description_es,
                    "description_en": level.description_en,
                    "status": level.status,
                    "lessons": lesson_entries,
                }
            )
        out.append(
            {
                "code": language.code,
                "name_es": language.name_es,
                "name_en": language.name_en,
                "description_es": language.description_es,
                "description_en": language.description_en,
                "status": language.status,
                "signs": sign_entries,
                "levels": level_entries,
            }
        )
    for done, (asset, destination) in enumerate(files, start=1):
        await asyncio.to_thread(destination.parent.mkdir, parents=True, exist_ok=True)
        store = ports.bucket(asset.bucket)
        file = await asyncio.to_thread(destination.open, "wb")
        try:
            async for chunk in store.stream(asset.key):
                await asyncio.to_thread(file.write, chunk)
        finally:
            file.close()
        counts["media"] += 1
        if progress is not None:
            progress(done, len(files), destination.name)
    document = {"format": fmt.FORMAT, "languages": out}
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)
    await asyncio.to_thread((root / "bundle.yaml").write_text, text, encoding="utf-8")
    return counts
