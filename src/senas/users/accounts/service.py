"""Profile, settings, MFA status, roles and account deletion."""

from __future__ import annotations

from typing import Any

import structlog

from senas.contracts.accounts import AccountDeleted
from senas.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
    UnauthorizedError,
)
from senas.core.messages import publish
from senas.platform import catalog
from senas.platform.errors import ConditionFailed
from senas.platform.identity import Principal, mfa_required
from senas.platform.identity.errors import (
    InvalidSignUp,
    UnknownUser,
)
from senas.users.accounts.models import MfaStatus, Profile
from senas.users.accounts.repository import AccountsRepository
from senas.users.accounts.schemas import ProfilePatch
from senas.users.clock import Clock
from senas.users.context import PRODUCER, UsersContext

log = structlog.get_logger(__name__)

ACCOUNT_DELETED = UnauthorizedError("esta cuenta se eliminó / this account was deleted", code="account_deleted")


class AccountsService:
    def __init__(self, context: UsersContext, clock: Clock) -> None:
        self.context = context
        self.clock = clock
        self.repository = AccountsRepository(context.ports.user_data, context.ports.progress)

    def default_profile(self, user_id: str, email: str | None, **given: Any) -> Profile:
        name = (email or "").split("@", 1)[0] or "aprendiz"
        values: dict[str, Any] = {
            "display_name": name[:50],
            "sign_language": self.context.config.default_sign_language,
        }
        values.update({key: value for key, value in given.items() if value is not None})
        return Profile(user_id=user_id, email=email, created_at=self.clock.now().isoformat(), **values)

    async def profile(self, principal: Principal) -> Profile:
        """The caller's profile; made with defaults the first time (an account created by the identity
        provider directly, or a sign-up whose profile write was lost)."""
        existing = await self.repository.profile(principal.user_id)
        if existing is not None:
            return existing
        if await self.repository.is_deleted(principal.user_id):
            raise ACCOUNT_DELETED
        return await self.repository.create_profile(self.default_profile(principal.user_id, principal.email))

    async def mfa_status(self, principal: Principal) -> MfaStatus:
        """Whether the caller's account has TOTP MFA on, and whether it must (the rule the embedded provider
        enforces at login, applied to the roles of the caller's token)."""
        try:
            enabled = await self.context.identity.mfa_enabled(principal.user_id)
        except UnknownUser:
            # A verified token whose account the provider no longer has: the account was deleted.
            raise ACCOUNT_DELETED from None
        required_for_all = self.context.settings.mfa_required_for_all
        return MfaStatus(enabled=enabled, required=mfa_required(principal.roles, required_for_all=required_for_all))

    async def update(self, principal: Principal, patch: ProfilePatch) -> Profile:
        changes = patch.model_dump(exclude_none=True)
        for _ in range(20):
            current = await self.profile(principal)
            if not changes:
                return current
            updated = current.changed(**changes)
            try:
                await self.repository.replace_profile(updated, expected_version=current.version)
            except ConditionFailed:
                continue
            return updated
        raise ServiceUnavailableError(
            "el perfil cambia demasiado a la vez; reinténtalo / the profile is changing too fast; retry",
            code="busy",
            headers={"Retry-After": "1"},
        )

    async def set_roles(self, admin: Principal, user_id: str, roles: set[str]) -> list[str]:
        if not await self.context.identity.signed_in_with_mfa(admin):
            raise ForbiddenError(
                "cambiar roles exige una sesión con MFA / changing roles needs an MFA sign-in", code="mfa_required"
            )
        if user_id == admin.user_id and "admin" not in roles:
            raise ConflictError(
                "no puedes quitarte tu propio rol de admin / you cannot remove your own admin role",
                code="last_admin_guard",
            )
        try:
            await self.context.identity.set_roles(user_id, frozenset(roles))
        except UnknownUser as exc:
            raise NotFoundError(str(exc), code="user_not_found") from None
        except InvalidSignUp as exc:
            raise ConflictError(str(exc)) from None
        log.info("roles_changed", user_id=user_id, roles=sorted(roles), by=admin.user_id)
        return sorted(roles)

    async def delete(self, principal: Principal) -> None:
        """Delete the account everywhere (the route has confirmed the owner with a step-up first)."""
        # The other services are told first: if this request dies half-way, the client's retry (its token is
        # still valid) publishes again — consumers are idempotent — and finishes the local deletion.
        event = AccountDeleted(user_id=principal.user_id).to_envelope(PRODUCER)
        await publish(self.context.topic(catalog.ACCOUNT_EVENTS), event)
        await self.context.identity.delete_user(principal.user_id)
        removed = await self.repository.wipe(
            principal.user_id,
            now=self.clock.now(),
            tombstone_seconds=self.context.settings.access_token_ttl_seconds + 120,
        )
        self.context.hub.notify(principal.user_id)
        log.info("account_deleted", user_id=principal.user_id, items_removed=removed)
