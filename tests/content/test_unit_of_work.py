"""One commit per request, in one place (``deps.get_unit_of_work``): a route that fails leaves nothing behind, a
commit that fails gets the database error answers, and files of deleted rows go only once the delete committed."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
from content_helpers import build_course, ok
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from test_media import upload_reference

from senas.content.bootstrap import ContentRoot
from senas.content.catalog.models import Level, Sign, SignLanguage
from senas.content.catalog.schemas import LanguageCreate
from senas.content.context import ContentPorts
from senas.content.deps import AuthorServiceDep, UnitOfWorkDep, get_ports, get_session
from senas.core.errors import ConflictError
from senas.platform import catalog
from senas.platform.blobs import BlobStore
from senas.wiring import Platform


async def languages(content_root: ContentRoot) -> list[str]:
    async with content_root.context.database.current().sessions() as session:
        return list(await session.scalars(select(SignLanguage.code)))


async def test_a_route_that_fails_after_writing_commits_nothing(
    client: httpx.AsyncClient, content_app: Any, content_root: ContentRoot, author_headers: dict[str, str]
) -> None:
    @content_app.post("/content/test/write-then-fail")
    async def write_then_fail(author: AuthorServiceDep) -> None:
        # Written and flushed: the database has seen the row.
        await author.create_language(LanguageCreate(code="xyz", name_es="Prueba", name_en="Test"))
        raise ConflictError("changed my mind", code="test_conflict")

    # An author's request (the author service now knows who is writing, to record and check owners).
    response = await client.post("/content/test/write-then-fail", headers=author_headers)
    assert response.status_code == 409
    assert response.json()["error"] == "test_conflict"
    assert await languages(content_root) == []


async def test_a_commit_that_fails_on_a_unique_slug_is_a_409(
    client: httpx.AsyncClient, content_app: Any, content_root: ContentRoot, author_headers: dict[str, str]
) -> None:
    """A lost race: the route's own checks passed, the database refuses the row when the request commits."""
    await ok(
        await client.post(
            "/content/author/languages",
            json={"code": "lsm", "name_es": "LSM", "name_en": "MSL"},
            headers=author_headers,
        ),
        201,
    )
    level = await ok(
        await client.post(
            "/content/author/languages/lsm/levels",
            json={"slug": "saludos", "title_es": "Saludos", "title_en": "Greetings"},
            headers=author_headers,
        ),
        201,
    )
    returned = []

    @content_app.post("/content/test/same-slug", status_code=201)
    async def same_slug(work: UnitOfWorkDep) -> dict[str, str]:
        # Added, not flushed: the INSERT reaches the database at the commit, after the route has returned.
        work.session.add(
            Level(language_id=level["language_id"], slug="saludos", position=2, title_es="Otra", title_en="Other")
        )
        returned.append(True)
        return {"slug": "saludos"}

    response = await client.post("/content/test/same-slug")
    assert returned == [True]
    assert response.status_code == 409, response.text
    assert response.json() == {
        "error": "conflict",
        "detail": "el cambio choca con otro simultáneo / the change conflicts with another one",
    }
    async with content_root.context.database.current().sessions() as session:
        assert list(await session.scalars(select(Level.slug))) == ["saludos"]


class RecordingStore:
    """The content-assets store, noting for each file it deletes whether the sign was still in the database."""

    def __init__(self, store: BlobStore, sign_still_there: Any) -> None:
        self.store = store
        self.sign_still_there = sign_still_there
        self.deleted: list[tuple[str, bool]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def delete(self, key: str) -> bool:
        self.deleted.append((key, await self.sign_still_there()))
        return await self.store.delete(key)


async def course_with_video(
    client: httpx.AsyncClient, platform: Platform, headers: dict[str, str]
) -> tuple[str, str, str]:
    course = await build_course(client, headers)
    sign_id = course.signs["MAMÁ"]
    asset_id = await upload_reference(client, platform, headers, sign_id, b"\x1a\x45\xdf\xa3" + b"v" * 100)
    asset = await ok(await client.post(f"/content/author/media/{asset_id}/confirm", headers=headers))
    return course.code, sign_id, str(asset["key"])


def record_deletes(content_app: Any, content_root: ContentRoot, sign_id: str) -> RecordingStore:
    database = content_root.context.database.current()

    async def sign_still_there() -> bool:
        async with database.sessions() as session:
            return await session.get(Sign, sign_id) is not None

    ports = content_root.context.ports
    store = RecordingStore(ports.assets, sign_still_there)
    recorded = dataclasses.replace(ports, assets=store)

    async def recording_ports() -> ContentPorts:
        return recorded

    content_app.dependency_overrides[get_ports] = recording_ports
    return store


async def test_files_of_a_deleted_sign_go_after_the_commit(
    client: httpx.AsyncClient,
    content_app: Any,
    content_root: ContentRoot,
    platform: Platform,
    author_headers: dict[str, str],
) -> None:
    _, sign_id, key = await course_with_video(client, platform, author_headers)
    store = record_deletes(content_app, content_root, sign_id)

    await ok(await client.delete(f"/content/author/signs/{sign_id}", headers=author_headers), 204)

    assert store.deleted == [(key, False)]  # the row was gone (committed) when the file was deleted
    assert await platform.blobs.store(catalog.CONTENT_ASSETS).head(key) is None


async def test_a_failed_commit_keeps_the_files(
    client: httpx.AsyncClient,
    content_app: Any,
    content_root: ContentRoot,
    platform: Platform,
    author_headers: dict[str, str],
) -> None:
    code, sign_id, key = await course_with_video(client, platform, author_headers)
    store = record_deletes(content_app, content_root, sign_id)
    database = content_root.context.database.current()

    async def session_that_cannot_commit() -> AsyncIterator[AsyncSession]:
        async with database.sessions() as session:

            async def commit() -> None:
                raise OperationalError("COMMIT", {}, ConnectionError("the database went away"))

            session.commit = commit  # type: ignore[method-assign]
            yield session

    content_app.dependency_overrides[get_session] = session_that_cannot_commit

    for path in (f"/content/author/signs/{sign_id}", f"/content/author/languages/{code}"):
        response = await client.delete(path, headers=author_headers)
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "unavailable"

    assert store.deleted == []
    assert await platform.blobs.store(catalog.CONTENT_ASSETS).head(key) is not None
    del content_app.dependency_overrides[get_session]
    assert (await ok(await client.get(f"/content/signs/{sign_id}")))["media"] is not None
