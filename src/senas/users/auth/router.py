"""HTTP routes of sign-up, login, MFA and tokens (``/users/auth/*``) and the JWKS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from senas.core.auth import OptionalUser
from senas.core.deps import TokenVerifierDep
from senas.core.errors import InvalidInputError, UnauthorizedError
from senas.platform.identity import InvalidToken, TokenPair
from senas.users.auth.rate_limits import RATE_LIMITED_RESPONSE, ClientAddress, rate_limited
from senas.users.auth.schemas import (
    ChallengeIn,
    ConfirmIn,
    ConfirmOut,
    EnrolIn,
    EnrolOut,
    JwksOut,
    LoginIn,
    LoginOut,
    RefreshIn,
    SignUpIn,
    SignUpOut,
    TokensOut,
)
from senas.users.auth.service import AuthService
from senas.users.auth.step_up import StepUpDep
from senas.users.deps import BearerToken, ClockDep, ContextDep

router = APIRouter(tags=["auth"])


def get_auth_service(context: ContextDep, clock: ClockDep) -> AuthService:
    return AuthService(context, clock)


AuthDep = Annotated[AuthService, Depends(get_auth_service)]


def _tokens(pair: TokenPair) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type=pair.token_type,
        expires_in=pair.expires_in,
    )


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=SignUpOut,
    responses={409: {"description": "Email already registered"}, **RATE_LIMITED_RESPONSE},
    dependencies=[Depends(rate_limited("signup"))],
)
async def sign_up(body: SignUpIn, auth: AuthDep) -> SignUpOut:
    user_id, email, roles = await auth.sign_up(body)
    return SignUpOut(user_id=user_id, email=email, roles=roles)


@router.post(
    "/auth/login",
    response_model=LoginOut,
    response_model_exclude_none=True,
    responses={401: {}, **RATE_LIMITED_RESPONSE},
    dependencies=[Depends(rate_limited("login"))],
)
async def login(body: LoginIn, auth: AuthDep, address: ClientAddress) -> LoginOut:
    result = await auth.login(body.email, body.password, address)
    if result.tokens is not None:
        return LoginOut(status="authenticated", tokens=_tokens(result.tokens))
    return LoginOut(status="challenge", challenge=result.challenge, session=result.session)


@router.post(
    "/auth/mfa/challenge",
    response_model=TokensOut,
    responses={401: {}, **RATE_LIMITED_RESPONSE},
    dependencies=[Depends(rate_limited("mfa_challenge"))],
)
async def answer_challenge(body: ChallengeIn, auth: AuthDep) -> TokensOut:
    return _tokens(await auth.answer(body.session, body.code))


@router.post(
    "/auth/refresh",
    response_model=TokensOut,
    responses={401: {}, **RATE_LIMITED_RESPONSE},
    dependencies=[Depends(rate_limited("refresh"))],
)
async def refresh(body: RefreshIn, auth: AuthDep) -> TokensOut:
    return _tokens(await auth.refresh(body.refresh_token))


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=RATE_LIMITED_RESPONSE,
    dependencies=[Depends(rate_limited("logout"))],
)
async def logout(body: RefreshIn, auth: AuthDep) -> Response:
    await auth.logout(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _one_credential(token: str | None, session: str | None) -> str:
    if token is None and session is None:
        raise UnauthorizedError(
            "inicia sesión para continuar / sign in to continue",
            code="not_authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if token is not None and session is not None:
        raise InvalidInputError("send either a bearer token or a session, not both", code="invalid_input")
    return token or session or ""


@router.post(
    "/auth/mfa/enrol",
    response_model=EnrolOut,
    responses={
        403: {"description": "Replacing a factor needs the password or a current code"},
        409: {"description": "Confirm with the password (this provider cannot check a code here)"},
        **RATE_LIMITED_RESPONSE,
    },
)
async def begin_enrolment(
    body: EnrolIn, auth: AuthDep, token: BearerToken, caller: OptionalUser, step_up: StepUpDep
) -> EnrolOut:
    credential = _one_credential(token, body.session)
    enrolment = await auth.begin_enrolment(
        credential, caller if body.session is None else None, step_up, password=body.password, code=body.code
    )
    return EnrolOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/auth/mfa/confirm",
    response_model=ConfirmOut,
    response_model_exclude_none=True,
    responses={409: {"description": "No enrolment started (`mfa_not_started`)"}, **RATE_LIMITED_RESPONSE},
    dependencies=[Depends(rate_limited("mfa_confirm"))],
)
async def confirm_enrolment(
    body: ConfirmIn, auth: AuthDep, token: BearerToken, caller: OptionalUser, verifier: TokenVerifierDep
) -> ConfirmOut:
    credential = _one_credential(token, body.session)
    if body.session is not None:
        # A login that had to enrol: confirming the code completes the login.
        pair = await auth.answer(credential, body.code)
        try:
            owner = await verifier.verify(pair.access_token)
        except InvalidToken:  # pragma: no cover - a token just issued by the provider
            owner = None
        if owner is not None:
            await auth.tell_owner_of_new_factor(owner.user_id)
        return ConfirmOut(mfa_enabled=True, tokens=_tokens(pair))
    assert caller is not None  # a bearer token was sent, and OptionalUser verified it
    await auth.confirm_enrolment(credential, body.code, caller)
    return ConfirmOut(mfa_enabled=True)


@router.get("/.well-known/jwks.json", response_model=JwksOut, tags=["auth"], summary="Public signing keys (JWKS)")
async def jwks(context: ContextDep) -> JwksOut:
    return JwksOut.model_validate(await context.identity.jwks())
