"""Every query of the catalogue (the services above never build SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from senas.content.catalog.models import (
    PUBLISHED,
    CatalogRevision,
    Exercise,
    Lesson,
    LessonSign,
    Level,
    Sign,
    SignLanguage,
)
from senas.content.media.models import MediaAsset
from senas.content.text import like_pattern

Ordered = TypeVar("Ordered", Level, Lesson, Exercise)
Slugged = TypeVar("Slugged", Level, Lesson, Sign, Exercise)


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- revision ------------------------------------------------------------------------------------------

    async def revision(self) -> int:
        value = await self.session.scalar(select(CatalogRevision.value).where(CatalogRevision.id == 1))
        return int(value or 0)

    async def bump_revision(self) -> None:
        # Tells this process's read cache, once the transaction commits (see Database).
        self.session.info["catalog_changed"] = True
        result = await self.session.execute(
            update(CatalogRevision).where(CatalogRevision.id == 1).values(value=CatalogRevision.value + 1)
        )
        if getattr(result, "rowcount", 1) == 0:
            self.session.add(CatalogRevision(id=1, value=1))

    # -- generic -------------------------------------------------------------------------------------------

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def remove(self, row: object) -> None:
        await self.session.delete(row)

    async def slug_exists(
        self, model: type[Slugged], parent: InstrumentedAttribute[str], parent_id: str, slug: str
    ) -> bool:
        found = await self.session.scalar(select(model.id).where(parent == parent_id, model.slug == slug).limit(1))
        return found is not None

    async def children(self, model: type[Ordered], parent: InstrumentedAttribute[str], parent_id: str) -> list[Ordered]:
        rows = await self.session.scalars(select(model).where(parent == parent_id).order_by(model.position))
        return list(rows)

    # -- languages -----------------------------------------------------------------------------------------

    async def languages(self, *, include_drafts: bool) -> list[tuple[SignLanguage, int]]:
        level_filter = [Level.language_id == SignLanguage.id]
        if not include_drafts:
            level_filter.append(Level.status == PUBLISHED)
        levels = select(func.count(Level.id)).where(*level_filter).correlate(SignLanguage).scalar_subquery()
        query = select(SignLanguage, levels).order_by(SignLanguage.code)
        if not include_drafts:
            query = query.where(SignLanguage.status == PUBLISHED)
        return [(row[0], int(row[1])) for row in await self.session.execute(query)]

    async def language_by_code(self, code: str) -> SignLanguage | None:
        return await self.session.scalar(select(SignLanguage).where(SignLanguage.code == code))

    async def language(self, language_id: str) -> SignLanguage | None:
        return await self.session.get(SignLanguage, language_id)

    async def any_language(self) -> bool:
        return (await self.session.scalar(select(SignLanguage.id).limit(1))) is not None

    # -- levels and lessons --------------------------------------------------------------------------------

    async def level(self, level_id: str) -> Level | None:
        return await self.session.get(Level, level_id)

    async def levels_with_lesson_counts(self, language_id: str, *, include_drafts: bool) -> list[tuple[Level, int]]:
        lesson_filter = [Lesson.level_id == Level.id]
        if not include_drafts:
            lesson_filter.append(Lesson.status == PUBLISHED)
        lessons = select(func.count(Lesson.id)).where(*lesson_filter).correlate(Level).scalar_subquery()
        query = select(Level, lessons).where(Level.language_id == language_id).order_by(Level.position)
        if not include_drafts:
            query = query.where(Level.status == PUBLISHED)
        return [(row[0], int(row[1])) for row in await self.session.execute(query)]

    async def lesson(self, lesson_id: str) -> Lesson | None:
        return await self.session.get(Lesson, lesson_id)

    async def lessons_of(self, level_id: str, *, include_drafts: bool) -> list[Lesson]:
        query = select(Lesson).where(Lesson.level_id == level_id).order_by(Lesson.position)
        if not include_drafts:
            query = query.where(Lesson.status == PUBLISHED)
        return list(await self.session.scalars(query))

    async def course_size(self, language_id: str) -> tuple[int, int]:
        """(published lessons in published levels of the language, their exercises)."""
        published = (
            select(Lesson.id)
            .join(Level, Level.id == Lesson.level_id)
            .where(Level.language_id == language_id, Level.status == PUBLISHED, Lesson.status == PUBLISHED)
            .subquery()
        )
        lessons = await self.session.scalar(select(func.count()).select_from(published))
        exercises = await self.session.scalar(
            select(func.count(Exercise.id)).where(Exercise.lesson_id.in_(select(published.c.id)))
        )
        return int(lessons or 0), int(exercises or 0)

    async def lesson_sign_ids(self, lesson_ids: Sequence[str], *, include_drafts: bool) -> dict[str, list[str]]:
        if not lesson_ids:
            return {}
        query = (
            select(LessonSign.lesson_id, LessonSign.sign_id)
            .join(Sign, Sign.id == LessonSign.sign_id)
            .where(LessonSign.lesson_id.in_(lesson_ids))
            .order_by(LessonSign.lesson_id, LessonSign.position)
        )
        if not include_drafts:
            query = query.where(Sign.status == PUBLISHED)
        result: dict[str, list[str]] = {lesson_id: [] for lesson_id in lesson_ids}
        for lesson_id, sign_id in await self.session.execute(query):
            result[lesson_id].append(sign_id)
        return result

    async def replace_lesson_signs(self, lesson_id: str, sign_ids: Sequence[str]) -> None:
        await self.session.execute(delete(LessonSign).where(LessonSign.lesson_id == lesson_id))
        for position, sign_id in enumerate(sign_ids, start=1):
            self.session.add(LessonSign(lesson_id=lesson_id, sign_id=sign_id, position=position))

    # -- signs ---------------------------------------------------------------------------------------------

    async def sign(self, sign_id: str) -> Sign | None:
        return await self.session.get(Sign, sign_id)

    async def signs_by_ids(self, sign_ids: Iterable[str]) -> dict[str, Sign]:
        ids = list(set(sign_ids))
        if not ids:
            return {}
        return {sign.id: sign for sign in await self.session.scalars(select(Sign).where(Sign.id.in_(ids)))}

    async def signs_of_language(self, language_id: str) -> list[Sign]:
        query = select(Sign).where(Sign.language_id == language_id).order_by(Sign.slug)
        return list(await self.session.scalars(query))

    async def sign_by_slug(self, language_id: str, slug: str) -> Sign | None:
        return await self.session.scalar(select(Sign).where(Sign.language_id == language_id, Sign.slug == slug))

    async def letter_signs(self, language_id: str, category_norm: str) -> list[Sign]:
        query = select(Sign).where(Sign.language_id == language_id, Sign.category_norm == category_norm)
        return list(await self.session.scalars(query))

    async def search_signs(
        self,
        language_id: str,
        *,
        text: str,
        category: str,
        handshape: str,
        include_drafts: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[Sign], int]:
        conditions: list[Any] = [Sign.language_id == language_id]
        if not include_drafts:
            conditions.append(Sign.status == PUBLISHED)
        for word in text.split():
            conditions.append(Sign.search_text.like(like_pattern(word), escape="\\"))
        if category:
            conditions.append(Sign.category_norm == category)
        if handshape:
            conditions.append(Sign.handshape_norm == handshape)
        total = await self.session.scalar(select(func.count(Sign.id)).where(*conditions))
        query: Select[Sign] = select(Sign).where(*conditions).order_by(Sign.gloss, Sign.id).offset(offset).limit(limit)
        return list(await self.session.scalars(query)), int(total or 0)

    # -- exercises -----------------------------------------------------------------------------------------

    async def exercise(self, exercise_id: str) -> Exercise | None:
        return await self.session.get(Exercise, exercise_id)

    async def exercises_of(self, lesson_id: str) -> list[Exercise]:
        query = select(Exercise).where(Exercise.lesson_id == lesson_id).order_by(Exercise.position)
        return list(await self.session.scalars(query))

    # -- media ---------------------------------------------------------------------------------------------

    async def assets_by_ids(self, asset_ids: Iterable[str | None]) -> dict[str, MediaAsset]:
        ids = list({asset_id for asset_id in asset_ids if asset_id})
        if not ids:
            return {}
        query = select(MediaAsset).where(MediaAsset.id.in_(ids))
        return {asset.id: asset for asset in await self.session.scalars(query)}

    async def assets_of_signs(self, sign_ids: Sequence[str]) -> list[MediaAsset]:
        if not sign_ids:
            return []
        return list(await self.session.scalars(select(MediaAsset).where(MediaAsset.sign_id.in_(sign_ids))))
