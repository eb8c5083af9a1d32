"""Messages about user accounts (published by the user service on the ``account-events`` topic)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from senas.contracts.base import MessageContract


class AccountDeleted(MessageContract):
    """The account ``user_id`` was deleted: every service removes what it keeps about that user."""

    TYPE: ClassVar[str] = "account.deleted"
    VERSION: ClassVar[int] = 1

    user_id: str = Field(min_length=1, max_length=128)
