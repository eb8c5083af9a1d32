"""Who may see how the service is doing inside: its metrics (login outcomes, queue names) and which dependency
failed its readiness check and why (resource names, error text). Everyone may learn *whether* it is alive and
ready; only the operator learns the details.

The operator is a signed-in admin (an access token with the ``admin`` role, verified like any other) or a scraper
holding ``SENAS_OPERATOR_TOKEN`` (a static secret of at least 32 characters, for Prometheus). No address is trusted
by itself: behind a reverse proxy on the same machine every request would come from loopback."""

from __future__ import annotations

import hmac

from fastapi import Request

from senas.core.settings import Settings
from senas.platform.identity import InvalidToken, TokenVerifier

ADMIN_ROLE = "admin"


def bearer_of(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def is_operator(request: Request, settings: Settings, verifier: TokenVerifier) -> bool:
    token = bearer_of(request)
    if token is None:
        return False
    configured = settings.operator_token.get_secret_value() if settings.operator_token else ""
    if configured and hmac.compare_digest(token.encode(), configured.encode()):
        return True
    try:
        principal = await verifier.verify(token)
    except InvalidToken:
        return False
    return principal.has_role(ADMIN_ROLE)
