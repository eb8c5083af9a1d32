"""Puts tests/users on the import path (its modules import each other by their plain names), so that
test_users_progress_dynamodb.py can run the user service's progress tests with their own fixtures. Imported
first, for that effect alone."""

import sys
from pathlib import Path

USERS_TESTS = str(Path(__file__).resolve().parents[1] / "users")
if USERS_TESTS not in sys.path:
    sys.path.insert(0, USERS_TESTS)
