"""Loading the demo course (the bundle in ``senas.demo``) with the ordinary bundle importer."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from senas.content.bundles.importer import ImportReport, Progress, import_bundle
from senas.content.catalog.repository import CatalogRepository
from senas.content.context import ContentPorts
from senas.content.db import Database


def demo_bundle_path() -> Path:
    return Path(str(resources.files("senas.demo") / "course"))


async def seed_demo(
    database: Database, ports: ContentPorts, *, only_if_empty: bool = True, progress: Progress | None = None
) -> ImportReport | None:
    """Import the demo course; with ``only_if_empty``, only into a database without any language."""
    async with database.sessions() as session:
        if only_if_empty and await CatalogRepository(session).any_language():
            return None
        return await import_bundle(session, ports, demo_bundle_path(), progress=progress)
