"""A new exercise's schema says which fields each kind takes: a body the published schema allows is one the service
takes, and the other way round — found by fuzzing the running content service (schemathesis: a schema-valid
fingerspell exercise without its word refused with 422). The one rule no JSON schema can state — the right answer is
not also a wrong one — stays the service's alone, and is the only difference allowed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from senas.content.catalog.schemas import ExerciseCreate

SCHEMA = Draft202012Validator(ExerciseCreate.model_json_schema())
KINDS = ("watch_choose_meaning", "meaning_choose_video", "perform_sign", "fingerspell")
ABSENT = object()


def accepted_by_service(body: dict[str, Any]) -> bool:
    try:
        ExerciseCreate.model_validate(body)
    except ValidationError:
        return False
    return True


def answer_among_wrong_ones(body: dict[str, Any]) -> bool:
    return body.get("sign_id") is not None and body.get("sign_id") in (body.get("distractor_ids") or [])


EXAMPLES: list[tuple[dict[str, Any], bool]] = [
    ({"kind": "watch_choose_meaning", "sign_id": "s1", "distractor_ids": ["s2", "s3"]}, True),
    ({"kind": "meaning_choose_video", "sign_id": "s1", "distractor_ids": ["s2"], "word": None}, True),
    ({"kind": "perform_sign", "sign_id": "s1"}, True),
    ({"kind": "perform_sign", "sign_id": "s1", "distractor_ids": [], "word": None}, True),
    ({"kind": "fingerspell", "word": "hola"}, True),
    ({"kind": "fingerspell", "word": "buenos días", "sign_id": None, "distractor_ids": []}, True),
    ({"kind": "fingerspell"}, False),  # found by fuzzing: it was schema-valid
    ({"kind": "fingerspell", "word": None}, False),
    ({"kind": "fingerspell", "word": "hola", "sign_id": "s1"}, False),
    ({"kind": "fingerspell", "word": "hola", "distractor_ids": ["s2"]}, False),
    ({"kind": "perform_sign"}, False),
    ({"kind": "perform_sign", "sign_id": None}, False),
    ({"kind": "perform_sign", "sign_id": "s1", "distractor_ids": ["s2"]}, False),
    ({"kind": "perform_sign", "sign_id": "s1", "word": "hola"}, False),
    ({"kind": "watch_choose_meaning", "sign_id": "s1"}, False),
    ({"kind": "watch_choose_meaning", "sign_id": "s1", "distractor_ids": []}, False),
    ({"kind": "watch_choose_meaning", "sign_id": "s1", "distractor_ids": ["s2", "s2"]}, False),
    ({"kind": "meaning_choose_video", "distractor_ids": ["s2"]}, False),
    ({"kind": "meaning_choose_video", "sign_id": "s1", "distractor_ids": ["s2"], "word": "hola"}, False),
]


@pytest.mark.parametrize(("body", "accepted"), EXAMPLES)
def test_the_schema_and_the_service_agree_on_each_kind(body: dict[str, Any], accepted: bool) -> None:
    assert (SCHEMA.is_valid(body), accepted_by_service(body)) == (accepted, accepted)


def test_the_right_answer_among_the_wrong_ones_is_refused_by_the_service_alone() -> None:
    body = {"kind": "watch_choose_meaning", "sign_id": "s1", "distractor_ids": ["s2", "s1"]}
    assert SCHEMA.is_valid(body)
    assert not accepted_by_service(body)


def _optional(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(ABSENT), value)


@given(
    kind=st.sampled_from(KINDS),
    sign_id=_optional(st.sampled_from([None, "s1", "s2"])),
    distractor_ids=_optional(st.lists(st.sampled_from(["s1", "s2", "s3"]), max_size=3)),
    word=_optional(st.sampled_from([None, "hola", "ca sa"])),
)
def test_any_body_the_schema_allows_is_taken_and_no_other(
    kind: str, sign_id: Any, distractor_ids: Any, word: Any
) -> None:
    fields = {"sign_id": sign_id, "distractor_ids": distractor_ids, "word": word}
    body = {"kind": kind, **{name: value for name, value in fields.items() if value is not ABSENT}}
    by_schema, by_service = SCHEMA.is_valid(body), accepted_by_service(body)
    if by_schema and not by_service:
        assert answer_among_wrong_ones(body), body
    else:
        assert by_schema == by_service, body


async def test_the_route_publishes_the_kinds(client: httpx.AsyncClient) -> None:
    document = (await client.get("/content/openapi.json")).json()
    body = document["paths"]["/content/author/lessons/{lesson_id}/exercises"]["post"]["requestBody"]
    reference = body["content"]["application/json"]["schema"]["$ref"]
    published = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert [branch["required"] for branch in published["oneOf"]] == [
        ["kind", "sign_id", "distractor_ids"],
        ["kind", "sign_id"],
        ["kind", "word"],
    ]
