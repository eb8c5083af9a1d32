"""Author API (teachers and admins): create, update, delete, reorder and publish the catalogue.

Anonymous callers get 401 and learners 403 on every route here. New items start as drafts; learners see them
once they and their parents are published. Each request is one transaction, committed by its unit of work
(``deps.UnitOfWorkDep``, through ``AuthorServiceDep``) once the route has returned."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from senas.content.catalog import schemas
from senas.content.catalog.author import PublishableKind
from senas.content.catalog.models import Exercise, Lesson, Level, Sign, SignLanguage
from senas.content.deps import AuthorServiceDep
from senas.core.auth import Author

router = APIRouter(prefix="/author", tags=["authoring"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a teacher or admin"},
    404: {"description": "Not found"},
    409: {
        "description": "Slug or code already taken, a simultaneous change conflicted, or an order that does not list "
        "the current children (`children_changed`)"
    },
    422: {"description": "Invalid payload; the field is named"},
}
KindPath = Annotated[PublishableKind, Path(description="languages | levels | lessons | signs")]


# -- languages --------------------------------------------------------------------------------------------------


@router.post(
    "/languages",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AuthorLanguageOut,
    responses=_ERRORS,
    summary="Create a language",
)
async def create_language(data: schemas.LanguageCreate, _: Author, author: AuthorServiceDep) -> SignLanguage:
    return await author.create_language(data)


@router.patch(
    "/languages/{code}", response_model=schemas.AuthorLanguageOut, responses=_ERRORS, summary="Update a language"
)
async def update_language(code: str, data: schemas.LanguageUpdate, _: Author, author: AuthorServiceDep) -> SignLanguage:
    return await author.update_language(code, data)


@router.delete(
    "/languages/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_ERRORS,
    summary="Delete a language and everything in it",
)
async def delete_language(code: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_language(code)


@router.put(
    "/languages/{code}/levels/order",
    response_model=schemas.OrderOut,
    responses=_ERRORS,
    summary="Reorder a language's levels",
)
async def reorder_levels(code: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep) -> schemas.OrderOut:
    return schemas.OrderOut(ids=await author.reorder_levels(code, data.ids))


# -- levels -----------------------------------------------------------------------------------------------------


@router.post(
    "/languages/{code}/levels",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AuthorLevelOut,
    responses=_ERRORS,
    summary="Create a level",
)
async def create_level(code: str, data: schemas.LevelCreate, _: Author, author: AuthorServiceDep) -> Level:
    return await author.create_level(code, data)


@router.patch("/levels/{level_id}", response_model=schemas.AuthorLevelOut, responses=_ERRORS, summary="Update a level")
async def update_level(level_id: str, data: schemas.LevelUpdate, _: Author, author: AuthorServiceDep) -> Level:
    return await author.update_level(level_id, data)


@router.delete("/levels/{level_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_level(level_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_level(level_id)


@router.put(
    "/levels/{level_id}/lessons/order",
    response_model=schemas.OrderOut,
    responses=_ERRORS,
    summary="Reorder a level's lessons",
)
async def reorder_lessons(
    level_id: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep
) -> schemas.OrderOut:
    return schemas.OrderOut(ids=await author.reorder_lessons(level_id, data.ids))


# -- lessons ----------------------------------------------------------------------------------------------------


@router.post(
    "/levels/{level_id}/lessons",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AuthorLessonOut,
    responses=_ERRORS,
    summary="Create a lesson",
)
async def create_lesson(level_id: str, data: schemas.LessonCreate, _: Author, author: AuthorServiceDep) -> Lesson:
    return await author.create_lesson(level_id, data)


@router.patch(
    "/lessons/{lesson_id}", response_model=schemas.AuthorLessonOut, responses=_ERRORS, summary="Update a lesson"
)
async def update_lesson(lesson_id: str, data: schemas.LessonUpdate, _: Author, author: AuthorServiceDep) -> Lesson:
    return await author.update_lesson(lesson_id, data)


@router.delete("/lessons/{lesson_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_lesson(lesson_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_lesson(lesson_id)


@router.put(
    "/lessons/{lesson_id}/signs",
    response_model=schemas.LessonSignsOut,
    responses=_ERRORS,
    summary="Set a lesson's signs, in order",
)
async def set_lesson_signs(
    lesson_id: str, data: schemas.LessonSignsIn, _: Author, author: AuthorServiceDep
) -> schemas.LessonSignsOut:
    return schemas.LessonSignsOut(sign_ids=await author.set_lesson_signs(lesson_id, data.sign_ids))


@router.put(
    "/lessons/{lesson_id}/exercises/order",
    response_model=schemas.OrderOut,
    responses=_ERRORS,
    summary="Reorder a lesson's exercises",
)
async def reorder_exercises(
    lesson_id: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep
) -> schemas.OrderOut:
    return schemas.OrderOut(ids=await author.reorder_exercises(lesson_id, data.ids))


# -- signs ------------------------------------------------------------------------------------------------------


@router.post(
    "/languages/{code}/signs",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AuthorSignOut,
    responses=_ERRORS,
    summary="Create a sign",
)
async def create_sign(code: str, data: schemas.SignCreate, _: Author, author: AuthorServiceDep) -> Sign:
    return await author.create_sign(code, data)


@router.patch("/signs/{sign_id}", response_model=schemas.AuthorSignOut, responses=_ERRORS, summary="Update a sign")
async def update_sign(sign_id: str, data: schemas.SignUpdate, _: Author, author: AuthorServiceDep) -> Sign:
    return await author.update_sign(sign_id, data)


@router.delete("/signs/{sign_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_sign(sign_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_sign(sign_id)


# -- exercises --------------------------------------------------------------------------------------------------


@router.post(
    "/lessons/{lesson_id}/exercises",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AuthorExerciseOut,
    responses=_ERRORS,
    summary="Create an exercise",
)
async def create_exercise(
    lesson_id: str, data: schemas.ExerciseCreate, _: Author, author: AuthorServiceDep
) -> Exercise:
    return await author.create_exercise(lesson_id, data)


@router.patch(
    "/exercises/{exercise_id}",
    response_model=schemas.AuthorExerciseOut,
    responses=_ERRORS,
    summary="Update an exercise",
)
async def update_exercise(
    exercise_id: str, data: schemas.ExerciseUpdate, _: Author, author: AuthorServiceDep
) -> Exercise:
    return await author.update_exercise(exercise_id, data)


@router.delete("/exercises/{exercise_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_exercise(exercise_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_exercise(exercise_id)


# -- publishing -------------------------------------------------------------------------------------------------


@router.post(
    "/{kind}/{ident}/publish",
    response_model=schemas.PublishableOut,
    responses=_ERRORS,
    summary="Publish (languages use their code)",
)
async def publish(
    kind: KindPath, ident: str, _: Author, author: AuthorServiceDep
) -> SignLanguage | Level | Lesson | Sign:
    return await author.set_status(kind, ident, published=True)


@router.post(
    "/{kind}/{ident}/unpublish",
    response_model=schemas.PublishableOut,
    responses=_ERRORS,
    summary="Back to draft (hidden from learners)",
)
async def unpublish(
    kind: KindPath, ident: str, _: Author, author: AuthorServiceDep
) -> SignLanguage | Level | Lesson | Sign:
    return await author.set_status(kind, ident, published=False)
