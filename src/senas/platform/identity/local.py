"""The embedded identity provider: local accounts in the UserData table.

- Passwords: argon2 (pwdlib), hashed off the event loop; an unknown email costs the same hash as a known one.
- Access tokens: short-lived RS256 JWTs signed with ``LocalSigningKeys`` (the same claims Cognito carries).
- Refresh tokens: opaque random strings stored only as their sha256, each in a *family* (one login). Refreshing
  spends the presented token and issues the next one of the family in one conditional transaction, so two
  concurrent refreshes of one token cannot both succeed; presenting a spent token revokes the whole family.
- TOTP MFA (pyotp, otpauth URI with issuer "Señas"), with a replay guard: the last accepted time step is kept on
  the account and a code of that step or an earlier one is refused. The secrets are sealed at rest with a key
  kept outside the table (``secret_box.py``); one stored in the clear before that is still read, and sealed by the
  next write of the account.
- Password guessing is slowed down by the user service (``users/auth/login_guard.py``), per account and per
  address, in front of either provider: this one no longer locks an account, which let anyone lock anyone out.
- Wrong TOTP codes are limited per account (not only per login session): after ``MFA_BACKOFF.free`` wrong codes
  each further one waits longer (429 with Retry-After), whichever session or address they come from.
- Role changes void the account's access tokens in every service (``revocation.py``).

Items (UserData): ``USER#<id>/ACCOUNT`` (email, hash, roles, MFA state, version), ``EMAIL#<email>/EMAIL``
(uniqueness, written in the same transaction as the account), ``USER#<id>/FAMILY#<id>`` (revoked flag),
``REFRESH#<sha256>/REFRESH`` (spent flag; ``gsi1pk=TOKENS#<user>`` so deletion finds them),
``MFA#<sha256>/SESSION`` (a pending login challenge), ``MFAFAIL#<user>/…`` (wrong codes) and
``REVOKED#<user>/TOKENS``; all short-lived items carry ``expires_at``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from senas.platform.errors import ConditionFailed, TransactionCancelled
from senas.platform.identity import (
    ROLES,
    InvalidToken,
    LoginResult,
    MfaEnrolment,
    Principal,
    TokenPair,
    TokenVerifier,
    mfa_required,
)
from senas.platform.identity.claims import access_token_claims
from senas.platform.identity.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidSession,
    InvalidSignUp,
    LoginThrottled,
    MfaNotStarted,
    RefreshTokenInvalid,
    RefreshTokenReused,
    UnknownUser,
)
from senas.platform.identity.passwords import check_password
from senas.platform.identity.revocation import TokenRevocations
from senas.platform.identity.secret_box import SecretBox
from senas.platform.identity.signing_keys import LocalSigningKeys
from senas.platform.tables import GSI1, ConditionCheck, Delete, Item, Put, Table
from senas.platform.tables import Condition as Cond
from senas.platform.tables.counters import Backoff, BackoffCounter

if TYPE_CHECKING:
    from pwdlib import PasswordHash

# pwdlib and pyotp belong to the `users` extra: they are imported when an account is touched, so building the
# embedded platform in an image without them (content, ml) still works.

TOTP_ISSUER = "Señas"
MFA_SESSION_TTL_SECONDS = 300
MFA_SESSION_MAX_ATTEMPTS = 5
# Wrong second-factor codes per account, whatever session or address they come from (issue 14 #5). Only someone
# who knows the password reaches a code prompt, so the owner is not exposed to a lock-out by strangers; a
# 6-digit code with a ±1 step window is guessed with probability 3e-6 a try, so 5 free tries for typing slips and
# then 30 s, 1 min, 2 min … up to 15 min between tries keeps guessing far below NIST SP 800-63B §5.2.2's limit of
# 100 consecutive failures. A right code clears the count.
MFA_BACKOFF = Backoff(free=5, base_seconds=30, cap_seconds=900, window_seconds=86400)


def mfa_throttled(retry_after: int) -> LoginThrottled:
    return LoginThrottled(
        f"demasiados códigos incorrectos para esta cuenta; espera {retry_after} s / "
        f"too many wrong codes for this account; wait {retry_after} s",
        retry_after=retry_after,
    )


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # published as the sign-up schema's pattern
_EMAIL = re.compile(EMAIL_PATTERN)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_email(email: str) -> str:
    normalised = normalise_email(email)
    # The length as sent (lower case can be longer: 'İ' is two code points): what the schema's maxLength counts.
    if len(email.strip()) > 254 or not _EMAIL.match(normalised):
        raise InvalidSignUp("email", "el correo no es válido / the email address is not valid")
    return normalised


class LocalIdentity:
    """The ``Identity`` port on the embedded profile. ``clock`` gives epoch seconds (tests move it)."""

    def __init__(
        self,
        table: Table,
        signing_keys: LocalSigningKeys,
        verifier: TokenVerifier,
        *,
        issuer: str,
        access_ttl_seconds: int = 900,
        refresh_ttl_seconds: int = 30 * 86400,
        mfa_required_for_all: bool = False,
        clock: Callable[[], float] = time.time,
        password_hash: PasswordHash | None = None,
        secret_box: SecretBox | None = None,
        revocations: TokenRevocations | None = None,
    ) -> None:
        self.table = table
        self.signing_keys = signing_keys
        self.verifier = verifier
        self.issuer = issuer
        self.access_ttl = access_ttl_seconds
        self.refresh_ttl = refresh_ttl_seconds
        self.mfa_required_for_all = mfa_required_for_all
        self.clock = clock
        self.revocations = revocations
        self.mfa_failures = BackoffCounter(table, "MFAFAIL", MFA_BACKOFF, now=clock)
        self._passwords = password_hash
        self._dummy_hash: str | None = None
        # Without one (a test building the provider alone), a key that lives as long as this object.
        self.secret_box = secret_box or SecretBox.generate()

    @property
    def passwords(self) -> PasswordHash:
        if self._passwords is None:
            from pwdlib import PasswordHash
            from pwdlib.hashers.argon2 import Argon2Hasher

            self._passwords = PasswordHash((Argon2Hasher(),))
        return self._passwords

    # ---------------------------------------------------------------- accounts

    async def sign_up(self, email: str, password: str) -> str:
        normalised = check_email(email)
        check_password(password, normalised)
        password_hash = await asyncio.to_thread(self.passwords.hash, password)
        user_id = uuid.uuid4().hex
        account: Item = {
            "pk": f"USER#{user_id}",
            "sk": "ACCOUNT",
            "user_id": user_id,
            "email": normalised,
            "password_hash": password_hash,
            "roles": ["learner"],
            "mfa_enabled": False,
            "totp_secret": None,
            "pending_totp_secret": None,
            "totp_last_step": 0,
            "created_at": int(self.clock()),
            "version": 1,
        }
        email_item: Item = {"pk": f"EMAIL#{normalised}", "sk": "EMAIL", "user_id": user_id}
        try:
            await self.table.transact_write(
                [Put(email_item, condition=Cond.item_absent()), Put(account, condition=Cond.item_absent())]
            )
        except TransactionCancelled:
            raise EmailTaken(
                "ya existe una cuenta con ese correo / an account with that email already exists"
            ) from None
        return user_id

    async def _account(self, user_id: str) -> Item | None:
        return await self.table.get(f"USER#{user_id}", "ACCOUNT")

    async def _account_by_email(self, email: str) -> Item | None:
        link = await self.table.get(f"EMAIL#{email}", "EMAIL")
        if link is None:
            return None
        return await self._account(str(link["user_id"]))

    async def set_roles(self, user_id: str, roles: frozenset[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if not roles or unknown:
            raise InvalidSignUp("roles", f"roles must be a non-empty subset of {', '.join(ROLES)}")
        await self._update_account(user_id, lambda account: {**account, "roles": sorted(roles)})
        if self.revocations is not None:
            await self.revocations.revoke(user_id, at=self.clock())

    async def grant_role(self, email: str, role: str) -> str:
        if role not in ROLES:
            raise InvalidSignUp("roles", f"roles must be one of {', '.join(ROLES)}")
        account = await self._account_by_email(normalise_email(email))
        if account is None:
            raise UnknownUser("no existe una cuenta con ese correo / no account has that email")
        user_id = str(account["user_id"])
        await self.set_roles(user_id, frozenset({*account["roles"], role}))
        return user_id

    async def verify_password(self, user_id: str, password: str) -> None:
        account = await self._account(user_id)
        if account is None:
            await asyncio.to_thread(self.passwords.verify, password, await self._dummy())
            raise InvalidCredentials("la contraseña no es correcta / the password is not correct")
        if not await asyncio.to_thread(self.passwords.verify, password, str(account["password_hash"])):
            raise InvalidCredentials("la contraseña no es correcta / the password is not correct")

    async def verify_mfa_code(self, user_id: str, code: str) -> None:
        account = await self._account(user_id)
        if account is None:
            raise UnknownUser("no existe ese usuario / no such user")
        if not account["mfa_enabled"] or not account.get("totp_secret"):
            raise MfaNotStarted("la cuenta no tiene MFA; confirma con tu contraseña / no MFA yet: use your password")
        await self._accept_code(user_id, self.secret_box.open(str(account["totp_secret"])), code, enable=False)

    async def signed_in_with_mfa(self, principal: Principal) -> bool:
        return principal.mfa

    async def _update_account(self, user_id: str, change: Callable[[Item], Item]) -> Item:
        """Read-modify-write of the account guarded by its version (retried when another write won)."""
        for _ in range(10):
            account = await self._account(user_id)
            if account is None:
                raise UnknownUser("no existe ese usuario / no such user")
            updated = {**change(account), "version": int(account["version"]) + 1}
            try:
                await self.table.put(updated, condition=Cond.version_is(int(account["version"])))
            except ConditionFailed:
                continue
            return updated
        raise ConditionFailed(f"account {user_id} is changing too often to update")

    async def delete_user(self, user_id: str) -> None:
        account = await self._account(user_id)
        page = await self.table.query(f"TOKENS#{user_id}", index=GSI1, limit=1000)
        keys = [(str(item["pk"]), str(item["sk"])) for item in page.items]
        families = await self.table.query(f"USER#{user_id}", limit=1000)
        keys += [(str(i["pk"]), str(i["sk"])) for i in families.items if str(i["sk"]).startswith("FAMILY#")]
        for pk, sk in keys:
            await self.table.delete(pk, sk)
        if account is not None:
            await self.table.transact_write(
                [Delete(f"EMAIL#{account['email']}", "EMAIL"), Delete(f"USER#{user_id}", "ACCOUNT")]
            )

    # ---------------------------------------------------------------- login

    def _mfa_required(self, account: Item) -> bool:
        return mfa_required(account["roles"], required_for_all=self.mfa_required_for_all)

    async def login(self, email: str, password: str) -> LoginResult:
        normalised = normalise_email(email)
        account = await self._account_by_email(normalised)
        if account is None:
            await asyncio.to_thread(self.passwords.verify, password, await self._dummy())
            valid, new_hash = False, None
        else:
            valid, new_hash = await asyncio.to_thread(
                self.passwords.verify_and_update, password, str(account["password_hash"])
            )
        if not valid or account is None:
            raise InvalidCredentials("correo o contraseña incorrectos / wrong email or password")
        user_id = str(account["user_id"])
        if new_hash is not None:
            await self._update_account(user_id, lambda a: {**a, "password_hash": new_hash})
        if account["mfa_enabled"]:
            return LoginResult(challenge="totp", session=await self._new_session(user_id, "totp"))
        if self._mfa_required(account):
            return LoginResult(challenge="mfa_setup", session=await self._new_session(user_id, "mfa_setup"))
        return LoginResult(tokens=await self._issue(account, mfa=False))

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self.passwords.hash, secrets.token_hex(16))
        return self._dummy_hash

    # ---------------------------------------------------------------- MFA

    async def _new_session(self, user_id: str, kind: str) -> str:
        session = secrets.token_urlsafe(32)
        await self.table.put(
            {
                "pk": f"MFA#{_hash(session)}",
                "sk": "SESSION",
                "user_id": user_id,
                "kind": kind,
                "attempts": 0,
                "expires_at": int(self.clock()) + MFA_SESSION_TTL_SECONDS,
            },
            condition=Cond.item_absent(),
        )
        return session

    async def _session(self, session: str) -> Item:
        item = await self.table.get(f"MFA#{_hash(session)}", "SESSION")
        if item is None or float(item["expires_at"]) <= self.clock():
            raise InvalidSession(
                "la sesión de verificación caducó; inicia sesión de nuevo / "
                "the verification session expired; sign in again"
            )
        return item

    async def answer_mfa_challenge(self, session: str, code: str) -> TokenPair:
        item = await self._session(session)
        user_id = str(item["user_id"])
        account = await self._account(user_id)
        if account is None:
            raise InvalidSession("la cuenta ya no existe / the account no longer exists")
        if item["kind"] == "mfa_setup":
            secret = account.get("pending_totp_secret")
            if not secret:
                raise MfaNotStarted("primero inicia la configuración de MFA / begin the MFA enrolment first")
        else:
            secret = account.get("totp_secret")
        try:
            await self._accept_code(
                user_id, self.secret_box.open(str(secret)), code, enable=item["kind"] == "mfa_setup"
            )
        except InvalidMfaCode:
            attempts = await self.table.add(item["pk"], "SESSION", {"attempts": 1})
            if int(attempts["attempts"]) >= MFA_SESSION_MAX_ATTEMPTS:
                await self.table.delete(item["pk"], "SESSION")
            raise
        # Single use: only the request that deletes the session gets the tokens.
        if not await self.table.delete(item["pk"], "SESSION"):
            raise InvalidSession("la sesión ya se usó / the session was already used")
        refreshed = await self._account(user_id)
        assert refreshed is not None
        return await self._issue(refreshed, mfa=True)

    def _matching_step(self, secret: str, code: str) -> int | None:
        import pyotp

        if not re.fullmatch(r"\d{6}", code.strip()):
            return None
        totp = pyotp.TOTP(secret)
        now = self.clock()
        current = int(now // totp.interval)
        for step in (current, current - 1, current + 1):  # one step of clock drift either way
            if hmac.compare_digest(totp.generate_otp(step), code.strip()):
                return step
        return None

    async def _accept_code(self, user_id: str, secret: str, code: str, *, enable: bool) -> None:
        waiting = await self.mfa_failures.state(user_id)
        if waiting.blocked:
            raise mfa_throttled(waiting.retry_after)  # before the code is even looked at: no oracle while waiting
        step = self._matching_step(secret, code)
        invalid = InvalidMfaCode("código incorrecto o ya usado / wrong or already used code")
        if step is None:
            await self.mfa_failures.fail(user_id)
            raise invalid

        def accept(account: Item) -> Item:
            if step <= int(account.get("totp_last_step") or 0):
                raise invalid  # replay: this code (or a later one) was already accepted
            changed = {**account, "totp_last_step": step}
            if enable:
                changed.update(mfa_enabled=True, totp_secret=self.secret_box.seal(secret), pending_totp_secret=None)
            elif account.get("totp_secret") and not SecretBox.is_sealed(str(account["totp_secret"])):
                changed["totp_secret"] = self.secret_box.seal(str(account["totp_secret"]))  # stored in the clear
            return changed

        await self._update_account(user_id, accept)
        if waiting.failures:
            await self.mfa_failures.clear(user_id)

    async def _enrolment_user(self, token: str) -> str:
        """Enrolment is allowed with an access token, or with an ``mfa_setup`` session (a login that must
        enrol before it gets tokens) — as Cognito's AssociateSoftwareToken takes either."""
        if token.count(".") == 2:
            try:
                return (await self.verifier.verify(token)).user_id
            except InvalidToken as exc:
                raise InvalidSession(str(exc)) from None
        item = await self._session(token)
        if item["kind"] != "mfa_setup":
            raise InvalidSession("esta sesión no permite configurar MFA / this session cannot enrol MFA")
        return str(item["user_id"])

    async def begin_mfa_enrolment(self, access_token: str) -> MfaEnrolment:
        import pyotp

        user_id = await self._enrolment_user(access_token)
        secret = pyotp.random_base32()
        sealed = self.secret_box.seal(secret)
        account = await self._update_account(user_id, lambda a: {**a, "pending_totp_secret": sealed})
        uri = pyotp.TOTP(secret).provisioning_uri(name=str(account["email"]), issuer_name=TOTP_ISSUER)
        return MfaEnrolment(secret=secret, otpauth_uri=uri)

    async def confirm_mfa_enrolment(self, access_token: str, code: str) -> None:
        user_id = (await self._verified(access_token)).user_id
        account = await self._account(user_id)
        if account is None:
            raise UnknownUser("no existe ese usuario / no such user")
        secret = account.get("pending_totp_secret")
        if not secret:
            raise MfaNotStarted("primero inicia la configuración de MFA / begin the MFA enrolment first")
        await self._accept_code(user_id, self.secret_box.open(str(secret)), code, enable=True)

    async def mfa_enabled(self, user_id: str) -> bool:
        # Set by _accept_code, in the same write that moves the pending secret to ``totp_secret``.
        account = await self._account(user_id)
        if account is None:
            raise UnknownUser("no existe ese usuario / no such user")
        return bool(account["mfa_enabled"])

    async def _verified(self, access_token: str) -> Principal:
        try:
            return await self.verifier.verify(access_token)
        except InvalidToken as exc:
            raise InvalidSession(str(exc)) from None

    # ---------------------------------------------------------------- tokens

    async def _issue_time(self, user_id: str) -> float:
        """Now — or the account's revocation stamp when that is (a fraction of a second) ahead: a token issued in
        the second of a role change must not be void on arrival."""
        now = self.clock()
        if self.revocations is None:
            return now
        stamp = await self.revocations.not_before(user_id)
        return now if stamp is None else max(now, float(stamp))

    async def _issue(self, account: Item, *, mfa: bool) -> TokenPair:
        """Tokens of a new login: an access token and the first refresh token of a new family."""
        user_id = str(account["user_id"])
        now = await self._issue_time(user_id)
        access_token = self._access_token(account, mfa=mfa, now=now)
        refresh = secrets.token_urlsafe(32)
        family_id = uuid.uuid4().hex
        family: Item = {
            "pk": f"USER#{user_id}",
            "sk": f"FAMILY#{family_id}",
            "revoked": False,
            "mfa": mfa,
            "version": 1,
            "expires_at": int(now) + self.refresh_ttl,
        }
        await self.table.transact_write(
            [
                Put(self._token_item(refresh, user_id, family_id), Cond.item_absent()),
                Put(family, Cond.item_absent()),
            ]
        )
        return TokenPair(access_token=access_token, refresh_token=refresh, expires_in=self.access_ttl)

    def _access_token(self, account: Item, *, mfa: bool, now: float) -> str:
        claims = access_token_claims(
            user_id=str(account["user_id"]),
            issuer=self.issuer,
            roles=account["roles"],
            ttl_seconds=self.access_ttl,
            email=str(account["email"]),
            mfa=mfa,
            now=now,
        )
        return self.signing_keys.sign(claims)

    def _token_item(self, refresh: str, user_id: str, family_id: str) -> Item:
        digest = _hash(refresh)
        return {
            "pk": f"REFRESH#{digest}",
            "sk": "REFRESH",
            "user_id": user_id,
            "family_id": family_id,
            "spent": False,
            "version": 1,
            "expires_at": int(self.clock()) + self.refresh_ttl,
            "gsi1pk": f"TOKENS#{user_id}",
            "gsi1sk": digest,
        }

    async def _revoke_family(self, user_id: str, family_id: str) -> None:
        def revoke(family: Item) -> Item:
            return {**family, "revoked": True, "version": int(family["version"]) + 1}

        for _ in range(10):
            family = await self.table.get(f"USER#{user_id}", f"FAMILY#{family_id}")
            if family is None or family["revoked"]:
                return
            try:
                await self.table.put(revoke(family), condition=Cond.version_is(int(family["version"])))
                return
            except ConditionFailed:
                continue

    async def refresh(self, refresh_token: str) -> TokenPair:
        invalid = RefreshTokenInvalid("la sesión terminó; inicia sesión de nuevo / the session ended; sign in again")
        token = await self.table.get(f"REFRESH#{_hash(refresh_token)}", "REFRESH")
        if token is None or float(token["expires_at"]) <= self.clock():
            raise invalid
        user_id, family_id = str(token["user_id"]), str(token["family_id"])
        reused = RefreshTokenReused(
            "se reutilizó un token ya gastado; cerramos la sesión por seguridad / "
            "a spent refresh token was reused; the session was closed for safety"
        )
        if token["spent"]:
            await self._revoke_family(user_id, family_id)
            raise reused
        family = await self.table.get(f"USER#{user_id}", f"FAMILY#{family_id}")
        account = await self._account(user_id)
        if family is None or family["revoked"] or account is None:
            raise invalid
        if self._mfa_required(account) and not family["mfa"]:
            raise invalid  # a role that needs MFA was granted since this login: sign in again with MFA
        spent = {**token, "spent": True, "version": int(token["version"]) + 1}
        following = secrets.token_urlsafe(32)
        try:
            await self.table.transact_write(
                [
                    Put(spent, condition=Cond.version_is(int(token["version"]))),
                    ConditionCheck(family["pk"], family["sk"], Cond.version_is(int(family["version"]))),
                    Put(self._token_item(following, user_id, family_id), condition=Cond.item_absent()),
                ]
            )
        except TransactionCancelled as exc:
            if exc.reasons[0] is not None:  # another refresh spent this token first: that is reuse too
                await self._revoke_family(user_id, family_id)
                raise reused from None
            raise invalid from None
        access_token = self._access_token(account, mfa=bool(family["mfa"]), now=await self._issue_time(user_id))
        return TokenPair(access_token=access_token, refresh_token=following, expires_in=self.access_ttl)

    async def logout(self, refresh_token: str) -> None:
        token = await self.table.get(f"REFRESH#{_hash(refresh_token)}", "REFRESH")
        if token is not None:
            await self._revoke_family(str(token["user_id"]), str(token["family_id"]))

    async def jwks(self) -> dict[str, Any]:
        return self.signing_keys.jwks()
