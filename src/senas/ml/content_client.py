"""What the ML service needs from the content service, over its API (never its database): a sign's identity and
a lesson's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from senas.core.errors import NotFoundError
from senas.ml.recognition.templates import sign_key
from senas.platform.wiring import Platform

log = structlog.get_logger(__name__)


class ContentUnavailable(Exception):
    pass


@dataclass(frozen=True)
class SignInfo:
    sign_id: str
    language: str
    slug: str
    gloss: str

    @property
    def key(self) -> str:
        return sign_key(self.language, self.slug)


def _language(data: dict[str, Any]) -> str:
    value = data.get("language") or data.get("language_code") or data.get("sign_language") or ""
    if isinstance(value, dict):
        value = value.get("code") or value.get("slug") or ""
    return str(value)


def sign_from_json(data: dict[str, Any]) -> SignInfo:
    return SignInfo(
        sign_id=str(data.get("id") or data.get("sign_id")),
        language=_language(data),
        slug=str(data.get("slug") or data.get("gloss", "")).lower(),
        gloss=str(data.get("gloss") or data.get("slug") or ""),
    )


class ContentClient:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def _get(self, path: str) -> dict[str, Any] | None:
        try:
            response = await self.platform.services.client("content").get(path)
        except (httpx.HTTPError, LookupError) as exc:
            raise ContentUnavailable(str(exc)) from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ContentUnavailable(f"GET {path} answered {response.status_code}")
        data = response.json()
        return data if isinstance(data, dict) else None

    async def sign(self, sign_id: str) -> SignInfo:
        data = await self._get(f"/content/signs/{sign_id}")
        if data is None:
            raise NotFoundError("esa seña no existe / no such sign", code="sign_not_found")
        info = sign_from_json(data)
        if not info.language or not info.slug:
            raise ContentUnavailable(f"sign {sign_id} has no language or slug")
        return info

    async def lesson_vocabulary(self, lesson_id: str) -> list[str] | None:
        """Sign keys of the lesson, or None when the lesson or the content service cannot be read."""
        try:
            data = await self._get(f"/content/lessons/{lesson_id}")
        except ContentUnavailable as exc:
            log.warning("lesson_vocabulary_unavailable", lesson_id=lesson_id, error=str(exc))
            return None
        if data is None:
            return None
        keys = []
        for sign in data.get("signs", []):
            if isinstance(sign, dict):
                info = sign_from_json({"language": data.get("language"), **sign})
                if info.language and info.slug:
                    keys.append(info.key)
        return keys or None
