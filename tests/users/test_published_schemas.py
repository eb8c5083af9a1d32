"""The published schemas say what the server takes: an answer holds exactly one answer (an option, the letters, or a
practice session), each given and not null — a body the schema allows is one the model accepts, and the other way
round; an optional parameter is text or absent, never null (a client that believed "null" sent the word)."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from users_support import learner

from senas.platform.identity.errors import InvalidSignUp
from senas.platform.identity.local import EMAIL_PATTERN, check_email
from senas.platform.identity.passwords import check_password, has_control_characters, is_common
from senas.users.app import create_app
from senas.users.auth.schemas import SignUpIn
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


@settings(max_examples=300, deadline=None)
@given(email=st.from_regex(EMAIL_PATTERN, fullmatch=True).filter(lambda text: 3 <= len(text) <= 254))
def test_an_email_the_sign_up_schema_allows_is_one_the_identity_provider_takes(email: str) -> None:
    check_email(email)  # raises InvalidSignUp for an address it refuses


@pytest.mark.parametrize("email", ["000", "a@b", "a b@c.d", "@c.d", "a@@c.d", "a@c.d e"])
def test_an_email_the_identity_provider_refuses_is_one_the_schema_refuses(email: str) -> None:
    schema = SignUpIn.model_json_schema()["properties"]["email"]
    assert not Draft202012Validator(schema).is_valid(email)
    with pytest.raises(InvalidSignUp):
        check_email(email)


async def test_an_empty_cursor_is_refused_as_the_schema_says(client: httpx.AsyncClient) -> None:
    user = await learner(client, "cursor@example.com")
    schema = (await client.get("/users/openapi.json")).json()
    cursor = next(p for p in schema["paths"]["/users/me/notifications"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["minLength"] == 1  # found by fuzzing: '' was schema-valid, and refused
    response = await client.get("/users/me/notifications", params={"cursor": ""}, headers=user.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"


_NEW_PASSWORD = Draft202012Validator(SignUpIn.model_json_schema()["properties"]["password"])


def _plain_enough(password: str) -> bool:
    """What the identity provider checks beyond the published schema (see ``check_password``)."""
    return (
        not has_control_characters(password)
        and not is_common(password)
        and len(set(password)) >= 5
        and "someone" not in unicodedata.normalize("NFKC", password).casefold()  # the email's name
    )


@settings(max_examples=300, deadline=None)
@given(password=st.text(min_size=0, max_size=140))
def test_a_password_the_sign_up_schema_allows_is_one_the_identity_provider_takes(password: str) -> None:
    # Found by fuzzing: a short password was schema-valid (minLength 1) and refused for its length.
    try:
        check_password(password, "someone@example.com")
        taken = True
    except InvalidSignUp:
        taken = False
    if _NEW_PASSWORD.is_valid(password) and _plain_enough(password):
        assert taken
    if not _NEW_PASSWORD.is_valid(password):
        assert not taken


@pytest.mark.parametrize(
    "password", ["short-one", "x" * 129, "line\nbreak-pass-2024", "tab\there-and-more", "c1\x85-control-xx"]
)
def test_a_password_the_schema_refuses_is_refused_at_sign_up(password: str) -> None:
    assert not _NEW_PASSWORD.is_valid(password)
    with pytest.raises(InvalidSignUp):
        check_password(password, "someone@example.com")
