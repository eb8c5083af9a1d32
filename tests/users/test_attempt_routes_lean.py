"""The attempt routes' lean path (senas.core.lean_routes) answers exactly as FastAPI's handler: every request below is
sent to the service as it runs and to the same service with a dependency overridden (which sends every request
through FastAPI's handler), and the two answers are the same — errors of the path, the header, the body, the token
and the service alike. A successful write cannot be sent twice to compare (the second is a replay), so the plain
flow is compared by what it answers: status and fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from users_support import FakeContent, Learner, attempts_path, key, learner

from senas.users.app import create_app
from senas.users.bootstrap import UsersRoot
from senas.users.clock import ManualClock
from senas.users.deps import get_clock


@pytest.fixture
async def both(users_root: UsersRoot, clock: ManualClock) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of the service as it runs (lean paths on), and one of the same service through FastAPI alone."""
    lean_app = create_app(users_root, run_consumers=False)
    fastapi_app = create_app(users_root, run_consumers=False)
    fastapi_app.dependency_overrides[get_clock] = lambda: clock  # the same clock: an override in force, no change
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=lean_app), base_url="http://t") as lean,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fastapi_app), base_url="http://t") as standard,
    ):
        yield lean, standard


async def test_every_error_is_the_one_fastapi_gives(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], content: FakeContent
) -> None:
    lean, standard = both
    user: Learner = await learner(lean, "lean@example.com")
    started = await lean.post(attempts_path("les-1"), headers={**user.headers, "Idempotency-Key": key()})
    assert started.status_code == 201, started.text
    attempt = started.json()["attempt_id"]
    answers = f"{attempts_path('les-1')}/{attempt}/answers"
    done = f"{attempts_path('les-1')}/{attempt}/complete"
    json_type = {"content-type": "application/json"}
    valid = f'{{"exercise_id": "les-1-ex0", "option_id": "{content.right_option("les-1", "les-1-ex0")}"}}'.encode()

    def with_key(**headers: str) -> dict[str, str]:
        return {**user.headers, "Idempotency-Key": key(), **headers}

    cases: list[tuple[str, dict[str, str], bytes | None]] = [
        # start
        (attempts_path("les-1"), user.headers, None),  # no Idempotency-Key
        (attempts_path("les-1"), {**user.headers, "Idempotency-Key": "short"}, None),
        (attempts_path("les-1"), {**user.headers, "Idempotency-Key": "bad key with spaces"}, None),
        (attempts_path("-les"), with_key(), None),  # a lesson id off its pattern
        (attempts_path("nope"), with_key(), None),  # no such lesson (the service's 404, through the lean path)
        (attempts_path("les-1"), {"Idempotency-Key": key()}, None),  # no token
        (attempts_path("les-1"), {"Authorization": "Bearer forged.token.here", "Idempotency-Key": key()}, None),
        (attempts_path("les-1"), {"Authorization": "Basic abc", "Idempotency-Key": key()}, None),
        # answer
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0"}'),  # no answer
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0", "option_id": "a", "letters": ["h"]}'),
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0", "option_id": "a", "extra": 1}'),
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0", "option_id": '),  # broken JSON
        (answers, with_key(**json_type), b""),
        (answers, with_key(**json_type), b"[]"),
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0", "letters": ["\\ud800"]}'),
        (answers, with_key(**{"content-type": "text/plain"}), valid),
        (answers, with_key(), valid),  # no content type
        (answers, with_key(**json_type), b'{"exercise_id": "nope", "option_id": "a"}'),  # not in the attempt
        (answers, with_key(**json_type), b'{"exercise_id": "les-1-ex0", "option_id": "not-an-option"}'),
        (answers.replace(attempt, attempt.upper()), with_key(**json_type), b'{"exercise_id": "e", "option_id": "a"}'),
        (answers.replace(attempt, "0" * 32), with_key(**json_type), b'{"exercise_id": "e", "option_id": "a"}'),
        (answers, {"Idempotency-Key": key(), **json_type}, b'{"exercise_id": "e", "option_id": "a"}'),  # no token
        # complete
        (done, user.headers, None),
        (done.replace(attempt, "f" * 32), with_key(), None),  # no such attempt
        (done, with_key(), None),  # nothing answered yet
    ]
    for path, headers, body in cases:
        got = await lean.post(path, headers=headers, content=body)
        expected = await standard.post(path, headers=headers, content=body)
        assert got.status_code >= 400, (path, headers, body, got.text)
        assert (got.status_code, got.json()) == (expected.status_code, expected.json()), (path, headers, body)
        for header in ("content-type", "www-authenticate", "allow"):
            assert got.headers.get(header) == expected.headers.get(header), (header, path, headers, body)


async def test_the_plain_flow_answers_the_same_through_either_path(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], content: FakeContent
) -> None:
    async def flow(client: httpx.AsyncClient, email: str) -> list[tuple[int, Any]]:
        user = await learner(client, email)
        seen: list[tuple[int, Any]] = []
        started = await client.post(attempts_path("les-2"), headers={**user.headers, "Idempotency-Key": key()})
        seen.append((started.status_code, sorted(started.json())))
        attempt = started.json()["attempt_id"]
        option = content.right_option("les-2", "les-2-ex0")
        answered = await client.post(
            f"{attempts_path('les-2')}/{attempt}/answers",
            json={"exercise_id": "les-2-ex0", "option_id": option},
            headers={**user.headers, "Idempotency-Key": key()},
        )
        seen.append((answered.status_code, answered.json()))
        k = key()
        for _ in range(2):  # the second is a replay
            completed = await client.post(
                f"{attempts_path('les-2')}/{attempt}/complete", headers={**user.headers, "Idempotency-Key": k}
            )
            body = completed.json()
            seen.append((completed.status_code, {name: body[name] for name in body if name != "attempt_id"}))
        return [(status, drop_ids(body, attempt)) for status, body in seen]

    lean, standard = both
    assert await flow(lean, "lean-flow@example.com") == await flow(standard, "fastapi-flow@example.com")


def drop_ids(value: Any, attempt: str) -> Any:
    if isinstance(value, dict):
        return {k: drop_ids(v, attempt) for k, v in value.items() if v != attempt}
    return value
