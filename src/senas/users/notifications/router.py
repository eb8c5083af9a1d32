"""HTTP routes of the caller's inbox and its live stream (SSE)."""

from __future__ import annotations

import weakref
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import StreamingResponse

from senas.core.auth import CurrentUser
from senas.core.errors import InvalidInputError, TooManyRequestsError
from senas.platform.errors import InvalidRequest
from senas.users.deps import ClockDep, ContextDep
from senas.users.notifications.schemas import InboxOut, NotificationOut
from senas.users.notifications.service import NotificationsService

router = APIRouter(tags=["notifications"])
NOTIFICATION_ID = r"^[0-9TZ]{10,32}-[0-9a-f]{8}$"


@router.get("/me/notifications", response_model=InboxOut)
async def inbox(
    user: CurrentUser,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=1024)] = None,
) -> InboxOut:
    try:
        items, next_cursor = await NotificationsService(context).inbox(user.user_id, limit=limit, cursor=cursor)
    except InvalidRequest:
        raise InvalidInputError("cursor no válido / invalid cursor", code="invalid_cursor") from None
    return InboxOut(notifications=items, cursor=next_cursor)


@router.post("/me/notifications/{notification_id}/read", response_model=NotificationOut)
async def mark_read(
    notification_id: Annotated[str, Path(pattern=NOTIFICATION_ID)],
    user: CurrentUser,
    context: ContextDep,
    clock: ClockDep,
) -> NotificationOut:
    return await NotificationsService(context).mark_read(user.user_id, notification_id, clock.now())


STREAM_RETRY_AFTER_SECONDS = 30


@router.get(
    "/me/notifications/stream",
    response_class=StreamingResponse,
    responses={
        429: {
            "description": "Too many live streams open for this user; close one or wait Retry-After s",
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        }
    },
)
async def stream(
    user: CurrentUser,
    context: ContextDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", pattern=NOTIFICATION_ID)] = None,
) -> StreamingResponse:
    """Server-sent events until the access token expires (``event: expired``: reconnect with a fresh token) — a
    stream must not outlive the token that opened it (issue 14 #13). Each user holds at most
    ``SENAS_USERS_SSE_MAX_STREAMS_PER_USER`` streams in one process (each one polls the inbox)."""
    hub = context.hub
    limit = context.config.sse_max_streams_per_user
    wake = hub.try_subscribe(user.user_id, limit)
    if wake is None:
        raise TooManyRequestsError(
            f"ya tienes {limit} conexiones de avisos abiertas; cierra alguna pestaña / "
            f"you already have {limit} notification streams open; close a tab",
            code="too_many_streams",
            headers={"Retry-After": str(STREAM_RETRY_AFTER_SECONDS)},
        )
    events = NotificationsService(context).stream(user.user_id, last_event_id, wake=wake, expires_at=user.expires_at)
    # The slot is freed when the stream ends, and also if the response never iterates it (a client gone at once).
    weakref.finalize(events, hub.unsubscribe, user.user_id, wake)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
