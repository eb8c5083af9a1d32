"""The user-service tests' fixtures live in ``users_fixtures.py`` (tests/aws reuses them)."""

from users_fixtures import *  # noqa: F403 - fixtures are found by name
