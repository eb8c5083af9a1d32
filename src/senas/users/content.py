"""What the user service needs from the content service: which level a lesson belongs to, its signs, and the
lessons of a level. Fetched over the internal HTTP client and cached for a while (course structure changes
rarely, and a completion must not wait on it)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import structlog

from senas.core.internal import ServiceClients

log = structlog.get_logger(__name__)


class ContentUnavailable(Exception):
    """The content service did not answer usefully; the caller records what it can and re-checks later."""


@dataclass(frozen=True)
class LessonInfo:
    id: str
    level_id: str
    language: str
    sign_ids: tuple[str, ...]


@dataclass(frozen=True)
class LevelInfo:
    id: str
    language: str
    lesson_ids: tuple[str, ...]
    title_es: str = ""
    title_en: str = ""


class ContentClient(Protocol):
    async def lesson(self, lesson_id: str) -> LessonInfo | None:
        """None when the lesson does not exist; raises ContentUnavailable."""

    async def level(self, level_id: str) -> LevelInfo | None:
        """None when the level does not exist; raises ContentUnavailable."""


class HttpContentClient:
    def __init__(self, services: ServiceClients, *, cache_seconds: float = 300.0) -> None:
        self._services = services
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Any]] = {}

    async def _get(self, path: str) -> dict[str, Any] | None:
        cached = self._cache.get(path)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]  # type: ignore[no-any-return]
        try:
            response = await self._services.client("content").get(path)
        except httpx.HTTPError as exc:
            raise ContentUnavailable(f"content service unreachable: {exc}") from exc
        if response.status_code == 404:
            body = None
        elif response.status_code != 200:
            raise ContentUnavailable(f"content service answered {response.status_code} for {path}")
        else:
            try:
                body = response.json()
            except ValueError as exc:
                raise ContentUnavailable(f"content service sent invalid JSON for {path}") from exc
        if body is not None:  # a lesson published a moment ago must not stay "missing" for the cache's life
            self._cache[path] = (time.monotonic(), body)
        return body

    async def lesson(self, lesson_id: str) -> LessonInfo | None:
        body = await self._get(f"/content/lessons/{lesson_id}")
        if body is None:
            return None
        try:
            return LessonInfo(
                id=str(body["id"]),
                level_id=str(body["level_id"]),
                language=str(body["language"]),
                sign_ids=tuple(str(sign["id"]) for sign in body.get("signs", [])),
            )
        except (KeyError, TypeError) as exc:
            raise ContentUnavailable(f"unexpected lesson shape from the content service: {exc}") from exc

    async def level(self, level_id: str) -> LevelInfo | None:
        body = await self._get(f"/content/levels/{level_id}")
        if body is None:
            return None
        try:
            return LevelInfo(
                id=str(body["id"]),
                language=str(body["language"]),
                lesson_ids=tuple(str(lesson["id"]) for lesson in body["lessons"]),
                title_es=str(body.get("title_es", "")),
                title_en=str(body.get("title_en", "")),
            )
        except (KeyError, TypeError) as exc:
            raise ContentUnavailable(f"unexpected level shape from the content service: {exc}") from exc
