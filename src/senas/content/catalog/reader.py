"""The learner-facing read side: builds the views of languages, levels, lessons, signs and dictionary pages.

Learners (and anonymous visitors) see published content only: a lesson is visible when it, its level and its
language are published; a sign when it and its language are. Authors asking for a preview see drafts too.
An exercise that refers to a sign the viewer cannot see is left out rather than shown half-empty. Every view is
built through the response model its route declares (``schemas.py``).

A learner's exercise never says which choice is right (opaque option ids, no ``sign_id``); a preview does, and so
does the answer key the user service grades with — built by the same code as the learner's view, so that it holds
exactly the exercises and options learners are shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from senas.content.catalog.answers import OptionIds
from senas.content.catalog.models import PUBLISHED, Exercise, Lesson, Level, Sign, SignLanguage
from senas.content.catalog.repository import CatalogRepository
from senas.content.catalog.schemas import (
    MULTIPLE_CHOICE,
    AnswerKeyOut,
    DictionaryPageOut,
    LanguageLevelsOut,
    LanguageOut,
    LessonOut,
    LessonPreviewOut,
    LevelOut,
    SignOut,
)
from senas.content.db import Database
from senas.content.media.models import VISIBLE_STATES, MediaAsset
from senas.content.text import fingerspelling_letters, letter_key, normalise
from senas.content.views import MediaRef, View, ViewCache
from senas.core.errors import ConflictError, NotFoundError

ALPHABET_CATEGORY = "alfabeto"


_NOT_FOUND_ES = {
    "language": "lengua de señas no encontrada",
    "level": "nivel no encontrado",
    "lesson": "lección no encontrada",
    "sign": "seña no encontrada",
}


def _not_found(what: str, ident: str) -> NotFoundError:
    return NotFoundError(f"{_NOT_FOUND_ES[what]} / {what} not found: {ident}", code=f"{what}_not_found")


class CatalogReader:
    """Reads through the view cache; a database session is opened only when the cache needs one."""

    def __init__(self, database: Database, cache: ViewCache, options: OptionIds, *, include_drafts: bool) -> None:
        self.database = database
        self.cache = cache
        self.options = options
        self.include_drafts = include_drafts
        self._repo: CatalogRepository | None = None

    @property
    def repo(self) -> CatalogRepository:
        assert self._repo is not None, "the repository is only available while loading a view"
        return self._repo

    async def _cached(self, key: Hashable, load: Callable[[], Awaitable[View]]) -> View:
        async def with_session(action: Callable[[], Awaitable[Any]]) -> Any:
            async with self.database.sessions() as session:
                self._repo = CatalogRepository(session)
                try:
                    return await action()
                finally:
                    self._repo = None

        async def revision() -> int:
            value: int = await with_session(lambda: self.repo.revision())
            return value

        async def load_view() -> View:
            view: View = await with_session(load)
            return view

        return await self.cache.get((key, self.include_drafts), load_view, revision)

    def _visible(self, *rows: SignLanguage | Level | Lesson | Sign | None) -> bool:
        return all(row is not None and (self.include_drafts or row.status == PUBLISHED) for row in rows)

    # -- languages ----------------------------------------------------------------------------------------

    async def languages(self) -> View:
        async def load() -> View:
            rows = await self.repo.languages(include_drafts=self.include_drafts)
            return View(
                [_shape(LanguageOut, self._language(language) | {"level_count": count}) for language, count in rows]
            )

        return await self._cached(("languages",), load)

    @staticmethod
    def _language(language: SignLanguage) -> dict[str, Any]:
        return {
            "id": language.id,
            "code": language.code,
            "name_es": language.name_es,
            "name_en": language.name_en,
            "description_es": language.description_es,
            "description_en": language.description_en,
            "status": language.status,
        }

    async def levels_of_language(self, code: str) -> View:
        async def load() -> View:
            language = await self.repo.language_by_code(code)
            if language is None or not self._visible(language):
                raise _not_found("language", code)
            rows = await self.repo.levels_with_lesson_counts(language.id, include_drafts=self.include_drafts)
            levels = [
                {
                    "id": level.id,
                    "slug": level.slug,
                    "position": level.position,
                    "title_es": level.title_es,
                    "title_en": level.title_en,
                    "description_es": level.description_es,
                    "description_en": level.description_en,
                    "status": level.status,
                    "lesson_count": count,
                }
                for level, count in rows
            ]
            return View(_shape(LanguageLevelsOut, {"language": self._language(language), "levels": levels}))

        return await self._cached(("levels", code), load)

    # -- level ---------------------------------------------------------------------------------------------

    async def level(self, level_id: str) -> View:
        async def load() -> View:
            level = await self.repo.level(level_id)
            language = await self.repo.language(level.language_id) if level else None
            if level is None or language is None or not self._visible(level, language):
                raise _not_found("level", level_id)
            lessons = await self.repo.lessons_of(level.id, include_drafts=self.include_drafts)
            sign_ids = await self.repo.lesson_sign_ids(
                [lesson.id for lesson in lessons], include_drafts=self.include_drafts
            )
            payload = {
                "id": level.id,
                "slug": level.slug,
                "language": language.code,
                "position": level.position,
                "title_es": level.title_es,
                "title_en": level.title_en,
                "description_es": level.description_es,
                "description_en": level.description_en,
                "status": level.status,
                "lessons": [
                    {
                        "id": lesson.id,
                        "slug": lesson.slug,
                        "position": lesson.position,
                        "title_es": lesson.title_es,
                        "title_en": lesson.title_en,
                        "status": lesson.status,
                        "sign_ids": sign_ids.get(lesson.id, []),
                    }
                    for lesson in lessons
                ],
            }
            return View(_shape(LevelOut, payload))

        return await self._cached(("level", level_id), load)

    # -- lesson --------------------------------------------------------------------------------------------

    async def lesson(self, lesson_id: str) -> View:
        async def load() -> View:
            lesson = await self.repo.lesson(lesson_id)
            level = await self.repo.level(lesson.level_id) if lesson else None
            language = await self.repo.language(level.language_id) if level else None
            if lesson is None or not self._visible(lesson, level, language):
                raise _not_found("lesson", lesson_id)
            assert level is not None
            assert language is not None
            return await self._lesson_view(lesson, level, language)

        return await self._cached(("lesson", lesson_id), load)

    async def _lesson_view(self, lesson: Lesson, level: Level, language: SignLanguage) -> View:
        parts = await self._lesson_parts(lesson, language)
        payload = {
            "id": lesson.id,
            "slug": lesson.slug,
            "level_id": level.id,
            "language": language.code,
            "position": lesson.position,
            "title_es": lesson.title_es,
            "title_en": lesson.title_en,
            "description_es": lesson.description_es,
            "description_en": lesson.description_en,
            "status": lesson.status,
            "signs": [parts.summaries[sid] for sid in parts.sign_ids],
            "exercises": parts.views,
        }
        return View(_shape(LessonPreviewOut if self.include_drafts else LessonOut, payload), parts.refs)

    async def _lesson_parts(self, lesson: Lesson, language: SignLanguage) -> _LessonParts:
        """The lesson's visible signs and exercises: as the viewer sees them, and with their answers."""
        lesson_sign_ids = (await self.repo.lesson_sign_ids([lesson.id], include_drafts=self.include_drafts))[lesson.id]
        exercises = await self.repo.exercises_of(lesson.id)
        wanted = set(lesson_sign_ids)
        letters_needed = any(exercise.kind == "fingerspell" for exercise in exercises)
        for exercise in exercises:
            if exercise.sign_id:
                wanted.add(exercise.sign_id)
            wanted.update(str(sign_id) for sign_id in exercise.distractor_ids)
        signs = await self.repo.signs_by_ids(wanted)
        letters: dict[str, Sign] = {}
        if letters_needed:
            for sign in await self.repo.letter_signs(language.id, ALPHABET_CATEGORY):
                letters[letter_key(sign.gloss)] = sign
        visible = {sid: sign for sid, sign in signs.items() if self._visible(sign)}
        assets = await self.repo.assets_by_ids(
            sign.reference_asset_id for sign in [*visible.values(), *letters.values()]
        )
        parts = _LessonParts(sign_ids=[sid for sid in lesson_sign_ids if sid in visible])

        def media(sign: Sign) -> MediaRef | None:
            ref = _media_ref(assets.get(sign.reference_asset_id or ""))
            if ref is not None:
                parts.refs.append(ref)
            return ref

        parts.summaries = {sid: _sign_summary(sign, media(sign)) for sid, sign in visible.items()}
        for exercise in exercises:
            built = self._exercise(exercise, parts.summaries, letters, media)
            if built is not None:
                view, key = built
                parts.views.append(view)
                parts.keys.append(key)
        return parts

    def _exercise(
        self,
        exercise: Exercise,
        summaries: dict[str, dict[str, Any]],
        letters: dict[str, Sign],
        media: Any,
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(the exercise as the viewer sees it, its answer key); None when it cannot be shown whole."""
        view: dict[str, Any] = {
            "id": exercise.id,
            "slug": exercise.slug,
            "position": exercise.position,
            "kind": exercise.kind,
            "prompt_es": exercise.prompt_es,
            "prompt_en": exercise.prompt_en,
            "media": None,
            "meaning_es": None,
            "meaning_en": None,
            "sign": None,
            "choices": [],
            "word": exercise.word,
            "letters": [],
        }
        key: dict[str, Any] = {
            "id": exercise.id,
            "kind": exercise.kind,
            "position": exercise.position,
            "sign_id": exercise.sign_id,
            "gloss": None,
            "meaning_es": None,
            "meaning_en": None,
            "options": [],
            "letters": [],
            "word": exercise.word,
        }
        if self.include_drafts:
            view["sign_id"] = exercise.sign_id
        if exercise.kind == "fingerspell":
            for letter in fingerspelling_letters(exercise.word):
                sign = letters.get(letter)
                if sign is None or not self._visible(sign):
                    return None
                view["letters"].append({"letter": letter.upper(), "sign_id": sign.id, "media": media(sign)})
                key["letters"].append(letter.upper())
            return view, key
        target = summaries.get(exercise.sign_id or "")
        if target is None:
            return None
        key.update({field: target[field] for field in ("gloss", "meaning_es", "meaning_en")})
        if exercise.kind == "perform_sign":
            view["sign"] = target
        elif exercise.kind in MULTIPLE_CHOICE:
            sign_ids = [target["id"], *(str(d) for d in exercise.distractor_ids)]
            if any(sid not in summaries for sid in sign_ids):
                return None
            options = sorted((self.options.of(exercise.id, sid), sid) for sid in sign_ids)  # opaque, so no hint
            watch = exercise.kind == "watch_choose_meaning"
            if watch:
                view["media"] = target["media"]
            else:
                view["meaning_es"], view["meaning_en"] = target["meaning_es"], target["meaning_en"]
            for option_id, sid in options:
                option = summaries[sid]
                choice = {
                    "id": option_id,
                    "meaning_es": option["meaning_es"] if watch else None,
                    "meaning_en": option["meaning_en"] if watch else None,
                    "media": None if watch else option["media"],
                }
                if self.include_drafts:
                    choice.update(sign_id=sid, gloss=option["gloss"], correct=sid == target["id"])
                view["choices"].append(choice)
                key["options"].append(
                    {
                        "id": option_id,
                        "sign_id": sid,
                        "gloss": option["gloss"],
                        "meaning_es": option["meaning_es"],
                        "meaning_en": option["meaning_en"],
                        "correct": sid == target["id"],
                    }
                )
        return view, key

    # -- answer key ----------------------------------------------------------------------------------------

    async def answer_key(self, lesson_id: str) -> View:
        """The published lesson's exercises with their answers (the user service grades attempts with it). A
        lesson that exists but is not published (or whose level or language is not) is a 409, not a 404, so
        the caller can tell a learner why."""

        async def load() -> View:
            lesson = await self.repo.lesson(lesson_id)
            level = await self.repo.level(lesson.level_id) if lesson else None
            language = await self.repo.language(level.language_id) if level else None
            if lesson is None or level is None or language is None:
                raise _not_found("lesson", lesson_id)
            if not all(row.status == PUBLISHED for row in (lesson, level, language)):
                raise ConflictError(
                    f"la lección no está publicada / the lesson is not published: {lesson_id}",
                    code="lesson_not_published",
                )
            parts = await self._lesson_parts(lesson, language)
            course_lessons, course_exercises = await self.repo.course_size(language.id)
            payload = {
                "lesson_id": lesson.id,
                "level_id": level.id,
                "language": language.code,
                "sign_ids": parts.sign_ids,
                "exercises": parts.keys,
                "course_lessons": course_lessons,
                "course_exercises": course_exercises,
            }
            return View(_shape(AnswerKeyOut, payload))

        return await self._cached(("answer-key", lesson_id), load)

    # -- sign and dictionary -------------------------------------------------------------------------------

    async def sign(self, sign_id: str) -> View:
        async def load() -> View:
            sign = await self.repo.sign(sign_id)
            language = await self.repo.language(sign.language_id) if sign else None
            if sign is None or not self._visible(sign, language):
                raise _not_found("sign", sign_id)
            assert language is not None
            assets = await self.repo.assets_by_ids([sign.reference_asset_id, sign.image_asset_id])
            refs: list[MediaRef] = []
            video = _media_ref(assets.get(sign.reference_asset_id or ""))
            image = _media_ref(assets.get(sign.image_asset_id or ""))
            refs.extend(ref for ref in (video, image) if ref is not None)
            payload = _sign_summary(sign, video) | {
                "language": language.code,
                "description_es": sign.description_es,
                "description_en": sign.description_en,
                "image": image,
                "template_version": sign.template_version,
            }
            return View(_shape(SignOut, payload), refs)

        return await self._cached(("sign", sign_id), load)

    async def dictionary(
        self, code: str, *, query: str, category: str, handshape: str, page: int, page_size: int
    ) -> View:
        key = ("dictionary", code, normalise(query), normalise(category), normalise(handshape), page, page_size)

        async def load() -> View:
            language = await self.repo.language_by_code(code)
            if language is None or not self._visible(language):
                raise _not_found("language", code)
            signs, total = await self.repo.search_signs(
                language.id,
                text=normalise(query),
                category=normalise(category),
                handshape=normalise(handshape),
                include_drafts=self.include_drafts,
                offset=(page - 1) * page_size,
                limit=page_size,
            )
            assets = await self.repo.assets_by_ids(sign.reference_asset_id for sign in signs)
            refs: list[MediaRef] = []
            items = []
            for sign in signs:
                ref = _media_ref(assets.get(sign.reference_asset_id or ""))
                if ref is not None:
                    refs.append(ref)
                items.append(_sign_summary(sign, ref))
            pages = (total + page_size - 1) // page_size
            payload = {
                "language": code,
                "items": items,
                "page": page,
                "page_size": page_size,
                "total": total,
                "pages": pages,
            }
            return View(_shape(DictionaryPageOut, payload), refs)

        return await self._cached(key, load)


@dataclass
class _LessonParts:
    sign_ids: list[str]
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    refs: list[MediaRef] = field(default_factory=list)


def _shape(model: type[BaseModel], payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as its response model has it: validated (a payload that drifts from the model the route
    declares fails here, once per cache fill, not per request) and back to plain data, MediaRefs kept as they are
    for signing when the view is sent."""
    return model.model_validate(payload).model_dump()


def _media_ref(asset: MediaAsset | None) -> MediaRef | None:
    if asset is None or asset.state not in VISIBLE_STATES:
        return None
    return MediaRef(asset.id, asset.bucket, asset.key, asset.content_type, asset.demo)


def _sign_summary(sign: Sign, media: MediaRef | None) -> dict[str, Any]:
    return {
        "id": sign.id,
        **sign.words(),
        "status": sign.status,
        "template_status": sign.template_status,
        "media": media,
    }
