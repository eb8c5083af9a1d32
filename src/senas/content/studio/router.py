"""Studio routes (``/content/author/…``): a sign as its author sees it, the publish checklist, and bundles as ZIP
archives. HTTP only; the logic is in ``checklist`` and ``bundles``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from senas.content.catalog.repository import CatalogRepository
from senas.content.catalog.schemas import AuthorSignOut
from senas.content.deps import PortsDep, SessionDep, UnitOfWorkDep
from senas.content.ownership import may_change
from senas.content.studio import archive
from senas.content.studio.bundles import StudioBundles
from senas.content.studio.checklist import PublishChecklist
from senas.content.studio.schemas import BundleImportOut, ChecklistOut, StudioSignOut
from senas.core.auth import Admin, Author
from senas.core.errors import NotFoundError, UnsupportedMediaTypeError

router = APIRouter(prefix="/author", tags=["authoring"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a teacher or admin"},
    404: {"description": "Not found"},
}
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")


async def get_checklist(work: UnitOfWorkDep) -> PublishChecklist:
    return PublishChecklist(CatalogRepository(work.session))


async def get_bundles(work: UnitOfWorkDep, ports: PortsDep) -> StudioBundles:
    return StudioBundles(work.session, ports)


async def get_importer(session: SessionDep, ports: PortsDep) -> StudioBundles:
    # Not the request's unit of work: the importer commits (or rolls back) the whole bundle itself.
    return StudioBundles(session, ports)


ChecklistDep = Annotated[PublishChecklist, Depends(get_checklist)]
BundlesDep = Annotated[StudioBundles, Depends(get_bundles)]
ImporterDep = Annotated[StudioBundles, Depends(get_importer)]


@router.get("/signs/{sign_id}", response_model=StudioSignOut, responses=_ERRORS, summary="A sign as authors see it")
async def get_sign(sign_id: str, user: Author, work: UnitOfWorkDep) -> StudioSignOut:
    """Drafts included, with its reference video, template state and whether the caller may change it."""
    sign = await CatalogRepository(work.session).sign(sign_id)
    if sign is None:
        raise NotFoundError(f"seña no encontrada / sign not found: {sign_id}", code="sign_not_found")
    fields = AuthorSignOut.model_validate(sign).model_dump()
    return StudioSignOut(**fields, may_change=may_change(user, sign.owner_id))


@router.get(
    "/{kind}/{ident}/checklist",
    response_model=ChecklistOut,
    responses=_ERRORS,
    summary="What is missing before publishing a lesson or a level",
)
async def checklist(
    kind: Annotated[str, Path(pattern="^(lessons|levels)$", description="lessons | levels")],
    ident: str,
    _: Author,
    checks: ChecklistDep,
) -> ChecklistOut:
    return await (checks.lesson(ident) if kind == "lessons" else checks.level(ident))


@router.get(
    "/bundles/{code}",
    responses={**_ERRORS, 200: {"content": {"application/zip": {}}, "description": "the bundle as a ZIP archive"}},
    summary="Export a language, or one of its levels, as a bundle archive",
)
async def export_bundle(
    code: str,
    _: Author,
    bundles: BundlesDep,
    level: Annotated[str | None, Query(max_length=64, description="only this level (and the signs it uses)")] = None,
) -> Response:
    name, data = await bundles.export(code, level)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type="application/zip", headers=headers)


@router.post(
    "/bundles",
    response_model=BundleImportOut,
    responses={
        401: _ERRORS[401],
        403: {"description": "Not an admin (an import may change any content)"},
        413: {"description": f"Archive over {archive.MAX_ARCHIVE_MB} MB"},
        415: {"description": "Not a ZIP archive"},
        422: {"description": "`bundle_invalid`: every problem in `problems`, located; nothing was changed"},
    },
    summary="Import a bundle archive (all or nothing)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ZIP_TYPES},
        }
    },
)
async def import_bundle(request: Request, _: Admin, bundles: ImporterDep) -> BundleImportOut:
    """Admins only: a bundle upserts by code and slug, so it can change content of any author."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ZIP_TYPES:
        raise UnsupportedMediaTypeError("envía un archivo ZIP / send a ZIP archive (application/zip)")
    report = await bundles.import_archive(await request.body())
    return BundleImportOut(**report.as_dict())
