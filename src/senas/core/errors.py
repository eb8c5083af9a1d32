"""Domain errors that carry an HTTP status, and the handlers that render every error as
``{"error": <code>, "detail": <human message>}``."""

from __future__ import annotations

import errno
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from senas.platform import errors as port_errors

log = structlog.get_logger(__name__)


class DomainError(Exception):
    """Raised below the routers; the handler turns it into a response with ``status`` and ``code``.

    A subclass names its status and code once, in its header (``class X(DomainError, status=404,
    code="not_found")``); the same pair then names a framework HTTPException of that status, so an error says the
    same ``error`` code whichever layer raised it."""

    status = 400
    code = "bad_request"
    codes_by_status: ClassVar[dict[int, str]] = {400: "bad_request"}

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None and code is not None:
            cls.status, cls.code = status, code
            DomainError.codes_by_status.setdefault(status, code)

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra or {}
        self.headers = headers


class NotFoundError(DomainError, status=404, code="not_found"):
    """What the request names does not exist (or is not visible to this caller)."""


class ConflictError(DomainError, status=409, code="conflict"):
    """The request contradicts the current state."""


class UnauthorizedError(DomainError, status=401, code="unauthorized"):
    """No valid credentials."""


class ForbiddenError(DomainError, status=403, code="forbidden"):
    """Valid credentials that do not allow this."""


class PayloadTooLargeError(DomainError, status=413, code="payload_too_large"):
    """A body, file or image over its budget."""


class UnsupportedMediaTypeError(DomainError, status=415, code="unsupported_media_type"):
    """A body or file of a type the route does not take."""


class InvalidInputError(DomainError, status=422, code="invalid_input"):
    """Well-formed but wrong in what it says."""


class TooManyRequestsError(DomainError, status=429, code="too_many_requests"):
    """Over a rate limit or quota; sent with ``Retry-After``."""


class ServiceUnavailableError(DomainError, status=503, code="unavailable"):
    """A dependency cannot be reached right now; the request may succeed in a moment."""


# Statuses only the framework raises (routing, content negotiation) have no domain error of their own.
_HTTP_CODES = {**DomainError.codes_by_status, 405: "method_not_allowed", 406: "not_acceptable"}


UNAVAILABLE_DETAIL = (
    "un servicio que necesita esta petición no responde; inténtalo en unos momentos / "
    "a service this request needs is unavailable; try again shortly"
)

# What says "the dependency cannot be reached right now" rather than "this request is wrong": socket errors of a
# refused, reset or timed-out connection, a connection attempt that got no answer in time (TimeoutError), and the
# SQLSTATEs of a lost connection (class 08) or of a server that is shutting down or starting up (57P01
# admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
_UNREACHABLE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
    }
)
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def dependency_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) means a database or another service could not be reached: the
    request may well succeed in a moment, so it is a 503, not a 500. Follows SQLAlchemy's ``orig`` and the
    exception chain, as drivers wrap the socket error (asyncpg: ``ConnectionResetError`` → ``DBAPIError``)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionError | TimeoutError):  # TimeoutError: a connect that got no answer
            return True
        if isinstance(current, OSError) and current.errno in _UNREACHABLE_ERRNOS:
            return True
        if getattr(current, "connection_invalidated", False) is True:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNREACHABLE_SQLSTATES):
            return True
        orig = getattr(current, "orig", None)
        pending += [e for e in (orig, current.__cause__, current.__context__) if isinstance(e, BaseException)]
    return False


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route of the app answers at the request's path, for a 405's ``Allow``. The router's own
    405 names the methods of the first route whose path matched only, so a path with a route per method
    (``GET``, ``PATCH`` and ``DELETE /users/me``) said ``Allow: GET``. Each method is tried against the routes'
    own matching (path parameters, converters and all) on a scope of its own."""
    scope = request.scope
    allowed = []
    for method in _METHODS:
        probe = {"type": "http", "path": scope["path"], "root_path": scope.get("root_path", ""), "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.routes):
            allowed.append(method)
    return ", ".join(allowed)


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    fields = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        fields.append({"field": ".".join(location) or "body", "message": str(error.get("msg", ""))})
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return f"invalid request — {summary}", fields


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return JSONResponse(error_body(exc.code, exc.detail, **exc.extra), status_code=exc.status, headers=exc.headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail, fields = _describe_validation(exc)
        return JSONResponse(error_body("invalid_input", detail, fields=fields), status_code=422)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = exc.headers
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if allowed:
                headers = {**(headers or {}), "Allow": allowed}
        return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=headers)

    def unavailable() -> JSONResponse:
        body = error_body("unavailable", UNAVAILABLE_DETAIL)
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    async def port_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency_unavailable", error=str(exc))
        return unavailable()

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return JSONResponse(error_body("internal_error", "an unexpected error occurred"), status_code=500)

    async def connection_failed(request: Request, exc: Exception) -> JSONResponse:
        # A database or service that went away (restarted, failed over) surfaces as a driver or socket error,
        # not as a port's Unavailable; the caller should retry, as for Unavailable. Anything else is a bug.
        if not dependency_unreachable(exc):
            return await unexpected(request, exc)
        log.warning("dependency_unreachable", error_type=type(exc).__name__, error=str(exc)[:200])
        return unavailable()

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(port_errors.Unavailable, port_unavailable)
    app.add_exception_handler(DBAPIError, connection_failed)
    app.add_exception_handler(OSError, connection_failed)
    app.add_exception_handler(Exception, unexpected)
