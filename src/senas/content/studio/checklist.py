"""What is missing before a lesson or a level can be published: shown to the author before publishing, so learners
never get a lesson without exercises, a sign without its video, a camera exercise without a template, or a sign
still in draft (learners would not see it)."""

from __future__ import annotations

from senas.content.catalog.models import DRAFT, Lesson, Sign
from senas.content.catalog.repository import CatalogRepository
from senas.content.studio.schemas import ChecklistOut, Problem
from senas.core.errors import NotFoundError


def _problem(where: str, code: str, es: str, en: str, *, blocking: bool = True) -> Problem:
    return Problem(where=where, code=code, blocking=blocking, message_es=es, message_en=en)


def _sign_problems(sign: Sign, where: str) -> list[Problem]:
    found: list[Problem] = []
    here = f"{where} › {sign.gloss}"
    if sign.status == DRAFT:
        found.append(
            _problem(here, "sign_draft", "La seña está en borrador.", "The sign is a draft (learners cannot see it).")
        )
    if sign.reference_asset_id is None:
        found.append(_problem(here, "sign_no_video", "La seña no tiene vídeo.", "The sign has no video."))
    elif sign.template_status != "ready":
        found.append(
            _problem(
                here,
                "template_not_ready",
                f"La plantilla de reconocimiento no está lista ({sign.template_status}).",
                f"The recognition template is not ready ({sign.template_status}).",
            )
        )
    return found


class PublishChecklist:
    def __init__(self, repo: CatalogRepository) -> None:
        self.repo = repo

    async def lesson(self, lesson_id: str) -> ChecklistOut:
        lesson = await self.repo.lesson(lesson_id)
        if lesson is None:
            raise NotFoundError(f"lección no encontrada / lesson not found: {lesson_id}", code="lesson_not_found")
        problems = await self._lesson_problems(lesson, f"«{lesson.title_es}»")
        level = await self.repo.level(lesson.level_id)
        if level is not None and level.status == DRAFT:
            problems.append(
                _problem(
                    f"«{level.title_es}»",
                    "parent_draft",
                    "El nivel sigue en borrador: publícalo también para que se vea la lección.",
                    "The level is still a draft: publish it too for learners to see the lesson.",
                    blocking=False,
                )
            )
        return _out("lessons", lesson.id, lesson.status, problems)

    async def level(self, level_id: str) -> ChecklistOut:
        level = await self.repo.level(level_id)
        if level is None:
            raise NotFoundError(f"nivel no encontrado / level not found: {level_id}", code="level_not_found")
        problems: list[Problem] = []
        lessons = await self.repo.lessons_of(level.id, include_drafts=True)
        if not lessons:
            problems.append(
                _problem(
                    f"«{level.title_es}»", "no_lessons", "El nivel no tiene lecciones.", "The level has no lessons."
                )
            )
        # Draft lessons stay hidden whatever their level: only what learners will see must be complete.
        for lesson in lessons:
            if lesson.status != DRAFT:
                problems += await self._lesson_problems(lesson, f"«{level.title_es}» › «{lesson.title_es}»")
        return _out("levels", level.id, level.status, problems)

    async def _lesson_problems(self, lesson: Lesson, where: str) -> list[Problem]:
        problems: list[Problem] = []
        exercises = await self.repo.exercises_of(lesson.id)
        if not exercises:
            problems.append(
                _problem(where, "no_exercises", "La lección no tiene ejercicios.", "The lesson has no exercises.")
            )
        wanted = list((await self.repo.lesson_sign_ids([lesson.id], include_drafts=True))[lesson.id])
        for exercise in exercises:
            wanted += [exercise.sign_id] if exercise.sign_id else []
            wanted += [str(d) for d in exercise.distractor_ids or []]
        signs = await self.repo.signs_by_ids(wanted)
        for sign_id in dict.fromkeys(wanted):
            if sign_id in signs:
                problems += _sign_problems(signs[sign_id], where)
        return problems


def _out(kind: str, ident: str, status: str, problems: list[Problem]) -> ChecklistOut:
    return ChecklistOut(
        kind=kind,
        id=ident,
        status=status,
        ready=not any(problem.blocking for problem in problems),
        problems=problems,
    )
