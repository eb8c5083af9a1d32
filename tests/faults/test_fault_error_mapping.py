"""A dependency that goes away mid-request is a 503 ``unavailable``, not a 500; a bug stays a 500.

What a lost database or service looks like when it reaches the top of a request: the socket error itself
(asyncpg raises ``ConnectionRefusedError`` when it cannot connect, ``TimeoutError`` when the server never
answers), or SQLAlchemy's ``DBAPIError`` around a
driver error whose SQLSTATE says the connection is gone (class 08) or the server is shutting down or starting
(57P01–57P03), or one flagged ``connection_invalidated``. ``install_error_handlers`` maps those to 503 with
``{"error": "unavailable", "detail"}``; other ``OSError``s and database errors (a missing file, an SQL syntax
error) remain 500s. The PostgreSQL restart test shows the same end to end; here each shape is checked alone, and
an app without the mapping is shown to fail the check.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from senas.core.errors import install_error_handlers


class DriverError(Exception):
    """Stands for a driver's exception as SQLAlchemy's asyncpg adapter exposes it (with ``sqlstate``)."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def dbapi(message: str, sqlstate: str | None, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(message, sqlstate), connection_invalidated=invalidated)


RAISED: dict[str, tuple[Callable[[], BaseException], int]] = {
    "connection refused": (lambda: ConnectionRefusedError(111, "Connect call failed"), 503),
    "connection reset": (lambda: ConnectionResetError(104, "Connection reset by peer"), 503),
    "connect timed out": (lambda: TimeoutError(), 503),
    "server shutting down (57P01)": (lambda: dbapi("terminating connection", "57P01"), 503),
    "server starting (57P03)": (lambda: dbapi("the database system is starting up", "57P03"), 503),
    "connection lost (08003)": (lambda: dbapi("connection does not exist", "08003"), 503),
    "invalidated connection": (lambda: dbapi("connection is closed", None, invalidated=True), 503),
    "wrapped socket error": (lambda: wrapped(ConnectionResetError(104, "reset")), 503),
    "missing file": (lambda: FileNotFoundError(2, "No such file"), 500),
    "syntax error (42601)": (lambda: dbapi("syntax error at or near", "42601"), 500),
}


def wrapped(cause: BaseException) -> DBAPIError:
    try:
        raise cause
    except BaseException as exc:
        error = DBAPIError("SELECT 1", None, DriverError("connection failed", None))
        error.__cause__ = exc
        return error


def app_raising(install: Callable[[FastAPI], None]) -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/raise/{name}")
    async def fail(name: str) -> None:
        raise RAISED[name][0]()

    return app


async def statuses(app: FastAPI, names: tuple[str, ...] = tuple(RAISED)) -> dict[str, tuple[int, dict[str, str]]]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    found = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for name in names:
            response = await client.get(f"/raise/{name}")
            found[name] = (response.status_code, response.json())
    return found


def assert_mapped(found: dict[str, tuple[int, dict[str, str]]]) -> None:
    for name, (status, body) in found.items():
        expected = RAISED[name][1]
        assert status == expected, f"{name}: {status} instead of {expected}: {body}"
        assert body["error"] == ("unavailable" if expected == 503 else "internal_error"), body
        assert body["detail"], body


async def test_unreachable_dependencies_are_503_and_bugs_stay_500() -> None:
    assert_mapped(await statuses(app_raising(install_error_handlers)))


async def test_an_app_without_the_mapping_is_caught() -> None:
    def without_connection_mapping(app: FastAPI) -> None:
        # Broken: the handlers as they were before, with no special case for a dependency that went away.
        install_error_handlers(app)
        del app.exception_handlers[DBAPIError]
        del app.exception_handlers[OSError]

    with pytest.raises(AssertionError, match="instead of 503"):
        # Two shapes are enough to show it (each 500 logs a long traceback, which is slow to render).
        assert_mapped(
            await statuses(app_raising(without_connection_mapping), ("connection refused", "wrapped socket error"))
        )
