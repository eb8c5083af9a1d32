"""Who may change what in the catalogue: content belongs to the author who made it. Another teacher may read it
(drafts in preview) but not change it nor what it contains; an admin may change anything. Content with no owner —
the demo course, an imported bundle — is the operator's: only admins change it from the API."""

from __future__ import annotations

from typing import Protocol

from senas.core.errors import ForbiddenError
from senas.platform.identity import Principal

# Who may change any author's content.
CONTENT_ADMINS = ("admin",)


class Owned(Protocol):
    owner_id: str | None


def not_owner() -> ForbiddenError:
    return ForbiddenError(
        "este contenido es de otro autor; pide a un administrador que lo cambie / this content belongs to another "
        "author; ask an admin to change it",
        code="not_owner",
    )


def may_change(actor: Principal | None, owner_id: str | None) -> bool:
    """The operator (no actor) and admins change anything; an author, what they own."""
    if actor is None or actor.has_role(*CONTENT_ADMINS):
        return True
    return owner_id is not None and owner_id == actor.user_id
