"""The authoring side of the catalogue: create, update, delete, reorder, publish. One transaction per call,
committed by the request's unit of work (never here); every write raises the catalogue revision so that cached
read views everywhere are refreshed."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy.orm import InstrumentedAttribute

from senas.content.catalog import schemas
from senas.content.catalog.models import (
    DRAFT,
    PUBLISHED,
    Exercise,
    Lesson,
    Level,
    Sign,
    SignLanguage,
)
from senas.content.catalog.reader import ALPHABET_CATEGORY
from senas.content.catalog.repository import CatalogRepository
from senas.content.media.service import delete_blobs_quietly
from senas.content.ownership import Owned, may_change, not_owner
from senas.content.text import fingerspelling_letters, letter_key, normalise, search_text, slugify
from senas.content.unit_of_work import UnitOfWork
from senas.content.views import Buckets
from senas.core.errors import ConflictError, InvalidInputError, NotFoundError
from senas.platform.identity import Principal

PublishableKind = Literal["languages", "levels", "lessons", "signs"]


def invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"invalid request — {field}: {message}", extra={"fields": [{"field": field, "message": message}]}
    )


def refresh_search_columns(sign: Sign) -> None:
    sign.search_text = search_text(sign.gloss, sign.meaning_es, sign.meaning_en, sign.category)
    sign.category_norm = normalise(sign.category)
    sign.handshape_norm = normalise(sign.handshape)


class CatalogAuthor:
    """``actor``: the author making the changes (None: the operator, importing a bundle or seeding the demo)."""

    def __init__(
        self, repository: CatalogRepository, work: UnitOfWork, buckets: Buckets, actor: Principal | None = None
    ) -> None:
        self.repo = repository
        self.work = work
        self.buckets = buckets
        self.actor = actor

    @property
    def owner_id(self) -> str | None:
        return None if self.actor is None else self.actor.user_id

    def _may_change(self, row: Owned) -> None:
        """See ``ownership``: an author changes what they own (and what it contains); admins anything."""
        if not may_change(self.actor, row.owner_id):
            raise not_owner()

    # -- lookups --------------------------------------------------------------------------------------------

    async def language(self, code: str) -> SignLanguage:
        language = await self.repo.language_by_code(code)
        if language is None:
            raise NotFoundError(
                f"lengua de señas no encontrada / language not found: {code}", code="language_not_found"
            )
        return language

    async def level(self, level_id: str) -> Level:
        level = await self.repo.level(level_id)
        if level is None:
            raise NotFoundError(f"nivel no encontrado / level not found: {level_id}", code="level_not_found")
        return level

    async def lesson(self, lesson_id: str) -> Lesson:
        lesson = await self.repo.lesson(lesson_id)
        if lesson is None:
            raise NotFoundError(f"lección no encontrada / lesson not found: {lesson_id}", code="lesson_not_found")
        return lesson

    async def sign(self, sign_id: str) -> Sign:
        sign = await self.repo.sign(sign_id)
        if sign is None:
            raise NotFoundError(f"seña no encontrada / sign not found: {sign_id}", code="sign_not_found")
        return sign

    async def exercise(self, exercise_id: str) -> Exercise:
        exercise = await self.repo.exercise(exercise_id)
        if exercise is None:
            raise NotFoundError(
                f"ejercicio no encontrado / exercise not found: {exercise_id}", code="exercise_not_found"
            )
        return exercise

    async def _language_of_lesson(self, lesson: Lesson) -> str:
        return (await self.level(lesson.level_id)).language_id

    # -- helpers --------------------------------------------------------------------------------------------

    async def _slug(
        self,
        model: Any,
        parent: InstrumentedAttribute[str],
        parent_id: str,
        wanted: str | None,
        source: str,
        current: str | None = None,
    ) -> str:
        """An explicit slug must be free (409); a generated one gets a numeric suffix until it is."""
        if wanted is not None:
            if wanted != current and await self.repo.slug_exists(model, parent, parent_id, wanted):
                raise ConflictError(f"el slug ya existe / the slug is already taken: {wanted!r}", code="slug_taken")
            return wanted
        base = slugify(source)
        candidate, suffix = base, 2
        while await self.repo.slug_exists(model, parent, parent_id, candidate):
            candidate = f"{base[:74]}-{suffix}"
            suffix += 1
        return candidate

    async def _place(self, model: Any, parent: InstrumentedAttribute[str], parent_id: str, position: int | None) -> int:
        """The position of a new child: shifts later siblings when inserting in the middle."""
        siblings = await self.repo.children(model, parent, parent_id)
        end = len(siblings) + 1
        if position is None or position >= end:
            return end
        for sibling in siblings:
            if sibling.position >= position:
                sibling.position += 1
        return position

    async def _compact(self, model: Any, parent: InstrumentedAttribute[str], parent_id: str) -> None:
        for index, sibling in enumerate(await self.repo.children(model, parent, parent_id), start=1):
            sibling.position = index

    async def _reorder(
        self, model: Any, parent: InstrumentedAttribute[str], parent_id: str, ids: Sequence[str]
    ) -> list[str]:
        siblings = {row.id: row for row in await self.repo.children(model, parent, parent_id)}
        if len(set(ids)) != len(ids):
            raise invalid("ids", "must list every child once / debe incluir cada elemento una sola vez")
        if set(ids) != set(siblings):
            # A list of other children than there are now: the author's view is not the current one (a child was
            # added or removed meanwhile, or the ids are of something else) — a conflict with the current state.
            raise ConflictError(
                "la lista no es la de los elementos de ahora (cambiaron mientras tanto); vuelve a ordenar / the list "
                f"is not of the current children ({len(siblings)}: they changed meanwhile); order them again",
                code="children_changed",
            )
        for index, child_id in enumerate(ids, start=1):
            siblings[child_id].position = index
        await self.repo.bump_revision()
        return list(ids)

    @staticmethod
    def _apply(row: Any, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(row, name, value)
        row.version = (row.version or 0) + 1

    # -- languages ------------------------------------------------------------------------------------------

    async def create_language(self, data: schemas.LanguageCreate) -> SignLanguage:
        if await self.repo.language_by_code(data.code) is not None:
            raise ConflictError(
                f"la lengua ya existe / the language already exists: {data.code}", code="language_exists"
            )
        language = SignLanguage(**data.model_dump(), status=DRAFT, version=1, owner_id=self.owner_id)
        self.repo.add(language)
        await self.repo.bump_revision()
        await self.repo.flush()
        return language

    async def update_language(self, code: str, data: schemas.LanguageUpdate) -> SignLanguage:
        language = await self.language(code)
        self._may_change(language)
        self._apply(language, data.model_dump(exclude_unset=True, exclude_none=True))
        await self.repo.bump_revision()
        await self.repo.flush()
        return language

    async def delete_language(self, code: str) -> None:
        """Deletes the language with everything in it; its media files once the transaction has committed."""
        language = await self.language(code)
        self._may_change(language)
        signs = await self.repo.signs_of_language(language.id)
        await self._detach_assets([sign.id for sign in signs])
        await self.repo.remove(language)
        await self.repo.bump_revision()

    async def _detach_assets(self, sign_ids: Sequence[str]) -> None:
        """Deletes the signs' asset rows; their files go once the transaction has committed."""
        assets = await self.repo.assets_of_signs(sign_ids)
        for sign_id in sign_ids:
            sign = await self.repo.sign(sign_id)
            if sign is not None:
                sign.reference_asset_id = None
                sign.image_asset_id = None
        await self.repo.flush()
        for asset in assets:
            await self.repo.remove(asset)
        blobs = [(asset.bucket, asset.key) for asset in assets]
        if blobs:
            self.work.after_commit(functools.partial(delete_blobs_quietly, self.buckets, blobs))

    # -- levels ---------------------------------------------------------------------------------------------

    async def create_level(self, code: str, data: schemas.LevelCreate) -> Level:
        language = await self.language(code)
        self._may_change(language)
        slug = await self._slug(Level, Level.language_id, language.id, data.slug, data.title_es)
        position = await self._place(Level, Level.language_id, language.id, data.position)
        level = Level(
            owner_id=self.owner_id,
            language_id=language.id,
            slug=slug,
            position=position,
            status=DRAFT,
            version=1,
            **data.model_dump(exclude={"slug", "position"}),
        )
        self.repo.add(level)
        await self.repo.bump_revision()
        await self.repo.flush()
        return level

    async def update_level(self, level_id: str, data: schemas.LevelUpdate) -> Level:
        level = await self.level(level_id)
        self._may_change(level)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if "slug" in changes:
            changes["slug"] = await self._slug(
                Level, Level.language_id, level.language_id, changes["slug"], "", current=level.slug
            )
        self._apply(level, changes)
        await self.repo.bump_revision()
        await self.repo.flush()
        return level

    async def delete_level(self, level_id: str) -> None:
        level = await self.level(level_id)
        self._may_change(level)
        await self.repo.remove(level)
        await self.repo.flush()
        await self._compact(Level, Level.language_id, level.language_id)
        await self.repo.bump_revision()

    async def reorder_levels(self, code: str, ids: Sequence[str]) -> list[str]:
        language = await self.language(code)
        self._may_change(language)
        return await self._reorder(Level, Level.language_id, language.id, ids)

    # -- lessons --------------------------------------------------------------------------------------------

    async def create_lesson(self, level_id: str, data: schemas.LessonCreate) -> Lesson:
        level = await self.level(level_id)
        self._may_change(level)
        slug = await self._slug(Lesson, Lesson.level_id, level.id, data.slug, data.title_es)
        position = await self._place(Lesson, Lesson.level_id, level.id, data.position)
        lesson = Lesson(
            owner_id=self.owner_id,
            level_id=level.id,
            slug=slug,
            position=position,
            status=DRAFT,
            version=1,
            **data.model_dump(exclude={"slug", "position"}),
        )
        self.repo.add(lesson)
        await self.repo.bump_revision()
        await self.repo.flush()
        return lesson

    async def update_lesson(self, lesson_id: str, data: schemas.LessonUpdate) -> Lesson:
        lesson = await self.lesson(lesson_id)
        self._may_change(lesson)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if "slug" in changes:
            changes["slug"] = await self._slug(
                Lesson, Lesson.level_id, lesson.level_id, changes["slug"], "", current=lesson.slug
            )
        self._apply(lesson, changes)
        await self.repo.bump_revision()
        await self.repo.flush()
        return lesson

    async def delete_lesson(self, lesson_id: str) -> None:
        lesson = await self.lesson(lesson_id)
        self._may_change(lesson)
        await self.repo.remove(lesson)
        await self.repo.flush()
        await self._compact(Lesson, Lesson.level_id, lesson.level_id)
        await self.repo.bump_revision()

    async def reorder_lessons(self, level_id: str, ids: Sequence[str]) -> list[str]:
        level = await self.level(level_id)
        self._may_change(level)
        return await self._reorder(Lesson, Lesson.level_id, level.id, ids)

    async def set_lesson_signs(self, lesson_id: str, sign_ids: Sequence[str]) -> list[str]:
        lesson = await self.lesson(lesson_id)
        self._may_change(lesson)
        if len(set(sign_ids)) != len(sign_ids):
            raise invalid("sign_ids", "each sign may appear once / cada seña una sola vez")
        await self._check_signs(await self._language_of_lesson(lesson), "sign_ids", sign_ids)
        await self.repo.replace_lesson_signs(lesson.id, sign_ids)
        await self.repo.bump_revision()
        return list(sign_ids)

    async def _check_signs(self, language_id: str, field: str, sign_ids: Sequence[str]) -> None:
        found = await self.repo.signs_by_ids(sign_ids)
        for index, sign_id in enumerate(sign_ids):
            sign = found.get(sign_id)
            if sign is None or sign.language_id != language_id:
                where = f"{field}[{index}]" if field.endswith("s") else field
                raise invalid(where, f"unknown sign in this language / seña desconocida: {sign_id}")

    # -- signs ----------------------------------------------------------------------------------------------

    async def create_sign(self, code: str, data: schemas.SignCreate) -> Sign:
        language = await self.language(code)
        self._may_change(language)
        slug = await self._slug(Sign, Sign.language_id, language.id, data.slug, data.gloss)
        sign = Sign(
            owner_id=self.owner_id,
            language_id=language.id,
            slug=slug,
            status=DRAFT,
            version=1,
            template_status="none",
            **data.model_dump(exclude={"slug"}),
        )
        refresh_search_columns(sign)
        self.repo.add(sign)
        await self.repo.bump_revision()
        await self.repo.flush()
        return sign

    async def update_sign(self, sign_id: str, data: schemas.SignUpdate) -> Sign:
        sign = await self.sign(sign_id)
        self._may_change(sign)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if "slug" in changes:
            changes["slug"] = await self._slug(
                Sign, Sign.language_id, sign.language_id, changes["slug"], "", current=sign.slug
            )
        self._apply(sign, changes)
        refresh_search_columns(sign)
        await self.repo.bump_revision()
        await self.repo.flush()
        return sign

    async def delete_sign(self, sign_id: str) -> None:
        sign = await self.sign(sign_id)
        self._may_change(sign)
        await self._detach_assets([sign.id])
        await self.repo.remove(sign)
        await self.repo.bump_revision()

    # -- exercises ------------------------------------------------------------------------------------------

    async def _check_exercise(self, language_id: str, exercise: Exercise) -> None:
        try:
            schemas.check_exercise_shape(exercise.kind, exercise.sign_id, list(exercise.distractor_ids), exercise.word)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise invalid(field, message) from None
        if exercise.sign_id:
            await self._check_signs(language_id, "sign_id", [exercise.sign_id])
        if exercise.distractor_ids:
            await self._check_signs(language_id, "distractor_ids", [str(d) for d in exercise.distractor_ids])
        if exercise.word:
            letters = {letter_key(s.gloss) for s in await self.repo.letter_signs(language_id, ALPHABET_CATEGORY)}
            missing = sorted({ch for ch in fingerspelling_letters(exercise.word) if ch not in letters})
            if missing:
                raise invalid(
                    "word",
                    "no alphabet sign for / sin seña del alfabeto para: " + ", ".join(m.upper() for m in missing),
                )

    async def create_exercise(self, lesson_id: str, data: schemas.ExerciseCreate) -> Exercise:
        lesson = await self.lesson(lesson_id)
        self._may_change(lesson)
        language_id = await self._language_of_lesson(lesson)
        exercise = Exercise(
            owner_id=self.owner_id,
            lesson_id=lesson.id,
            kind=data.kind,
            sign_id=data.sign_id,
            distractor_ids=list(data.distractor_ids),
            word=data.word,
            prompt_es=data.prompt_es,
            prompt_en=data.prompt_en,
            version=1,
        )
        await self._check_exercise(language_id, exercise)
        exercise.slug = await self._slug(Exercise, Exercise.lesson_id, lesson.id, data.slug, data.kind)
        exercise.position = await self._place(Exercise, Exercise.lesson_id, lesson.id, data.position)
        self.repo.add(exercise)
        await self.repo.bump_revision()
        await self.repo.flush()
        return exercise

    async def update_exercise(self, exercise_id: str, data: schemas.ExerciseUpdate) -> Exercise:
        exercise = await self.exercise(exercise_id)
        self._may_change(exercise)
        lesson = await self.lesson(exercise.lesson_id)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("slug") is not None:
            changes["slug"] = await self._slug(
                Exercise, Exercise.lesson_id, lesson.id, changes["slug"], "", current=exercise.slug
            )
        for required in ("slug", "prompt_es", "prompt_en", "distractor_ids"):
            if required in changes and changes[required] is None:
                del changes[required]
        self._apply(exercise, changes)
        await self._check_exercise(await self._language_of_lesson(lesson), exercise)
        await self.repo.bump_revision()
        await self.repo.flush()
        return exercise

    async def delete_exercise(self, exercise_id: str) -> None:
        exercise = await self.exercise(exercise_id)
        self._may_change(exercise)
        await self.repo.remove(exercise)
        await self.repo.flush()
        await self._compact(Exercise, Exercise.lesson_id, exercise.lesson_id)
        await self.repo.bump_revision()

    async def reorder_exercises(self, lesson_id: str, ids: Sequence[str]) -> list[str]:
        lesson = await self.lesson(lesson_id)
        self._may_change(lesson)
        return await self._reorder(Exercise, Exercise.lesson_id, lesson.id, ids)

    # -- publishing -----------------------------------------------------------------------------------------

    async def set_status(
        self, kind: PublishableKind, ident: str, published: bool
    ) -> SignLanguage | Level | Lesson | Sign:
        row: SignLanguage | Level | Lesson | Sign
        if kind == "languages":
            row = await self.language(ident)
        elif kind == "levels":
            row = await self.level(ident)
        elif kind == "lessons":
            row = await self.lesson(ident)
        else:
            row = await self.sign(ident)
        self._may_change(row)
        status = PUBLISHED if published else DRAFT
        if row.status != status:
            row.status = status
            row.version += 1
            await self.repo.bump_revision()
        await self.repo.flush()
        return row
