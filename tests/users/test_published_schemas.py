"""The published schemas say what the server takes: an answer holds exactly one answer (an option, the letters, or a
practice session), each given and not null — a body the schema allows is one the model accepts, and the other way
round; an optional parameter is text or absent, never null (a client that believed "null" sent the word)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from senas.users.app import create_app
from senas.users.bootstrap import UsersRoot
from senas.users.progress.schemas import AnswerIn

BODIES: list[tuple[dict[str, Any], bool]] = [
    ({"exercise_id": "e1", "option_id": "o1"}, True),
    ({"exercise_id": "e1", "letters": ["h", "o"]}, True),
    ({"exercise_id": "e1", "letters": []}, True),
    ({"exercise_id": "e1", "practice_session_id": "s1"}, True),
    ({"exercise_id": "e1", "option_id": None, "letters": ["a"]}, True),  # a null one is not given
    ({"exercise_id": "e1", "option_id": "o1", "letters": None, "practice_session_id": None}, True),
    ({"exercise_id": "e1"}, False),
    ({"exercise_id": "e1", "option_id": None}, False),
    ({"exercise_id": "e1", "option_id": "o1", "letters": ["a"]}, False),
    ({"exercise_id": "e1", "option_id": "o1", "practice_session_id": "s1"}, False),
    ({"exercise_id": "e1", "letters": [], "practice_session_id": "s1"}, False),
    ({"exercise_id": "e1", "option_id": "0", "letters": [], "practice_session_id": "s"}, False),  # found by fuzzing
]


@pytest.mark.parametrize(("body", "accepted"), BODIES)
def test_the_schema_and_the_model_agree_on_exactly_one_answer(body: dict[str, Any], accepted: bool) -> None:
    by_schema = Draft202012Validator(AnswerIn.model_json_schema()).is_valid(body)
    try:
        AnswerIn.model_validate(body)
        by_model = True
    except ValidationError:
        by_model = False
    assert (by_schema, by_model) == (accepted, accepted)


def test_optional_parameters_are_text_or_absent(users_root: UsersRoot) -> None:
    openapi = create_app(users_root, run_consumers=False).openapi()
    parameters = [
        (path, parameter)
        for path, operations in openapi["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
    ]
    optional = {(path, p["in"], p["name"]) for path, p in parameters if not p.get("required")}
    assert ("/users/me/notifications/stream", "header", "Last-Event-ID") in optional
    assert ("/users/me/notifications", "query", "cursor") in optional
    for path, parameter in parameters:
        assert "null" not in str(parameter["schema"]), (path, parameter)
