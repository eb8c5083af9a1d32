"""Bundle export and import over HTTP: the existing bundle format and its validator, one ZIP archive each way.

Export writes a language (or one level of it, with just the signs that level uses) through the same exporter as
``senas content export``; import unpacks the archive safely (``archive``) and runs the same all-or-nothing
importer as ``senas content import``, so nothing is half-imported and every problem is reported with its place."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from senas.content.bundles import format as fmt
from senas.content.bundles.exporter import export_bundle
from senas.content.bundles.importer import BundleImporter, ImportReport
from senas.content.catalog.reader import ALPHABET_CATEGORY
from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentPorts
from senas.content.studio import archive
from senas.content.text import normalise
from senas.core.errors import InvalidInputError, NotFoundError, PayloadTooLargeError


def narrow_to_level(root: Path, level_slug: str) -> None:
    """Rewrite the exported bundle in ``root`` to hold one level and only the signs it uses (its lessons' signs,
    its exercises' signs and choices, and the alphabet when it spells)."""
    path = root / "bundle.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for language in document["languages"]:
        language["levels"] = [level for level in language["levels"] if level["slug"] == level_slug]
        used: set[str] = set()
        spells = False
        for level in language["levels"]:
            for lesson in level["lessons"]:
                used.update(lesson.get("signs", []))
                for exercise in lesson.get("exercises", []):
                    used.update([exercise["sign"]] if exercise.get("sign") else [])
                    used.update(exercise.get("distractors", []))
                    spells = spells or exercise["kind"] == "fingerspell"
        kept = []
        for sign in language["signs"]:
            alphabet = spells and normalise(sign.get("category", "")) == ALPHABET_CATEGORY
            if sign["slug"] in used or alphabet:
                kept.append(sign)
            elif sign.get("media"):
                (root / sign["media"]["file"]).unlink(missing_ok=True)
        language["signs"] = kept
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)
    path.write_text(text, encoding="utf-8")


class StudioBundles:
    def __init__(self, session: AsyncSession, ports: ContentPorts) -> None:
        self.session = session
        self.ports = ports
        self.repo = CatalogRepository(session)

    async def export(self, code: str, level_id: str | None) -> tuple[str, bytes]:
        """(file name, ZIP archive) of the language ``code``, or of its level ``level_id``."""
        language = await self.repo.language_by_code(code)
        if language is None:
            raise NotFoundError(
                f"lengua de señas no encontrada / language not found: {code}", code="language_not_found"
            )
        level = await self.repo.level(level_id) if level_id else None
        if level_id and (level is None or level.language_id != language.id):
            raise NotFoundError(f"nivel no encontrado / level not found: {level_id}", code="level_not_found")
        with tempfile.TemporaryDirectory(prefix="senas-export-") as folder:
            root = Path(folder)
            await export_bundle(self.session, self.ports, root, codes=[code])
            if level is not None:
                await asyncio.to_thread(narrow_to_level, root, level.slug)
            data = await asyncio.to_thread(archive.pack, root)
        name = f"senas-{code}-{level.slug}.zip" if level is not None else f"senas-{code}.zip"
        return name, data

    async def import_archive(self, data: bytes) -> ImportReport:
        if len(data) > archive.MAX_ARCHIVE_BYTES:
            raise PayloadTooLargeError(
                f"el paquete supera {archive.MAX_ARCHIVE_MB} MB / the bundle is over {archive.MAX_ARCHIVE_MB} MB"
            )
        with tempfile.TemporaryDirectory(prefix="senas-import-") as folder:
            prefix = await asyncio.to_thread(os.path.realpath, folder)
            try:
                root = await asyncio.to_thread(archive.unpack, data, Path(folder))
                return await BundleImporter(self.session, self.ports).run(root)
            except fmt.BundleInvalid as exc:
                # Problems name files inside the bundle, never this server's temporary folder.
                problems = [problem.replace(prefix + "/", "").replace(prefix, "") for problem in exc.problems]
                raise InvalidInputError(
                    f"paquete rechazado, no se ha cambiado nada / bundle refused, nothing changed: "
                    f"{len(problems)} problema(s) / problem(s)",
                    code="bundle_invalid",
                    extra={"problems": problems},
                ) from None
