"""Files of the embedded profile that only the service's own user may read: the data directory holds password
hashes, TOTP secrets, signing keys and everyone's uploads, so it is created ``0700`` and its files ``0600`` —
whatever the process umask says (issue 14 #14)."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make ``path`` itself ``0700``; an existing directory that others
    could read is tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_DIR_MODE:
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is ``0600`` (created empty when absent). SQLite gives its ``-wal``/``-shm``
    files the permissions of the database file, so creating the database file first covers those too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(descriptor).st_mode) != PRIVATE_FILE_MODE:
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def open_private(path: Path, flags: int) -> int:
    """``os.open`` with a ``0600`` mode for a file it creates."""
    return os.open(path, flags, PRIVATE_FILE_MODE)


def read_or_create_secret(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret kept in ``path``; created with ``make()`` on first use, ``0600``, atomically: when several
    processes start at once, the first to link its file wins and every process reads that one."""
    try:
        value = path.read_bytes().strip()
    except FileNotFoundError:
        value = b""
    if value:
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        os.write(descriptor, make())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()
