"""Author API (teachers and admins): create, update, delete, reorder and publish the catalogue.

Anonymous callers get 401 and learners 403 on every route here. New items start as drafts; learners see them
once they and their parents are published."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from senas.content.catalog import schemas
from senas.content.catalog.author import PublishableKind, as_dict
from senas.content.deps import AuthorServiceDep, PortsDep
from senas.content.media.service import delete_blobs_quietly
from senas.core.auth import Author

router = APIRouter(prefix="/author", tags=["authoring"])

Row = dict[str, Any]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a teacher or admin"},
    404: {"description": "Not found"},
    409: {"description": "Slug or code already taken"},
    422: {"description": "Invalid payload; the field is named"},
}


# -- languages --------------------------------------------------------------------------------------------------


@router.post("/languages", status_code=status.HTTP_201_CREATED, responses=_ERRORS, summary="Create a language")
async def create_language(data: schemas.LanguageCreate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.create_language(data)
    await author.commit()
    return as_dict(row)


@router.patch("/languages/{code}", responses=_ERRORS, summary="Update a language")
async def update_language(code: str, data: schemas.LanguageUpdate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.update_language(code, data)
    await author.commit()
    return as_dict(row)


@router.delete(
    "/languages/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_ERRORS,
    summary="Delete a language and everything in it",
)
async def delete_language(code: str, _: Author, author: AuthorServiceDep, ports: PortsDep) -> None:
    blobs = await author.delete_language(code)
    await author.commit()
    await delete_blobs_quietly(ports, blobs)


@router.put("/languages/{code}/levels/order", responses=_ERRORS, summary="Reorder a language's levels")
async def reorder_levels(code: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep) -> Row:
    ids = await author.reorder_levels(code, data.ids)
    await author.commit()
    return {"ids": ids}


# -- levels -----------------------------------------------------------------------------------------------------


@router.post(
    "/languages/{code}/levels", status_code=status.HTTP_201_CREATED, responses=_ERRORS, summary="Create a level"
)
async def create_level(code: str, data: schemas.LevelCreate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.create_level(code, data)
    await author.commit()
    return as_dict(row)


@router.patch("/levels/{level_id}", responses=_ERRORS, summary="Update a level")
async def update_level(level_id: str, data: schemas.LevelUpdate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.update_level(level_id, data)
    await author.commit()
    return as_dict(row)


@router.delete("/levels/{level_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_level(level_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_level(level_id)
    await author.commit()


@router.put("/levels/{level_id}/lessons/order", responses=_ERRORS, summary="Reorder a level's lessons")
async def reorder_lessons(level_id: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep) -> Row:
    ids = await author.reorder_lessons(level_id, data.ids)
    await author.commit()
    return {"ids": ids}


# -- lessons ----------------------------------------------------------------------------------------------------


@router.post(
    "/levels/{level_id}/lessons", status_code=status.HTTP_201_CREATED, responses=_ERRORS, summary="Create a lesson"
)
async def create_lesson(level_id: str, data: schemas.LessonCreate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.create_lesson(level_id, data)
    await author.commit()
    return as_dict(row)


@router.patch("/lessons/{lesson_id}", responses=_ERRORS, summary="Update a lesson")
async def update_lesson(lesson_id: str, data: schemas.LessonUpdate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.update_lesson(lesson_id, data)
    await author.commit()
    return as_dict(row)


@router.delete("/lessons/{lesson_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_lesson(lesson_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_lesson(lesson_id)
    await author.commit()


@router.put("/lessons/{lesson_id}/signs", responses=_ERRORS, summary="Set a lesson's signs, in order")
async def set_lesson_signs(lesson_id: str, data: schemas.LessonSignsIn, _: Author, author: AuthorServiceDep) -> Row:
    ids = await author.set_lesson_signs(lesson_id, data.sign_ids)
    await author.commit()
    return {"sign_ids": ids}


@router.put("/lessons/{lesson_id}/exercises/order", responses=_ERRORS, summary="Reorder a lesson's exercises")
async def reorder_exercises(lesson_id: str, data: schemas.OrderIn, _: Author, author: AuthorServiceDep) -> Row:
    ids = await author.reorder_exercises(lesson_id, data.ids)
    await author.commit()
    return {"ids": ids}


# -- signs ------------------------------------------------------------------------------------------------------


@router.post("/languages/{code}/signs", status_code=status.HTTP_201_CREATED, responses=_ERRORS, summary="Create a sign")
async def create_sign(code: str, data: schemas.SignCreate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.create_sign(code, data)
    await author.commit()
    return as_dict(row)


@router.patch("/signs/{sign_id}", responses=_ERRORS, summary="Update a sign")
async def update_sign(sign_id: str, data: schemas.SignUpdate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.update_sign(sign_id, data)
    await author.commit()
    return as_dict(row)


@router.delete("/signs/{sign_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_sign(sign_id: str, _: Author, author: AuthorServiceDep, ports: PortsDep) -> None:
    blobs = await author.delete_sign(sign_id)
    await author.commit()
    await delete_blobs_quietly(ports, blobs)


# -- exercises --------------------------------------------------------------------------------------------------


@router.post(
    "/lessons/{lesson_id}/exercises",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    summary="Create an exercise",
)
async def create_exercise(lesson_id: str, data: schemas.ExerciseCreate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.create_exercise(lesson_id, data)
    await author.commit()
    return as_dict(row)


@router.patch("/exercises/{exercise_id}", responses=_ERRORS, summary="Update an exercise")
async def update_exercise(exercise_id: str, data: schemas.ExerciseUpdate, _: Author, author: AuthorServiceDep) -> Row:
    row = await author.update_exercise(exercise_id, data)
    await author.commit()
    return as_dict(row)


@router.delete("/exercises/{exercise_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def delete_exercise(exercise_id: str, _: Author, author: AuthorServiceDep) -> None:
    await author.delete_exercise(exercise_id)
    await author.commit()


# -- publishing -------------------------------------------------------------------------------------------------


@router.post("/{kind}/{ident}/publish", responses=_ERRORS, summary="Publish (languages use their code)")
async def publish(
    kind: Annotated[PublishableKind, Path(description="languages | levels | lessons | signs")],
    ident: str,
    _: Author,
    author: AuthorServiceDep,
) -> Row:
    row = await author.set_status(kind, ident, published=True)
    await author.commit()
    return as_dict(row)


@router.post("/{kind}/{ident}/unpublish", responses=_ERRORS, summary="Back to draft (hidden from learners)")
async def unpublish(
    kind: Annotated[PublishableKind, Path(description="languages | levels | lessons | signs")],
    ident: str,
    _: Author,
    author: AuthorServiceDep,
) -> Row:
    row = await author.set_status(kind, ident, published=False)
    await author.commit()
    return as_dict(row)
