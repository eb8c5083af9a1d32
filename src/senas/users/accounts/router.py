"""HTTP routes of the caller's profile (``/users/me``) and of role management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response, status

from senas.core.auth import Admin, CurrentUser
from senas.platform.identity import Principal
from senas.users.accounts.models import MfaStatus, Profile
from senas.users.accounts.schemas import DeleteAccount, ProfileOut, ProfilePatch, RolesIn, RolesOut
from senas.users.accounts.service import AccountsService
from senas.users.auth.rate_limits import RATE_LIMITED_RESPONSE
from senas.users.auth.step_up import StepUpDep
from senas.users.deps import ClockDep, ContextDep

router = APIRouter(tags=["profile"])


def get_accounts_service(context: ContextDep, clock: ClockDep) -> AccountsService:
    return AccountsService(context, clock)


AccountsDep = Annotated[AccountsService, Depends(get_accounts_service)]


def _out(profile: Profile, principal: Principal, mfa: MfaStatus) -> ProfileOut:
    return ProfileOut(
        user_id=profile.user_id,
        email=profile.email or principal.email,
        display_name=profile.display_name,
        sign_language=profile.sign_language,
        dominant_hand=profile.dominant_hand,
        daily_goal_xp=profile.daily_goal_xp,
        timezone=profile.timezone,
        locale=profile.locale,
        roles=sorted(principal.roles),
        mfa_enabled=mfa.enabled,
        mfa_required=mfa.required,
    )


@router.get("/me", response_model=ProfileOut)
async def read_me(user: CurrentUser, accounts: AccountsDep) -> ProfileOut:
    mfa = await accounts.mfa_status(user)  # first: it refuses a deleted account before a profile is made
    return _out(await accounts.profile(user), user, mfa)


@router.patch("/me", response_model=ProfileOut)
async def update_me(body: ProfilePatch, user: CurrentUser, accounts: AccountsDep) -> ProfileOut:
    mfa = await accounts.mfa_status(user)
    return _out(await accounts.update(user, body), user, mfa)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        403: {"description": "The password (or a current MFA code) is missing or wrong"},
        409: {"description": "A code was sent where only the password can confirm (no factor, or Cognito)"},
        **RATE_LIMITED_RESPONSE,
    },
)
async def delete_me(
    user: CurrentUser,
    accounts: AccountsDep,
    step_up: StepUpDep,
    body: Annotated[DeleteAccount | None, Body()] = None,
) -> Response:
    # Any access token is not enough, however recent (a refreshed one proves only the refresh token): the
    # password, or a fresh code of the account's second factor (issue 14 #8).
    await step_up.confirm(user, password=body.password if body else None, code=body.code if body else None)
    await accounts.delete(user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{user_id}/roles",
    response_model=RolesOut,
    tags=["admin"],
    responses={409: {"description": "An admin cannot remove their own admin role; roles the provider refuses"}},
)
async def set_roles(user_id: str, body: RolesIn, admin: Admin, accounts: AccountsDep) -> RolesOut:
    roles = await accounts.set_roles(admin, user_id, set(body.roles))
    return RolesOut(user_id=user_id, roles=roles)
