"""Errors every port implementation raises, so callers never see a backend-specific exception."""

from __future__ import annotations


class PortError(Exception):
    """Base class of the errors raised by port implementations."""


class NotFound(PortError):
    """The addressed item, blob, queue or message does not exist."""


class ConditionFailed(PortError):
    """A conditional write found the item in a state other than the one required."""


class PreconditionFailed(ConditionFailed):
    """A conditional blob write (``if_match`` / ``if_none_match``) found the blob changed, gone or already
    there: re-read it and try again, or give up."""


class TransactionCancelled(PortError):
    """A transactional write was refused as a whole; `reasons` has one entry per operation (None = fine)."""

    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


class InvalidRequest(PortError):
    """The call itself is malformed (bad key, bad token, too many items, …). ``answer``: what the other side sent
    back to say why, when it said it in JSON (a model endpoint's refusal), for the caller to interpret."""

    def __init__(self, message: str, *, answer: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.answer = answer


class Unavailable(PortError):
    """The backing service cannot be reached right now; retrying later may work."""
