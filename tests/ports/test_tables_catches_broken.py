"""The tables contract suite must fail against an implementation that breaks any one of its behaviours.

One subprocess runs the contract tests that matter here against each variant of ``broken_tables.py`` (each
wrong in exactly one way) and against the real SQLite implementation, selected through
``SENAS_CONTRACT_TABLES_IMPL``. Each variant must fail the tests written to catch its defect; the real
implementation must pass them all. One subprocess means one pytest start-up for the whole module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import broken_tables
import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_SUITE = Path(__file__).with_name("test_tables_contract.py")
IMPL_ENV_VAR = "SENAS_CONTRACT_TABLES_IMPL"
CONTROL = "sqlite"

# variant → the contract tests that have to fail against it (parametrised tests: at least one instance)
MUST_FAIL = {
    "broken-conditions": (
        "test_put_if_absent_fails_when_present",
        "test_put_if_absent_races_have_one_winner",
        "test_put_with_version_mismatch_fails",
        "test_put_with_version_fails_when_absent",
        "test_conditional_delete_with_version_mismatch_fails",
    ),
    "broken-counter": ("test_add_concurrent_increments_are_atomic",),
    "broken-ordering": (
        "test_query_descending",
        "test_query_key_range_descending",
        "test_gsi_query_descending",
    ),
    "broken-pagination": (
        "test_query_pagination_yields_every_item_once_in_order",
        "test_query_pagination_pages_are_consecutive",
        "test_gsi_pagination_with_ties_yields_every_item_once",
    ),
    "broken-transactions": (
        "test_transact_write_is_all_or_nothing",
        "test_transact_write_reports_every_failed_condition",
    ),
    "broken-get-many": ("test_get_many_answers_in_the_order_asked",),
    "broken-ttl": (
        "test_expired_item_is_not_returned_by_get",
        "test_expired_items_are_not_returned_by_query",
        "test_expired_item_does_not_count_for_not_exists",
        "test_expired_counter_starts_again_from_zero",
    ),
}
SELECTED_TESTS = sorted({name for names in MUST_FAIL.values() for name in names})
# Each variant runs only its own tests, the control runs them all ("name[impl" matches the test's ids).
SELECTION = " or ".join(
    [f"{test}[{variant}" for variant, tests in MUST_FAIL.items() for test in tests]
    + [f"{test}[{CONTROL}" for test in SELECTED_TESTS]
)
_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR) \S*::(test_\w+)\[([^\]]*)\]", re.MULTILINE)


def _variant_of(test_id: str) -> str:
    """The implementation name at the front of a test id's parameters (``sqlite-...`` → ``sqlite``)."""
    return next(name for name in (*MUST_FAIL, CONTROL) if test_id == name or test_id.startswith(name + "-"))


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict[str, set[str]]]:
    """variant → test name → the outcomes of its instances."""
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(CONTRACT_SUITE),
            "-k",
            SELECTION,
            "-q",
            "--no-header",
            "--tb=no",
            "-rfEp",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, IMPL_ENV_VAR: ",".join([*MUST_FAIL, CONTROL])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = process.stdout + process.stderr
    assert process.returncode in (0, 1), output  # 1: some tests failed, as they must; anything else: broken run
    found: dict[str, dict[str, set[str]]] = {}
    for outcome, test, params in _OUTCOME.findall(output):
        found.setdefault(_variant_of(params), {}).setdefault(test, set()).add(outcome)
    assert found, output
    return found


def test_every_broken_variant_has_a_case() -> None:
    assert set(broken_tables.BROKEN) == set(MUST_FAIL)


@pytest.mark.parametrize("variant", list(MUST_FAIL))
def test_contract_suite_catches(outcomes: dict[str, dict[str, set[str]]], variant: str) -> None:
    seen = outcomes.get(variant, {})
    missed = [test for test in MUST_FAIL[variant] if "FAILED" not in seen.get(test, set())]
    assert not missed, f"these contract tests did not catch {variant}: {missed} (outcomes: {seen})"
    assert not any("ERROR" in results for results in seen.values()), seen


def test_control_passes_against_the_real_implementation(outcomes: dict[str, dict[str, set[str]]]) -> None:
    seen = outcomes[CONTROL]
    assert set(seen) == set(SELECTED_TESTS)
    assert all(results == {"PASSED"} for results in seen.values()), seen
