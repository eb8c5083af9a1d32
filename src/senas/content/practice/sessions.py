"""Whether a practice session may receive the caller's upload. The ML service owns practice sessions, so the
content service asks it — ``GET /ml/sessions/{id}`` with the caller's own access token, the route a learner uses
to read their session: the ML service applies its own ownership rule, and no internal route that trusts a
user id from another service is needed (there is no service-to-service credential to protect one).

A session of someone else is reported exactly like one that does not exist (404), as the ML service itself
reports it: its existence is not the caller's business."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import structlog

from senas.core.errors import ConflictError, NotFoundError, ServiceUnavailableError
from senas.core.internal import ServiceClients

log = structlog.get_logger(__name__)

_UNAVAILABLE = (
    "no se pudo comprobar la sesión de práctica; inténtalo en un momento / "
    "the practice session could not be checked; try again shortly"
)


class PracticeSessions(Protocol):
    async def check_awaits_video(self, session_id: str, access_token: str) -> None:
        """Return when the session exists, belongs to the token's user, is in video mode and awaits its upload;
        otherwise raise NotFoundError (unknown or not the caller's), ConflictError (wrong mode or state) or
        ServiceUnavailableError (the answer could not be had)."""


class MlPracticeSessions:
    def __init__(self, services: ServiceClients) -> None:
        self.services = services

    async def check_awaits_video(self, session_id: str, access_token: str) -> None:
        session = await self._fetch(session_id, access_token)
        if session.get("mode") != "video":
            raise ConflictError(
                "esta sesión de práctica no espera un vídeo / this practice session does not take a video",
                code="wrong_mode",
            )
        if session.get("status") != "awaiting_upload":
            raise ConflictError(
                "esta sesión de práctica ya tiene su vídeo o terminó; empieza otra / this practice session already "
                "has its video or is finished; start a new one",
                code="session_not_awaiting_upload",
            )

    async def _fetch(self, session_id: str, access_token: str) -> dict[str, Any]:
        try:
            response = await self.services.client("ml").get(
                f"/ml/sessions/{session_id}", headers={"Authorization": f"Bearer {access_token}"}
            )
        except (httpx.HTTPError, LookupError) as exc:
            log.warning("ml_unreachable", session_id=session_id, error=f"{type(exc).__name__}: {exc}")
            raise ServiceUnavailableError(_UNAVAILABLE, code="ml_unavailable") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        # Only the ML service's own "no such session" is one: a 404 from something else at that address (a wrong
        # SENAS_ML_URL) would otherwise turn every upload into "not found".
        if response.status_code == 404 and body.get("error") == "session_not_found":
            raise NotFoundError("esa sesión de práctica no existe / no such practice session", code="session_not_found")
        if response.status_code != 200 or not body:
            log.warning("ml_session_check_failed", session_id=session_id, status=response.status_code)
            raise ServiceUnavailableError(_UNAVAILABLE, code="ml_unavailable")
        return body
