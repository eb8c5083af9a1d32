"""Structured logging: one JSON object per line (or readable console lines), with the request id bound by the
request middleware so every line of a request carries it."""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

import orjson
import structlog

_SENSITIVE = ("password", "token", "secret", "authorization", "cookie", "code")


@functools.lru_cache(maxsize=1024)
def _is_sensitive(key: str) -> bool:
    # Cached per key name: the access log writes the same few keys on every request.
    return key != "status_code" and any(word in key.lower() for word in _SENSITIVE)


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """Never write credentials to the logs, whatever a caller passes."""
    for key in list(event):
        if _is_sensitive(key):
            event[key] = "[redacted]"
    return event


def _json(event: dict[str, Any], **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


class _StderrLogger:
    """Writes to whatever ``sys.stderr`` is at the time of the call (test capture swaps it)."""

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Like StreamHandler, but always writes to the current ``sys.stderr``."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def _stderr_logger(*_: Any) -> _StderrLogger:
    return _StderrLogger()


def configure_logging(level: str = "info", *, json: bool = True) -> None:
    numeric = logging.getLevelName(level.upper())
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = structlog.processors.JSONRenderer(serializer=_json) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    # Libraries that use stdlib logging (uvicorn, sqlalchemy) go through the same renderer.
    handler = _CurrentStderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=processors,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for noisy in ("uvicorn.access", "httpx", "httpcore", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
