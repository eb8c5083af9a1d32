"""What a test needs from outside the project (PostgreSQL, ../shared, Chromium, a package) and what happens
when it is missing: a visible skip on a developer's machine, a failure in CI (``SENAS_STRICT_TESTS=1`` in
.ci/run), where every suite must run. Import it as ``prerequisites`` from any test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def strict_ci() -> bool:
    return os.environ.get("SENAS_STRICT_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    if strict_ci():
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def require(condition: bool, reason: str) -> None:
    if not condition:
        skip_or_fail(reason)
