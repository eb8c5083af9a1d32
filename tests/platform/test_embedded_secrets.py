"""Issue 14 #11 and #14: the embedded profile's secrets and files.

- #11: blob URLs were signed with a constant from the source code, so anyone who reached the port could forge reads
  and writes of models and templates. Now a random secret is made on first start and kept in the data dir (0600);
  a URL signed with the constant is refused; `senas up` warns when it listens beyond the loopback interface.
- #14: the data dir was world-readable with the password hashes and TOTP secrets inside. Now the dir is 0700 and its
  files 0600, and TOTP secrets are sealed with a key kept outside the table (a plaintext secret from before still
  works, and is sealed by the next write).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest

from senas.cli import warn_if_exposed
from senas.core.settings import DEFAULT_SIGNING_SECRET, Settings, load_settings
from senas.platform import catalog
from senas.platform.blobs.local import LocalBlobs
from senas.platform.identity.local import LocalIdentity
from senas.platform.identity.secret_box import SecretBox
from senas.wiring import Platform, build_platform
from senas.wiring.embedded import signing_secret

PASSWORD = "manos-que-hablan-42"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def local_identity(platform: Platform) -> LocalIdentity:
    assert isinstance(platform.identity, LocalIdentity)
    return platform.identity


async def enrolled(identity: LocalIdentity, email: str) -> tuple[str, str]:
    """(user id, TOTP secret) of an account with MFA confirmed."""
    user_id = await identity.sign_up(email, PASSWORD)
    tokens = (await identity.login(email, PASSWORD)).tokens
    assert tokens is not None
    enrolment = await identity.begin_mfa_enrolment(tokens.access_token)
    await identity.confirm_mfa_enrolment(tokens.access_token, pyotp.TOTP(enrolment.secret).now())
    return user_id, enrolment.secret


# --- #14 files ---------------------------------------------------------------------------------------------------


async def test_the_data_dir_is_private_and_so_is_every_file_in_it(settings: Settings) -> None:
    old_umask = os.umask(0o022)  # the usual umask: what the old code's files got (0644, dir 0755)
    try:
        platform = build_platform(settings)
        try:
            identity = local_identity(platform)
            await enrolled(identity, "files@example.com")
            store = platform.blobs.store(settings.resource_name(catalog.ML_MODELS))
            await store.put("models/x.bin", b"weights", content_type="application/octet-stream")
            queue = platform.queues.queue(settings.resource_name(catalog.VIDEO_PROCESSING))
            await queue.send('{"hello": 1}')
            await platform.blobs.store(settings.resource_name(catalog.USER_UPLOADS)).ping()
        finally:
            await platform.close()
    finally:
        os.umask(old_umask)
    state = settings.state_dir
    assert mode(state) == 0o700
    files = [path for path in state.rglob("*") if path.is_file()]
    names = {path.name for path in files}
    assert {"tables.db", "queues.db", "content.db", "signing-keys.json", "signing-secret", "totp.key"} <= names
    assert any(path.suffix == ".blob" for path in files)
    loose = {str(path.relative_to(state)): oct(mode(path)) for path in files if mode(path) != 0o600}
    assert loose == {}


def test_an_existing_world_readable_data_dir_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    settings = load_settings(data_dir=data, log_json=False)
    assert mode(settings.state_dir) == 0o700


# --- #14 TOTP secrets at rest --------------------------------------------------------------------------------------


async def test_totp_secrets_are_sealed_with_a_key_kept_outside_the_table(platform: Platform) -> None:
    identity = local_identity(platform)
    user_id, secret = await enrolled(identity, "sealed@example.com")
    account = await identity.table.get(f"USER#{user_id}", "ACCOUNT")
    assert account is not None
    assert SecretBox.is_sealed(str(account["totp_secret"]))
    database = platform.settings.state_dir / "tables.db"
    with sqlite3.connect(database) as raw:
        dumped = "\n".join(raw.iterdump())
    assert secret not in dumped
    key_file = platform.settings.state_dir / "identity" / "totp.key"
    assert key_file.exists()
    assert key_file.read_bytes().strip().decode() not in dumped
    # The second factor still works with the sealed secret.
    challenge = await identity.login("sealed@example.com", PASSWORD)
    assert challenge.challenge == "totp"
    assert challenge.session is not None
    next_step = int(time.time() // 30) + 1  # the enrolment spent this step's code (replay guard)
    tokens = await identity.answer_mfa_challenge(challenge.session, pyotp.TOTP(secret).generate_otp(next_step))
    assert tokens.access_token


async def test_a_secret_stored_in_the_clear_before_still_works_and_is_sealed_by_the_next_write(
    platform: Platform,
) -> None:
    identity = local_identity(platform)
    user_id = await identity.sign_up("legacy@example.com", PASSWORD)
    secret = pyotp.random_base32()
    account = await identity.table.get(f"USER#{user_id}", "ACCOUNT")
    assert account is not None
    legacy = {**account, "mfa_enabled": True, "totp_secret": secret, "version": int(account["version"]) + 1}
    await identity.table.put(legacy)  # as the old code stored it
    challenge = await identity.login("legacy@example.com", PASSWORD)
    assert challenge.challenge == "totp"
    assert challenge.session is not None
    await identity.answer_mfa_challenge(challenge.session, pyotp.TOTP(secret).now())
    after = await identity.table.get(f"USER#{user_id}", "ACCOUNT")
    assert after is not None
    assert SecretBox.is_sealed(str(after["totp_secret"]))
    assert identity.secret_box.open(str(after["totp_secret"])) == secret


def test_a_configured_totp_key_is_used_instead_of_the_key_file(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    from senas.wiring.embedded import totp_secret_box

    key = Fernet.generate_key().decode()
    settings = load_settings(data_dir=tmp_path / "data", totp_encryption_key=key, log_json=False)
    sealed = totp_secret_box(settings).seal("JBSWY3DPEHPK3PXP")
    assert SecretBox(key.encode()).open(sealed) == "JBSWY3DPEHPK3PXP"
    assert not (settings.state_dir / "identity" / "totp.key").exists()


# --- #11 the signing secret ----------------------------------------------------------------------------------------


def test_each_data_dir_gets_its_own_random_signing_secret(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "a", log_json=False)
    second = load_settings(data_dir=tmp_path / "b", log_json=False)
    secret = signing_secret(first)
    assert secret != DEFAULT_SIGNING_SECRET.encode()
    assert len(secret) >= 32
    assert signing_secret(first) == secret  # kept: the next start (another process) reads the same one
    assert signing_secret(second) != secret
    assert mode(first.state_dir / "signing-secret") == 0o600
    configured = load_settings(data_dir=tmp_path / "c", signing_secret="x" * 40, log_json=False)
    assert signing_secret(configured) == b"x" * 40


async def test_a_url_signed_with_the_public_constant_is_refused(platform: Platform) -> None:
    settings = platform.settings
    bucket = settings.resource_name(catalog.ML_MODELS)
    await platform.blobs.store(bucket).put("templates/index.json", b"{}", content_type="application/json")
    # What an attacker can compute: the source code's constant, the public URL, a key they guess.
    constant = DEFAULT_SIGNING_SECRET.encode()
    forger = LocalBlobs(settings.state_dir / "blobs", signing_secret=constant, public_base_url=settings.public_url)
    forged_read = await forger.store(bucket).signed_download("templates/index.json")
    forged_write = await forger.store(bucket).signed_upload(
        "templates/index.json", content_type="application/json", max_bytes=100
    )
    genuine = await platform.blobs.store(bucket).signed_download("templates/index.json")
    assert platform.blob_server is not None
    transport = httpx.ASGITransport(app=platform.blob_server)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:

        def path(url: str) -> str:
            parts = urlsplit(url)
            return f"{parts.path}?{parts.query}"

        ok = await client.get(path(genuine))
        assert ok.status_code == 200, (path(genuine), ok.text)
        read = await client.get(path(forged_read))
        assert read.status_code == 403, read.text
        assert set(read.json()) >= {"error", "detail"}
        write = await client.put(
            path(forged_write.url), content=b'{"evil": 1}', headers={"Content-Type": "application/json"}
        )
        assert write.status_code == 403, write.text
    assert await platform.blobs.store(bucket).get("templates/index.json") == b"{}"


@pytest.mark.parametrize(
    ("host", "warned"), [("127.0.0.1", False), ("localhost", False), ("::1", False), ("0.0.0.0", True)]
)
def test_up_warns_when_the_embedded_profile_listens_beyond_loopback(
    settings: Settings, host: str, warned: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    warn_if_exposed(settings, host)
    err = capsys.readouterr().err
    assert ("WARNING" in err) is warned
    if warned:
        assert host in err
