"""The queues contract suite must fail against an implementation that breaks any one of the SQS behaviours.

Each case runs the contract test that guards the behaviour in a subprocess, with
``SENAS_CONTRACT_QUEUES_IMPL`` naming a variant from ``broken_queues.py``; a control runs the same tests
against the real implementation and must pass. All the subprocesses are started together.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_SUITE = Path(__file__).with_name("test_queues_contract.py")
IMPL_ENV_VAR = "SENAS_CONTRACT_QUEUES_IMPL"

# variant → the contract test that must catch it
CASES = {
    "broken-no-dlq": "test_message_moves_to_the_dead_letter_queue_after_max_receives",
    "broken-ignores-visibility": "test_unacked_message_is_hidden_then_redelivered_with_a_new_receipt",
    "broken-ignores-delay": "test_delayed_message_is_invisible_until_its_delay",
    "broken-stale-receipt-deletes": "test_stale_receipt_does_not_delete_the_redelivered_message",
    "broken-no-long-poll": "test_long_poll_returns_as_soon_as_a_message_arrives",
}
CONTROL = "sqlite"


@dataclass
class Run:
    returncode: int
    output: str

    def count(self, outcome: str) -> int:
        match = re.search(rf"(\d+) {outcome}", self.output)
        return int(match.group(1)) if match else 0


def _start(impl: str, tests: list[str]) -> subprocess.Popen[str]:
    node_ids = [f"{CONTRACT_SUITE}::{name}" for name in tests]
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *node_ids, "-q", "--no-header", "-rN", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT,
        env={**os.environ, IMPL_ENV_VAR: impl},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    started = {name: _start(name, [test]) for name, test in CASES.items()}
    started[CONTROL] = _start(CONTROL, list(CASES.values()))
    results: dict[str, Run] = {}
    try:
        for name, process in started.items():
            output, _ = process.communicate(timeout=90)
            results[name] = Run(process.returncode, output)
        yield results
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def test_every_broken_variant_has_a_case() -> None:
    spec = importlib.util.spec_from_file_location("broken_queues_listing", CONTRACT_SUITE.with_name("broken_queues.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.BROKEN_VARIANTS) == set(CASES)


@pytest.mark.parametrize("variant", list(CASES))
def test_contract_suite_catches(runs: dict[str, Run], variant: str) -> None:
    run = runs[variant]
    # Exit code 1 means "tests ran and some failed"; anything else (no tests, usage or internal error) would
    # make this check meaningless.
    assert run.returncode == 1, run.output
    assert run.count("failed") == 1, run.output
    assert f"{CASES[variant]}[{variant}]" in run.output, run.output


def test_control_passes_against_the_real_implementation(runs: dict[str, Run]) -> None:
    run = runs[CONTROL]
    assert run.returncode == 0, run.output
    assert run.count("passed") == len(CASES), run.output
