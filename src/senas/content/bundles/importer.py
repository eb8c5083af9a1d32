"""Applying a checked bundle: media first (content-addressed keys, so a re-run stores nothing new), then every
row in one transaction, upserting by code and slug. Nothing is written unless the whole bundle is valid."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.bundles import format as fmt
from senas.content.catalog.author import refresh_search_columns
from senas.content.catalog.models import Exercise, Lesson, Level, Sign, SignLanguage
from senas.content.catalog.reader import ALPHABET_CATEGORY
from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentPorts
from senas.content.db import new_id
from senas.content.media import rules
from senas.content.media.models import UPLOADED, MediaAsset
from senas.content.media.repository import MediaRepository
from senas.content.text import letter_key
from senas.platform import catalog

Progress = Callable[[int, int, str], None]  # (done, total, file name)
CHUNK = 1 << 20


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    media_stored: int = 0
    media_skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    file = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(file.read, CHUNK):
            yield chunk
    finally:
        file.close()


def media_key(media: fmt.MediaFile) -> str:
    return f"bundles/{media.language}/{media.sign_slug}/{media.sha256[:24]}.{media.ext}"


class BundleImporter:
    def __init__(self, session: AsyncSession, ports: ContentPorts) -> None:
        self.session = session
        self.ports = ports
        self.repo = CatalogRepository(session)
        self.media_repo = MediaRepository(session)
        self.report = ImportReport()

    async def known_letters(self, codes: Sequence[str]) -> dict[str, set[str]]:
        letters: dict[str, set[str]] = {}
        for code in codes:
            language = await self.repo.language_by_code(code)
            if language is not None:
                signs = await self.repo.letter_signs(language.id, ALPHABET_CATEGORY)
                letters[code] = {letter_key(sign.gloss) for sign in signs}
        return letters

    async def load(self, root: Path) -> fmt.LoadedBundle:
        """Check the bundle against itself and the database; raises BundleInvalid."""
        try:
            first = await asyncio.to_thread(fmt.load, root)
        except fmt.BundleInvalid as exc:
            # Letters known to the database can fix "no alphabet sign" problems: look once more with them.
            codes = await self._codes_in(root)
            if not codes or not any("no alphabet sign" in p for p in exc.problems):
                raise
            known = await self.known_letters(codes)
            return await asyncio.to_thread(lambda: fmt.load(root, known_letters=known))
        return first

    @staticmethod
    async def _codes_in(root: Path) -> list[str]:
        def read() -> list[str]:
            try:
                raw = fmt.read_document(fmt.find_bundle_file(root.resolve()))
                return [language["code"] for language in raw.get("languages", []) if isinstance(language["code"], str)]
            except Exception:
                return []

        return await asyncio.to_thread(read)

    async def run(self, root: Path, *, progress: Progress | None = None) -> ImportReport:
        loaded = await self.load(root)
        await self._store_media(loaded, progress)
        try:
            for entry in loaded.bundle.languages:
                await self._language(entry, loaded)
            await self.repo.bump_revision()
            await self.session.commit()
        except BaseException:
            await self.session.rollback()
            raise
        return self.report

    # -- media --------------------------------------------------------------------------------------------

    async def _store_media(self, loaded: fmt.LoadedBundle, progress: Progress | None) -> None:
        store = self.ports.assets
        files = list(loaded.media.values())
        for done, media in enumerate(files, start=1):
            media.sha256 = await asyncio.to_thread(_sha256, media.path)
            key = media_key(media)
            existing = await store.head(key)
            if existing is not None and existing.size == media.size:
                self.report.media_skipped += 1
            else:
                content_type = rules.base_type(media.content_type)
                await store.put(key, _chunks(media.path), content_type=content_type)
                self.report.media_stored += 1
            if progress is not None:
                progress(done, len(files), media.path.name)

    async def _asset_for(self, media: fmt.MediaFile, sign_id: str) -> str:
        key = media_key(media)
        asset = await self.media_repo.by_key(key)
        if asset is None:
            asset = MediaAsset(
                bucket=catalog.CONTENT_ASSETS,
                key=key,
                content_type=rules.base_type(media.content_type),
                size=media.size,
                checksum=media.sha256,
                state=UPLOADED,
                purpose="reference" if media.content_type.startswith("video/") or media.demo else "image",
                demo=media.demo,
                sign_id=sign_id,
                original_filename=media.path.name,
            )
            self.media_repo.add(asset)
            await self.session.flush()
        return asset.id

    # -- rows ---------------------------------------------------------------------------------------------

    def _assign(self, row: Any, values: dict[str, Any], *, is_new: bool) -> None:
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if is_new:
            self.report.created += 1
        elif changed:
            if hasattr(row, "version"):
                row.version = (row.version or 0) + 1
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    async def _language(self, entry: fmt.LanguageEntry, loaded: fmt.LoadedBundle) -> None:
        language = await self.repo.language_by_code(entry.code)
        is_new = language is None
        if language is None:
            language = SignLanguage(code=entry.code, version=1)
            self.session.add(language)
        self._assign(
            language,
            entry.model_dump(include={"name_es", "name_en", "description_es", "description_en", "status"}),
            is_new=is_new,
        )
        await self.session.flush()
        signs: dict[str, Sign] = {}
        for sign_entry in entry.signs:
            signs[sign_entry.slug] = await self._sign(language, sign_entry, loaded)
        for slug_, existing in ((s.slug, s) for s in await self.repo.signs_of_language(language.id)):
            signs.setdefault(slug_, existing)
        wanted = [level.slug for level in entry.levels]
        existing_levels = await self.repo.children(Level, Level.language_id, language.id)
        by_slug = {level.slug: level for level in existing_levels}
        order = wanted + [level.slug for level in existing_levels if level.slug not in wanted]
        for position, level_entry in enumerate(entry.levels, start=1):
            level = by_slug.get(level_entry.slug)
            is_new = level is None
            if level is None:
                level = Level(language_id=language.id, slug=level_entry.slug, position=position, version=1)
                self.session.add(level)
            self._assign(
                level,
                level_entry.model_dump(include={"title_es", "title_en", "description_es", "description_en", "status"})
                | {"position": position},
                is_new=is_new,
            )
            await self.session.flush()
            await self._lessons(level, level_entry, signs)
        for position, slug_ in enumerate(order, start=1):
            if slug_ not in wanted:
                by_slug[slug_].position = position

    async def _sign(self, language: SignLanguage, entry: fmt.SignEntry, loaded: fmt.LoadedBundle) -> Sign:
        sign = await self.repo.sign_by_slug(language.id, entry.slug)
        is_new = sign is None
        if sign is None:
            sign = Sign(id=new_id(), language_id=language.id, slug=entry.slug, version=1, template_status="none")
        values = entry.model_dump(exclude={"slug", "media"})
        probe = Sign(**values)
        refresh_search_columns(probe)
        values |= {
            "search_text": probe.search_text,
            "category_norm": probe.category_norm,
            "handshape_norm": probe.handshape_norm,
        }
        media = loaded.media.get((language.code, entry.slug))
        if media is not None:
            # The asset row first: the sign refers to it.
            values["reference_asset_id"] = await self._asset_for(media, sign.id)
        self._assign(sign, values, is_new=is_new)
        if is_new:
            self.session.add(sign)
        await self.session.flush()
        return sign

    async def _lessons(self, level: Level, entry: fmt.LevelEntry, signs: dict[str, Sign]) -> None:
        existing = await self.repo.children(Lesson, Lesson.level_id, level.id)
        by_slug = {lesson.slug: lesson for lesson in existing}
        wanted = [lesson.slug for lesson in entry.lessons]
        for position, lesson_entry in enumerate(entry.lessons, start=1):
            lesson = by_slug.get(lesson_entry.slug)
            is_new = lesson is None
            if lesson is None:
                lesson = Lesson(level_id=level.id, slug=lesson_entry.slug, position=position, version=1)
                self.session.add(lesson)
            self._assign(
                lesson,
                lesson_entry.model_dump(include={"title_es", "title_en", "description_es", "description_en", "status"})
                | {"position": position},
                is_new=is_new,
            )
            await self.session.flush()
            sign_ids = [signs[slug].id for slug in lesson_entry.signs]
            current = (await self.repo.lesson_sign_ids([lesson.id], include_drafts=True))[lesson.id]
            if current != sign_ids:
                await self.repo.replace_lesson_signs(lesson.id, sign_ids)
            await self._exercises(lesson, lesson_entry, signs)
        for position, lesson in enumerate(
            [lesson for lesson in existing if lesson.slug not in wanted], start=len(wanted) + 1
        ):
            lesson.position = position

    async def _exercises(self, lesson: Lesson, entry: fmt.LessonEntry, signs: dict[str, Sign]) -> None:
        existing = await self.repo.children(Exercise, Exercise.lesson_id, lesson.id)
        by_slug = {exercise.slug: exercise for exercise in existing}
        wanted = [exercise.slug for exercise in entry.exercises]
        for position, exercise_entry in enumerate(entry.exercises, start=1):
            exercise = by_slug.get(exercise_entry.slug)
            is_new = exercise is None
            if exercise is None:
                exercise = Exercise(
                    lesson_id=lesson.id,
                    slug=exercise_entry.slug,
                    position=position,
                    version=1,
                    kind=exercise_entry.kind,
                )
                self.session.add(exercise)
            self._assign(
                exercise,
                {
                    "position": position,
                    "kind": exercise_entry.kind,
                    "sign_id": signs[exercise_entry.sign].id if exercise_entry.sign else None,
                    "distractor_ids": [signs[slug].id for slug in exercise_entry.distractors],
                    "word": exercise_entry.word,
                    "prompt_es": exercise_entry.prompt_es,
                    "prompt_en": exercise_entry.prompt_en,
                },
                is_new=is_new,
            )
        for position, exercise in enumerate(
            [exercise for exercise in existing if exercise.slug not in wanted], start=len(wanted) + 1
        ):
            exercise.position = position
        await self.session.flush()


async def import_bundle(
    session: AsyncSession, ports: ContentPorts, root: Path, *, progress: Progress | None = None
) -> ImportReport:
    return await BundleImporter(session, ports).run(root, progress=progress)
