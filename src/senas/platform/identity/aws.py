"""The identity port on a Cognito user pool (email as the user name, groups learner/teacher/admin as roles).

Mirrors the embedded provider where Cognito allows it:

* sign-up checks the same email and password rules first, then ``SignUp`` and a server-side
  ``AdminConfirmSignUp`` (the platform has no e-mail code step; the pool verifies the address on first use) and
  adds the account to the ``learner`` group. The user id is the Cognito ``sub``.
* login is ``USER_PASSWORD_AUTH``; a ``SOFTWARE_TOKEN_MFA`` challenge comes back as ``challenge="totp"`` with an
  opaque session (the Cognito session plus the user name, which ``RespondToAuthChallenge`` needs).
* refresh is ``REFRESH_TOKEN_AUTH``. Cognito keeps the refresh token (it rotates only with the pool's refresh
  token rotation feature), so the pair returned carries the same refresh token; logout revokes it
  (``RevokeToken``), which also ends every access token issued from it.
* roles are group memberships; a role change shows in the next token (after a refresh or a login), and voids the
  tokens issued before it in every service (``revocation.py``: our verifiers check it, Cognito's tokens carry no
  version of their own).
* wrong TOTP codes are also counted per account in the UserData table (``MFAFAIL#<user name>``, as the embedded
  provider does): Cognito limits them per session and locks users after repeated failures by rules of its own,
  which this layer can add to but not loosen.
* step-up: the password is checked with a ``USER_PASSWORD_AUTH`` of its own (the tokens it yields are revoked at
  once); a TOTP code cannot be checked outside a sign-in (Cognito has no such API), so step-up needs the password.
* access tokens are verified locally by the platform's ``JwtVerifier`` against the pool's JWKS.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from senas.platform.aws.clients import AwsClients, ClientError, error_code, error_message
from senas.platform.errors import Unavailable
from senas.platform.identity import (
    ROLES,
    InvalidToken,
    LoginResult,
    MfaEnrolment,
    Principal,
    TokenPair,
    TokenVerifier,
)
from senas.platform.identity.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidSession,
    InvalidSignUp,
    LoginThrottled,
    RefreshTokenInvalid,
    StepUpUnavailable,
    UnknownUser,
)
from senas.platform.identity.local import MFA_BACKOFF, check_email, mfa_throttled
from senas.platform.identity.passwords import check_password
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.tables import Table
from senas.platform.tables.counters import BackoffCounter

__all__ = ["CognitoIdentity"]

ISSUER_NAME = "Señas"
THROTTLE_SECONDS = 900
_WRONG_CREDENTIALS = "correo o contraseña incorrectos / wrong email or password"


def _encode_session(username: str, challenge: str, session: str) -> str:
    raw = json.dumps({"u": username, "c": challenge, "s": session}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_session(token: str) -> dict[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise InvalidSession("la sesión no es válida / the session is not valid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in ("u", "c", "s")):
        raise InvalidSession("la sesión no es válida / the session is not valid")
    return {key: str(data[key]) for key in ("u", "c", "s")}


# How long an account's MFA status read from Cognito is trusted, and how many users' lookups are kept.
MFA_STATUS_TTL_SECONDS = 60.0
CACHED_USERS = 10_000


class CognitoIdentity:
    def __init__(
        self,
        clients: AwsClients,
        *,
        user_pool_id: str,
        client_id: str,
        verifier: TokenVerifier,
        jwks_url: str,
        clock: Callable[[], float] = time.monotonic,
        table: Table | None = None,
        revocations: TokenRevocations | None = None,
    ) -> None:
        self.clients = clients
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.verifier = verifier
        self.jwks_url = jwks_url
        self.clock = clock
        # GET /users/me asks for the MFA status on every profile read; without these, each read would cost a
        # ListUsers and an AdminGetUser, which count against the pool's (low) admin-API quotas. A user's sub →
        # user name never changes; the MFA status may change elsewhere (an admin), so it is kept briefly.
        self._usernames: dict[str, str] = {}
        self._mfa_status: dict[str, tuple[float, bool]] = {}
        self.revocations = revocations
        self.mfa_failures = BackoffCounter(table, "MFAFAIL", MFA_BACKOFF) if table is not None else None

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self.clients.call("cognito-idp", operation, **params)

    @staticmethod
    def _pair(result: dict[str, Any], refresh_token: str | None = None) -> TokenPair:
        return TokenPair(
            access_token=str(result["AccessToken"]),
            refresh_token=str(result.get("RefreshToken") or refresh_token or ""),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )

    # ---- accounts

    async def sign_up(self, email: str, password: str) -> str:
        username = check_email(email)
        check_password(password, username)
        try:
            response = await self._call(
                "sign_up",
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": username}],
            )
        except ClientError as exc:
            code = error_code(exc)
            if code in ("UsernameExistsException", "AliasExistsException"):
                raise EmailTaken(
                    "ya existe una cuenta con ese correo / an account with that email already exists"
                ) from None
            if code == "InvalidPasswordException":
                raise InvalidSignUp("password", f"la contraseña no cumple la política / {error_message(exc)}") from None
            if code == "InvalidParameterException":
                raise InvalidSignUp("email", f"el correo no es válido / {error_message(exc)}") from None
            raise Unavailable(f"Cognito {code}: {error_message(exc)}") from None
        user_id = str(response["UserSub"])
        await self._call("admin_confirm_sign_up", UserPoolId=self.user_pool_id, Username=username)
        await self._call(
            "admin_add_user_to_group", UserPoolId=self.user_pool_id, Username=username, GroupName="learner"
        )
        return user_id

    async def _username(self, user_id: str) -> str:
        """Cognito's admin calls take the user name; the platform knows users by their ``sub``."""
        if user_id in self._usernames:
            return self._usernames[user_id]
        safe = user_id.replace('"', "")
        response = await self._call("list_users", UserPoolId=self.user_pool_id, Filter=f'sub = "{safe}"', Limit=1)
        users = response.get("Users", [])
        if not users:
            raise UnknownUser("no existe ese usuario / no such user")
        if len(self._usernames) >= CACHED_USERS:
            self._usernames.clear()
        self._usernames[user_id] = username = str(users[0]["Username"])
        return username

    async def set_roles(self, user_id: str, roles: frozenset[str]) -> None:
        if not roles or not roles <= set(ROLES):
            raise InvalidSignUp("roles", f"roles must be a non-empty subset of {', '.join(ROLES)}")
        username = await self._username(user_id)
        response = await self._call("admin_list_groups_for_user", UserPoolId=self.user_pool_id, Username=username)
        current = {str(group["GroupName"]) for group in response.get("Groups", [])} & set(ROLES)
        for role in sorted(roles - current):
            await self._call("admin_add_user_to_group", UserPoolId=self.user_pool_id, Username=username, GroupName=role)
        for role in sorted(current - roles):
            await self._call(
                "admin_remove_user_from_group", UserPoolId=self.user_pool_id, Username=username, GroupName=role
            )
        if self.revocations is not None and roles != current:
            await self.revocations.revoke(user_id)

    async def grant_role(self, email: str, role: str) -> str:
        if role not in ROLES:
            raise InvalidSignUp("roles", f"roles must be one of {', '.join(ROLES)}")
        username = email.strip().lower()
        try:
            user = await self._call("admin_get_user", UserPoolId=self.user_pool_id, Username=username)
            await self._call("admin_add_user_to_group", UserPoolId=self.user_pool_id, Username=username, GroupName=role)
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":
                raise UnknownUser("no existe una cuenta con ese correo / no account has that email") from None
            raise Unavailable(f"Cognito {error_code(exc)}: {error_message(exc)}") from None
        attributes = {str(a["Name"]): str(a["Value"]) for a in user.get("UserAttributes", [])}
        user_id = attributes.get("sub") or str(user["Username"])
        if self.revocations is not None:
            await self.revocations.revoke(user_id)
        return user_id

    async def verify_password(self, user_id: str, password: str) -> None:
        username = await self._username(user_id)
        response = await self._password_auth(
            username, password, "la contraseña no es correcta / the password is not correct"
        )
        # A challenge (MFA) also means the password was right. Tokens from this check are not for anyone.
        refresh = response.get("AuthenticationResult", {}).get("RefreshToken")
        if refresh:
            # Best effort: they were never handed to anyone, and the access token expires on its own.
            with contextlib.suppress(Unavailable):
                await self.logout(str(refresh))

    async def verify_mfa_code(self, user_id: str, code: str) -> None:
        raise StepUpUnavailable(
            "confirma con tu contraseña (el código solo se comprueba al iniciar sesión) / "
            "confirm with your password (codes are only checked at sign-in)"
        )

    async def _refuse_while_backing_off(self, username: str) -> int:
        if self.mfa_failures is None:
            return 0
        waiting = await self.mfa_failures.state(username)
        if waiting.blocked:
            raise mfa_throttled(waiting.retry_after)
        return waiting.failures

    async def _count_wrong_code(self, username: str) -> None:
        if self.mfa_failures is not None:
            await self.mfa_failures.fail(username)

    async def _clear_wrong_codes(self, username: str, failures: int) -> None:
        if self.mfa_failures is not None and failures:
            await self.mfa_failures.clear(username)

    async def signed_in_with_mfa(self, principal: Principal) -> bool:
        return principal.mfa or await self.mfa_enabled(principal.user_id)

    async def mfa_enabled(self, user_id: str) -> bool:
        cached = self._mfa_status.get(user_id)
        if cached is not None and self.clock() - cached[0] < MFA_STATUS_TTL_SECONDS:
            return cached[1]
        enabled = await self._read_mfa_enabled(user_id)
        self._remember_mfa(user_id, enabled)
        return enabled

    def _remember_mfa(self, user_id: str, enabled: bool) -> None:
        if len(self._mfa_status) >= CACHED_USERS:
            self._mfa_status.clear()
        self._mfa_status[user_id] = (self.clock(), enabled)

    async def _read_mfa_enabled(self, user_id: str) -> bool:
        username = await self._username(user_id)
        try:
            user = await self._call("admin_get_user", UserPoolId=self.user_pool_id, Username=username)
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":  # deleted between the two calls
                raise UnknownUser("no existe ese usuario / no such user") from None
            raise Unavailable(f"Cognito {error_code(exc)}: {error_message(exc)}") from None
        # Set by SetUserMFAPreference, which confirm_mfa_enrolment calls once the first code is verified.
        return "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", [])

    async def delete_user(self, user_id: str) -> None:
        username = await self._username(user_id)
        await self._call("admin_delete_user", UserPoolId=self.user_pool_id, Username=username)
        self._usernames.pop(user_id, None)
        self._mfa_status.pop(user_id, None)

    # ---- login

    async def login(self, email: str, password: str) -> LoginResult:
        username = email.strip().lower()
        response = await self._password_auth(username, password, _WRONG_CREDENTIALS)
        if "AuthenticationResult" in response:
            return LoginResult(tokens=self._pair(response["AuthenticationResult"]))
        challenge = str(response.get("ChallengeName", ""))
        kind = {"SOFTWARE_TOKEN_MFA": "totp", "MFA_SETUP": "mfa_setup"}.get(challenge)
        if kind is None:
            raise Unavailable(f"Cognito asked for an unsupported challenge {challenge!r}")
        return LoginResult(challenge=kind, session=_encode_session(username, challenge, str(response["Session"])))

    async def _password_auth(self, username: str, password: str, wrong: str) -> dict[str, Any]:
        """Cognito's USER_PASSWORD_AUTH: its answer (tokens or a challenge), or ``InvalidCredentials(wrong)``,
        ``LoginThrottled`` (Cognito's own lock-out, or its API limits) or ``Unavailable``."""
        try:
            return await self._call(
                "initiate_auth",
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code == "NotAuthorizedException" and "attempts exceeded" in message.lower():
                raise LoginThrottled(
                    "demasiados intentos; espera un poco / too many attempts; wait a little", THROTTLE_SECONDS
                ) from None
            if code in ("NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"):
                raise InvalidCredentials(wrong) from None
            if code in ("TooManyRequestsException", "LimitExceededException"):
                raise LoginThrottled(
                    "demasiados intentos; espera un poco / too many attempts; wait a little", 60
                ) from None
            raise Unavailable(f"Cognito {code}: {message}") from None

    async def answer_mfa_challenge(self, session: str, code: str) -> TokenPair:
        data = _decode_session(session)
        if data["c"] != "SOFTWARE_TOKEN_MFA":
            raise InvalidSession("configura MFA con tu token de acceso / enrol MFA with your access token first")
        failures = await self._refuse_while_backing_off(data["u"])
        try:
            response = await self._call(
                "respond_to_auth_challenge",
                ClientId=self.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=data["s"],
                ChallengeResponses={"USERNAME": data["u"], "SOFTWARE_TOKEN_MFA_CODE": code},
            )
        except ClientError as exc:
            error = error_code(exc)
            if error in ("CodeMismatchException", "ExpiredCodeException"):
                await self._count_wrong_code(data["u"])
                raise InvalidMfaCode("el código no es correcto / the code is not correct") from None
            if error in ("NotAuthorizedException", "InvalidParameterException"):
                raise InvalidSession("la sesión caducó o ya se usó / the session expired or was used") from None
            raise Unavailable(f"Cognito {error}: {error_message(exc)}") from None
        await self._clear_wrong_codes(data["u"], failures)
        return self._pair(response["AuthenticationResult"])

    async def refresh(self, refresh_token: str) -> TokenPair:
        if not refresh_token:
            raise RefreshTokenInvalid("sesión no válida; inicia sesión / invalid session; sign in again")
        try:
            response = await self._call(
                "initiate_auth",
                ClientId=self.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as exc:
            if error_code(exc) in ("NotAuthorizedException", "UserNotFoundException"):
                raise RefreshTokenInvalid("sesión no válida; inicia sesión / invalid session; sign in again") from None
            raise Unavailable(f"Cognito {error_code(exc)}: {error_message(exc)}") from None
        return self._pair(response["AuthenticationResult"], refresh_token)

    async def logout(self, refresh_token: str) -> None:
        try:
            await self._call("revoke_token", Token=refresh_token, ClientId=self.client_id)
        except ClientError as exc:
            if error_code(exc) not in (
                "NotAuthorizedException",
                "InvalidParameterException",
                "UnsupportedTokenTypeException",
            ):
                raise Unavailable(f"Cognito {error_code(exc)}: {error_message(exc)}") from None

    # ---- MFA

    async def _access(self, access_token: str) -> str:
        try:
            principal = await self.verifier.verify(access_token)
        except InvalidToken as exc:
            raise InvalidSession(str(exc)) from None
        return principal.email or principal.user_id

    async def begin_mfa_enrolment(self, access_token: str) -> MfaEnrolment:
        who = await self._access(access_token)
        try:
            response = await self._call("associate_software_token", AccessToken=access_token)
        except ClientError as exc:
            raise InvalidSession(f"no se pudo iniciar MFA / cannot begin MFA: {error_message(exc)}") from None
        secret = str(response["SecretCode"])
        label = quote(f"{ISSUER_NAME}:{who}")
        return MfaEnrolment(
            secret=secret, otpauth_uri=f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER_NAME)}"
        )

    async def confirm_mfa_enrolment(self, access_token: str, code: str) -> None:
        await self._access(access_token)
        principal = await self.verifier.verify(access_token)
        username = await self._username(principal.user_id)
        failures = await self._refuse_while_backing_off(username)
        try:
            response = await self._call("verify_software_token", AccessToken=access_token, UserCode=code)
        except ClientError as exc:
            if error_code(exc) in (
                "CodeMismatchException",
                "EnableSoftwareTokenMFAException",
                "InvalidParameterException",
            ):
                await self._count_wrong_code(username)
                raise InvalidMfaCode("el código no es correcto / the code is not correct") from None
            raise InvalidSession(f"no se pudo confirmar MFA / cannot confirm MFA: {error_message(exc)}") from None
        if response.get("Status") != "SUCCESS":
            await self._count_wrong_code(username)
            raise InvalidMfaCode("el código no es correcto / the code is not correct")
        await self._clear_wrong_codes(username, failures)
        await self._call(
            "set_user_mfa_preference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        self._remember_mfa(principal.user_id, True)  # this process's own change shows at once

    async def jwks(self) -> dict[str, Any]:
        import httpx

        try:
            async with httpx.AsyncClient(timeout=5.0) as http:
                response = await http.get(self.jwks_url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"cannot fetch the user pool's keys from {self.jwks_url}: {exc}") from None


if TYPE_CHECKING:
    from senas.platform.identity import Identity

    def _satisfies_port(identity: CognitoIdentity) -> Identity:
        return identity
