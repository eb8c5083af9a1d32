"""The ML service's practice sessions as another service reads them: ``GET /ml/sessions/{id}`` with the learner's own
access token. The ML service applies its own ownership rule (someone else's session is a 404, exactly like one that
does not exist), so no route has to trust a user id sent by another service.

The user service asks it whether a "perform" exercise was done: the learner names a practice session, and only a
scored session of theirs, of the exercise's sign, made during the attempt, counts. The model is the subset of
``senas.ml.sessions.schemas.SessionOut`` that callers read.
"""

from __future__ import annotations

from datetime import datetime

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from senas.core.internal import ServiceClients

ML = "ml"


class MlUnavailable(Exception):
    """The ML service did not answer usefully; the caller answers 503 (never a 500)."""


class PracticeSessionRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str
    sign_id: str
    status: str
    score: float | None = None
    passed: bool | None = None
    created_at: datetime
    updated_at: datetime


class MlApi:
    def __init__(self, services: ServiceClients) -> None:
        self._services = services

    async def session(self, session_id: str, access_token: str) -> PracticeSessionRef | None:
        """The caller's session, or None when it is not theirs or does not exist. Raises MlUnavailable."""
        path = f"/ml/sessions/{session_id}"
        try:
            response = await self._services.client(ML).get(path, headers={"Authorization": f"Bearer {access_token}"})
        except (httpx.HTTPError, LookupError) as exc:
            raise MlUnavailable(f"ml service unreachable: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        # Only the ML service's own "no such session" is one (a 404 from something else at that address is not).
        if response.status_code == 404 and isinstance(body, dict) and body.get("error") == "session_not_found":
            return None
        if response.status_code != 200 or not isinstance(body, dict):
            raise MlUnavailable(f"ml service answered {response.status_code} for {path}")
        try:
            return PracticeSessionRef.model_validate(body)
        except ValidationError as exc:
            raise MlUnavailable(f"unexpected answer from the ml service for {path}: {exc}") from None
