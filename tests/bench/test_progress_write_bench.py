"""``bench/progress_write.py`` still runs, end to end, on a small load: its figures are quoted in notes, so a change
that breaks it (or makes its XP check fail) must fail a test, not wait for the next time someone measures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "progress_write.py"


def test_the_progress_write_bench_runs_and_its_xp_check_passes() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--flows", "40", "--concurrency", "4", "--users", "8", "--rounds", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("event loop: uvloop\n"), run.stdout  # the loop uvicorn runs the services on
    assert "XP check: all 8 learners have exactly the expected XP" in run.stdout
    assert re.search(r"^ratio progress writes/constant: \d\.\d{3}", run.stdout, re.MULTILINE), run.stdout
    for label in ("start (request)", "answer (request)", "complete (request)", "complete (follow-ups)"):
        assert re.search(rf"^  {re.escape(label)} +\d+\.\d", run.stdout, re.MULTILINE), run.stdout
    sequential = re.search(r"^one request at a time .* a ratio of (\d\.\d{3}) at concurrency 1$", run.stdout, re.M)
    assert sequential is not None, run.stdout
    assert 0 < float(sequential.group(1)) < 1  # a write costs more than the constant request, and something
