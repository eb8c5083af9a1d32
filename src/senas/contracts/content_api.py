"""The content service's read API as the other services use it: one typed client and the parts of its answers
they rely on. The ML service (a sign's identity, a lesson's vocabulary) and the user service (a lesson's level and
signs, a level's lessons) call it through this one client, never the content database.

The models are the subset of ``senas.content.catalog.schemas`` (``SignOut``, ``LessonOut``, ``LevelOut``,
``AnswerKeyOut``) the callers read; fields the callers do not need are ignored, so the content service can add
fields freely. A test checks these models against the content service's own response schemas.

The answer key of a lesson (what the user service grades attempts with) comes from an internal route that learners
cannot read: the client sends a service grant (``senas.core.grants``) signed for that one request.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, ValidationError

from senas.core.grants import ServiceGrants
from senas.core.internal import ServiceClients

log = structlog.get_logger(__name__)

CONTENT = "content"
MAX_ANSWER_KEYS = 2048
M = TypeVar("M", bound=BaseModel)


class ContentUnavailable(Exception):
    """The content service did not answer usefully; the caller degrades or retries (never a 500)."""


class LessonNotPublished(Exception):
    """The lesson exists but is not published (or its level or language is not): it cannot be attempted."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SignRef(_Answer):
    """``GET /content/signs/{id}``."""

    id: str
    language: str
    slug: str
    gloss: str


class LessonSign(_Answer):
    id: str
    slug: str
    gloss: str


class LessonRef(_Answer):
    """``GET /content/lessons/{id}``."""

    id: str
    level_id: str
    language: str
    signs: tuple[LessonSign, ...] = ()

    @property
    def sign_ids(self) -> tuple[str, ...]:
        return tuple(sign.id for sign in self.signs)


class LevelLesson(_Answer):
    id: str


class LevelRef(_Answer):
    """``GET /content/levels/{id}``."""

    id: str
    language: str
    lessons: tuple[LevelLesson, ...]
    title_es: str = ""
    title_en: str = ""

    @property
    def lesson_ids(self) -> tuple[str, ...]:
        return tuple(lesson.id for lesson in self.lessons)


class KeyOption(_Answer):
    id: str
    sign_id: str
    gloss: str
    meaning_es: str
    meaning_en: str
    correct: bool


class KeyExercise(_Answer):
    id: str
    kind: str
    position: int
    sign_id: str | None
    gloss: str | None
    meaning_es: str | None
    meaning_en: str | None
    options: tuple[KeyOption, ...] = ()
    letters: tuple[str, ...] = ()
    word: str | None = None


class AnswerKey(_Answer):
    """``GET /content/internal/lessons/{id}/answer-key``: exactly the exercises learners are shown, with answers."""

    lesson_id: str
    level_id: str
    language: str
    sign_ids: tuple[str, ...]
    exercises: tuple[KeyExercise, ...]
    course_lessons: int
    course_exercises: int


class ContentApi:
    """Published signs, lessons and levels over the internal HTTP client (in-process under ``senas up``).

    Answers are cached for ``cache_seconds`` (course structure changes rarely, and a learner's request must not
    wait on it); a 404 is never cached, so content published a moment ago is found at once."""

    def __init__(
        self,
        services: ServiceClients,
        *,
        cache_seconds: float = 0.0,
        grants: ServiceGrants | None = None,
        caller: str = "",
        answer_key_seconds: float = 0.0,
    ) -> None:
        self._services = services
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, BaseModel]] = {}
        self._grants = grants
        self._caller = caller
        self._answer_key_seconds = answer_key_seconds
        self._answer_keys: dict[str, tuple[float, AnswerKey]] = {}

    async def sign(self, sign_id: str) -> SignRef | None:
        """None when there is no such published sign; raises ContentUnavailable."""
        return await self._get(f"/content/signs/{sign_id}", SignRef)

    async def draft_sign(self, sign_id: str, token: str) -> SignRef | None:
        """A sign as an author previews it (drafts included), read with the author's own token so the content
        service applies its own rule of who may preview; never cached (a learner must not get it from a cache).
        None when there is no such sign or the caller may not preview it; raises ContentUnavailable."""
        path = f"/content/signs/{sign_id}"
        response = await self._get_as_caller(path, token, params={"preview": "true"})
        if response.status_code in (401, 403, 404):
            return None
        if response.status_code != 200:
            raise ContentUnavailable(f"content service answered {response.status_code} for {path}")
        try:
            return SignRef.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise ContentUnavailable(f"unexpected answer from the content service for {path}: {exc}") from None

    async def may_change_sign(self, sign_id: str, token: str) -> bool | None:
        """Whether the author whose token this is may change the sign (the content service owns that rule, see
        ``content/ownership.py``); None when there is no such sign. Raises ContentUnavailable."""
        path = f"/content/author/signs/{sign_id}"
        response = await self._get_as_caller(path, token)
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            return False
        if response.status_code != 200:
            raise ContentUnavailable(f"content service answered {response.status_code} for {path}")
        try:
            return bool(response.json()["may_change"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ContentUnavailable(f"unexpected answer from the content service for {path}: {exc}") from None

    async def lesson(self, lesson_id: str) -> LessonRef | None:
        return await self._get(f"/content/lessons/{lesson_id}", LessonRef)

    async def level(self, level_id: str) -> LevelRef | None:
        return await self._get(f"/content/levels/{level_id}", LevelRef)

    async def answer_key(self, lesson_id: str) -> AnswerKey | None:
        """The published lesson's answer key. None when there is no such lesson; raises LessonNotPublished,
        ContentUnavailable.

        Kept ``answer_key_seconds`` (a few seconds: every learner starting a popular lesson does not cost a call,
        and an author's change or unpublishing reaches new attempts within them); a 404 or 409 is never kept."""
        cached = self._answer_keys.get(lesson_id)
        if cached is not None and time.monotonic() - cached[0] < self._answer_key_seconds:
            return cached[1]
        if self._grants is None:
            raise ContentUnavailable("this client has no service grants to read answer keys with")
        path = f"/content/internal/lessons/{lesson_id}/answer-key"
        headers = self._grants.header(self._caller, "GET", path)
        try:
            response = await self._services.client(CONTENT).get(path, headers=headers)
        except (httpx.HTTPError, LookupError) as exc:
            raise ContentUnavailable(f"content service unreachable: {exc}") from exc
        error = _error_code(response)
        # Only the content service's own answers count: a 404 from something else at that address (a service not
        # yet deployed with the route, a wrong URL) must not turn every lesson into "not found".
        if response.status_code == 404 and error == "lesson_not_found":
            return None
        if response.status_code == 409 and error == "lesson_not_published":
            raise LessonNotPublished(lesson_id)
        if response.status_code != 200:
            raise ContentUnavailable(f"content service answered {response.status_code} ({error}) for {path}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ContentUnavailable(f"content service sent invalid JSON for {path}") from exc
        try:
            answer_key = AnswerKey.model_validate(body)
        except ValidationError as exc:
            raise ContentUnavailable(f"unexpected answer from the content service for {path}: {exc}") from None
        if self._answer_key_seconds > 0:
            if len(self._answer_keys) >= MAX_ANSWER_KEYS:
                self._answer_keys.clear()
            self._answer_keys[lesson_id] = (time.monotonic(), answer_key)
        return answer_key

    async def _get(self, path: str, model: type[M]) -> M | None:
        cached = self._cache.get(path)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]  # type: ignore[return-value]
        body = await self._fetch(path)
        if body is None:
            return None
        try:
            parsed = model.model_validate(body)
        except ValidationError as exc:
            raise ContentUnavailable(f"unexpected answer from the content service for {path}: {exc}") from None
        if self._cache_seconds > 0:
            self._cache[path] = (time.monotonic(), parsed)
        return parsed

    async def _get_as_caller(self, path: str, token: str, *, params: dict[str, str] | None = None) -> httpx.Response:
        """``GET path`` with the caller's own token, so the content service applies its rules to them (never
        cached: what one caller may read is not another's)."""
        try:
            return await self._services.client(CONTENT).get(
                path, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except (httpx.HTTPError, LookupError) as exc:
            raise ContentUnavailable(f"content service unreachable: {exc}") from exc

    async def _fetch(self, path: str) -> Any:
        try:
            response = await self._services.client(CONTENT).get(path)
        except (httpx.HTTPError, LookupError) as exc:
            raise ContentUnavailable(f"content service unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ContentUnavailable(f"content service answered {response.status_code} for {path}")
        try:
            return response.json()
        except ValueError as exc:
            raise ContentUnavailable(f"content service sent invalid JSON for {path}") from exc


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""
