"""The blobs contract suite must fail against an implementation that breaks any one of its security rules.

The contract suite runs in a subprocess with ``SENAS_CONTRACT_BLOBS_IMPL`` naming the variants of
``broken_blobs.py`` plus the real implementation as a control (the variable takes a comma-separated list, so
one pytest start-up serves them all). Each variant must fail the contract tests that guard the rule it breaks
and pass the ones guarding the other rules (so it really breaks only one thing); the control must pass all.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_SUITE = Path(__file__).with_name("test_blobs_contract.py")
IMPL_ENV_VAR = "SENAS_CONTRACT_BLOBS_IMPL"

# variant → the contract tests (substrings of their names, as for pytest -k) that must catch it
CASES = {
    "broken-no-size-limit": "over_max_bytes",
    "broken-no-content-type-check": "wrong_content_type",
    "broken-key-unbound": "bound_to_key",
    "broken-expiry-ignored": "expires",
    "broken-if-match-ignored": "if_match",
    "broken-if-none-match-ignored": "if_none_match",
}
CONTROL = "local"

Outcomes = dict[tuple[str, str], str]  # (test function, implementation) → passed / failed / error / skipped


def _outcomes(junit_xml: Path) -> Outcomes:
    outcomes: Outcomes = {}
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        match = re.fullmatch(r"(\w+)\[([\w-]+)\]", case.get("name", ""))
        if match is None:
            continue
        tags = {child.tag for child in case}
        outcome = next((tag for tag in ("failure", "error", "skipped") if tag in tags), "passed")
        outcomes[(match.group(1), match.group(2))] = outcome
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    junit_xml = tmp_path_factory.mktemp("contract-run") / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(CONTRACT_SUITE),
        "-k",
        " or ".join(CASES.values()),
        "-q",
        "--no-header",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        f"--junitxml={junit_xml}",
    ]
    env = {**os.environ, IMPL_ENV_VAR: ",".join([CONTROL, *CASES])}
    process = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    # 1 = tests ran and some failed, as the broken variants must; anything else (no tests collected, a usage
    # or internal error) would make these checks meaningless.
    assert process.returncode == 1, process.stdout + process.stderr
    return _outcomes(junit_xml)


def _tests_of(outcomes: Outcomes, implementation: str, selection: str) -> dict[str, str]:
    return {test: outcome for (test, impl), outcome in outcomes.items() if impl == implementation and selection in test}


def test_every_broken_variant_has_a_case() -> None:
    spec = importlib.util.spec_from_file_location("broken_blobs_listing", CONTRACT_SUITE.with_name("broken_blobs.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.BROKEN_VARIANTS) == set(CASES)


@pytest.mark.parametrize("variant", list(CASES))
def test_contract_suite_catches(outcomes: Outcomes, variant: str) -> None:
    guarding = _tests_of(outcomes, variant, CASES[variant])
    assert guarding, f"no contract test matching {CASES[variant]!r} ran against {variant}"
    assert "failure" in guarding.values(), f"the contract suite did not catch {variant}: {guarding}"
    assert "error" not in guarding.values(), guarding
    for other, selection in CASES.items():
        if other != variant:
            unrelated = _tests_of(outcomes, variant, selection)
            assert set(unrelated.values()) == {"passed"}, f"{variant} breaks more than one rule: {unrelated}"


def test_control_passes_against_the_real_implementation(outcomes: Outcomes) -> None:
    ran = {test: outcome for (test, impl), outcome in outcomes.items() if impl == CONTROL}
    assert len(ran) >= len(CASES)
    assert set(ran.values()) == {"passed"}, ran
