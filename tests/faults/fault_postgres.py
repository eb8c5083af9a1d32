"""A private PostgreSQL 15 cluster for one test: ``initdb`` into a fresh directory, served on a free port of
127.0.0.1 with its socket in that directory, so stopping and starting it never touches the machine's own cluster
on 5432.

``initdb`` refuses to run as root (CI runs as root), so there the binaries run as the ``postgres`` user through
``runuser`` and the directory belongs to that user. The directory is made under the system temporary folder, not
under pytest's ``tmp_path``: pytest's folders are private to their owner and ``postgres`` could not reach them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from prerequisites import skip_or_fail

PG_BIN = Path(os.environ.get("SENAS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
COMMAND_TIMEOUT = 60  # seconds for initdb / pg_ctl; each takes about one on a busy 2-core machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """One throwaway cluster: ``create`` it, ``start``/``stop`` it as often as the test needs, ``destroy`` it."""

    def __init__(self, root: Path, port: int, run_as: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.run_as = run_as

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def create(cls) -> PrivateCluster:
        """Initialise a cluster (skips locally, fails in CI, when PostgreSQL 15 is not installed)."""
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / tool).is_file():
                skip_or_fail(f"PostgreSQL 15 binaries not found ({PG_BIN / tool} is missing)")
        run_as = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("running as root and there is no 'postgres' user to run initdb as")
                raise  # skip_or_fail always raises; this satisfies the type checker
            run_as = "postgres"
        root = Path(tempfile.mkdtemp(prefix="senas-faults-pg-"))
        if run_as is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster = cls(root, free_port(), run_as)
        try:
            cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr or result.stdout}\n{server_log}")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=50"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop and wait until it has (``fast``: open sessions are terminated, committed work is kept)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
