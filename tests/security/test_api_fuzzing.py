"""API fuzzing with schemathesis: every operation of every service's OpenAPI document, called in process with
generated inputs (valid ones, and invalid ones) as a learner and as an author (teacher).

The gate: no 5xx, and every response conforms to what the operation declares — its status codes, content type,
headers and body schema. ``fuzz`` is the checking function; ``test_the_gate_catches_a_broken_route`` shows that it
reports a route that answers 500, one that answers an undeclared status and one whose response violates its
declared schema. Generated inputs rarely reach the states behind a business error (a finished practice session,
a completed lesson attempt), so ``test_business_errors_reached_with_real_data_are_declared`` drives those states
with real data and holds every answer to the same status-code and schema checks.

The apps run on the embedded platform with their lifespans (consumers off) inside schemathesis' own ASGI event loop
thread: the test functions are plain ``def`` (hypothesis drives the examples synchronously), and the platform is
built here and closed on that loop, so no resource crosses event loops.

Checks left out, with reasons:

- ``positive_data_acceptance``: valid-by-schema requests are refused by design when the generated ids name nothing
  (404) or the state forbids them (409), so it would flag every route taking an id.
- ``negative_data_rejection``: generated "invalid" inputs include ones the schema cannot express as invalid for the
  route (e.g. a header or query parameter the route ignores), and its failures are about strictness, not safety;
  what matters here — an invalid input never causes a 5xx or an undeclared status — is still checked on them.
- the stateful/authorization checks (``use_after_free``, ``ensure_resource_availability``, ``ignored_auth``,
  ``object_level_authorization``, ``unsupported_method``, ``missing_required_header``): they re-send requests
  or need links; authorization is covered by ``test_authorization_matrix.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from senas.core.settings import Settings
from senas.services import SERVICE_NAMES, build_app
from senas.wiring import Platform, build_platform

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 12  # per operation, caller and generation mode
PASSWORD = "Manos-que-hablan-42"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SKIPPED = {
    # A server-sent event stream never ends on its own; its handshake (200, text/event-stream) is covered by the
    # authorization matrix and the notification tests.
    ("GET", "/users/me/notifications/stream"): "an endless server-sent event stream",
}
THROWAWAY = {("DELETE", "/users/me")}  # destructive: each caller runs it with an account of its own


# A bundle archive (the studio's import) is a raw body schemathesis has no serializer for: send the generated
# binary string as it is.
@schemathesis.serializer("application/zip", "application/x-zip-compressed")
def _archive_bytes(_context: Any, value: Any) -> bytes:
    return (
        value if isinstance(value, bytes) else str(value).encode()
    )  # destructive: each caller runs it with an account of its own


@dataclass
class Caller:
    name: str
    token: str
    throwaway_token: str


def mint(platform: Platform, user_id: str, roles: tuple[str, ...]) -> str:
    from senas.platform.identity.claims import access_token_claims, local_issuer
    from senas.wiring.embedded import signing_keys

    claims = access_token_claims(
        user_id=user_id, issuer=local_issuer(platform.settings.public_url), roles=roles, ttl_seconds=600
    )
    return signing_keys(platform.settings).sign(claims)


def fuzz(
    schema: Any, headers: dict[str, str], *, max_examples: int = MAX_EXAMPLES, overrides: dict[Any, dict[str, str]]
) -> list[str]:
    """Fuzz every operation of ``schema`` with ``headers`` (``overrides`` by (method, path)); the failures found,
    one entry per operation and generation mode (the first failing example, not shrunk)."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SKIPPED:
            continue
        sent = {**headers, **overrides.get(key, {})}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.headers = {**(case.headers or {}), **sent}  # noqa: B023 - run() is called in this iteration
                with asgi.get_client(schema.app) as client:
                    case.call_and_validate(session=client, checks=CHECKS)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing of the operation can be made invalid (no parameters, no body)
            except (Exception, FailureGroup) as exc:  # every finding is collected and reported together
                failures.append(f"{key[0]} {key[1]} ({mode.value}):\n{exc}")
    return failures


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    built = build_platform(settings)
    try:
        yield built
    finally:
        asgi.shutdown_lifespans()
        asgi._get_portal().call(built.close)


@pytest.fixture
def apps(platform: Platform) -> dict[str, FastAPI]:
    built = {name: build_app(name, platform, run_consumers=False) for name in SERVICE_NAMES}
    for name, app in built.items():  # service-to-service calls (ml → content) stay in process, as in `senas up`
        platform.services.register_in_process(name, app)
        with asgi.get_client(cast(Any, app)):  # starts its lifespan (until the platform fixture's teardown)
            pass
    return built


def account(users: FastAPI) -> tuple[str, str]:
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.org"
    with asgi.get_client(cast(Any, users)) as client:
        signup = client.post("/users/auth/signup", json={"email": email, "password": PASSWORD})
        assert signup.status_code == 201, signup.text
        login = client.post("/users/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
    return str(signup.json()["user_id"]), str(login.json()["tokens"]["access_token"])


@pytest.fixture
def callers(platform: Platform, apps: dict[str, FastAPI]) -> list[Caller]:
    _, learner = account(apps["users"])
    _, learner_spare = account(apps["users"])
    teacher_id, _ = account(apps["users"])
    teacher_spare_id, _ = account(apps["users"])
    teacher_roles = ("learner", "teacher")
    return [
        Caller("learner", learner, learner_spare),
        Caller(
            "teacher",
            mint(platform, teacher_id, teacher_roles),
            mint(platform, teacher_spare_id, teacher_roles),
        ),
    ]


@pytest.fixture
def admin_caller(platform: Platform, apps: dict[str, FastAPI]) -> Caller:
    """An admin, for the one route only admins reach (a bundle import); not fuzzed as a caller of every route."""
    admin_id, _ = account(apps["users"])
    token = mint(platform, admin_id, ("learner", "admin"))
    return Caller("admin", token, token)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_survives_fuzzing(service: str, apps: dict[str, FastAPI], callers: list[Caller]) -> None:
    app = apps[service]
    schema = schemathesis.openapi.from_asgi(f"/{service}/openapi.json", app)
    failures = []
    for caller in callers:
        overrides = {key: {"Authorization": f"Bearer {caller.throwaway_token}"} for key in THROWAWAY}
        found = fuzz(schema, {"Authorization": f"Bearer {caller.token}"}, overrides=overrides)
        failures += [f"as {caller.name}: {failure}" for failure in found]
    assert not failures, "\n\n".join(failures)


# --- business errors, reached with real data ----------------------------------------------------------------------


_SCHEMAS: dict[str, Any] = {}


def conforms(service: str, app: FastAPI, method: str, template: str, response: Any) -> list[str]:
    """The response's status is one the operation declares, and its body matches what is declared for it."""
    declared = app.openapi()["paths"][template][method.lower()]["responses"]
    where = f"{method} {template} answered {response.status_code}"
    if str(response.status_code) not in declared:
        return [f"{where}, which it does not declare ({sorted(declared)}): {response.text[:200]}"]
    schema = _SCHEMAS.setdefault(service, schemathesis.openapi.from_asgi(f"/{service}/openapi.json", app))
    try:
        schema[template][method.upper()].validate_response(response)
    except (Exception, FailureGroup) as exc:
        return [f"{where}: {exc}"]
    return []


def test_business_errors_reached_with_real_data_are_declared(
    apps: dict[str, FastAPI], callers: list[Caller], admin_caller: Caller
) -> None:
    learner = {"Authorization": f"Bearer {callers[0].token}"}
    problems: list[str] = []
    with (
        asgi.get_client(cast(Any, apps["content"])) as content,
        asgi.get_client(cast(Any, apps["ml"])) as ml,
        asgi.get_client(cast(Any, apps["users"])) as users,
    ):

        def sent(app: str, client: Any, method: str, template: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, path, **kwargs)
            problems.extend(conforms(app, apps[app], method, template, response))
            return response

        code = content.get("/content/languages").json()[0]["code"]
        level = content.get(f"/content/languages/{code}/levels").json()["levels"][0]["id"]
        lesson = content.get(
            f"/content/lessons/{content.get(f'/content/levels/{level}').json()['lessons'][0]['id']}"
        ).json()
        sign_id = lesson["signs"][0]["id"]

        # ML: landmarks for a session that takes a video (409 wrong_mode); a finished session again (409).
        video = ml.post("/ml/sessions", json={"sign_id": sign_id, "mode": "video"}, headers=learner).json()
        marks = ml.post("/ml/sessions", json={"sign_id": sign_id, "mode": "landmarks"}, headers=learner).json()
        hand = [[0.5 + 0.01 * i, 0.5 + 0.005 * i, 0.0] for i in range(21)]
        frames = {"frames": [{"landmarks": hand, "handedness": "right"}] * 10, "fps": 15}
        landmarks = "/ml/sessions/{session_id}/landmarks"
        wrong_mode = sent(
            "ml", ml, "POST", landmarks, f"/ml/sessions/{video['session_id']}/landmarks", json=frames, headers=learner
        )
        assert (wrong_mode.status_code, wrong_mode.json()["error"]) == (409, "wrong_mode")
        sent("ml", ml, "POST", landmarks, f"/ml/sessions/{marks['session_id']}/landmarks", json=frames, headers=learner)
        finished = sent(
            "ml", ml, "POST", landmarks, f"/ml/sessions/{marks['session_id']}/landmarks", json=frames, headers=learner
        )
        assert (finished.status_code, finished.json()["error"]) == (409, "session_finished")

        # Content: a practice upload for a session that takes landmarks (409).
        upload = {"session_id": marks["session_id"], "content_type": "video/mp4", "size": 1000}
        sent(
            "content",
            content,
            "POST",
            "/content/practice-uploads",
            "/content/practice-uploads",
            json=upload,
            headers=learner,
        )

        # Users: a lesson attempt answered twice, completed twice, answered after completion; a perform
        # exercise with a session of another sign, or not scored.
        base = f"/users/me/lessons/{lesson['id']}/attempts"
        attempts = "/users/me/lessons/{lesson_id}/attempts"
        answers = attempts + "/{attempt_id}/answers"
        complete = attempts + "/{attempt_id}/complete"

        def key() -> dict[str, str]:
            return {**learner, "Idempotency-Key": uuid.uuid4().hex}

        attempt = sent("users", users, "POST", attempts, base, headers=key()).json()["attempt_id"]
        choice = next(e for e in lesson["exercises"] if e["choices"])
        body = {"exercise_id": choice["id"], "option_id": choice["choices"][0]["id"]}
        sent("users", users, "POST", complete, f"{base}/{attempt}/complete", headers=key())  # nothing answered: 409
        sent("users", users, "POST", answers, f"{base}/{attempt}/answers", json=body, headers=key())
        sent("users", users, "POST", answers, f"{base}/{attempt}/answers", json=body, headers=key())  # again: 409
        wrong = {"exercise_id": choice["id"], "option_id": "opt-not-offered"}
        sent("users", users, "POST", answers, f"{base}/{attempt}/answers", json=wrong, headers=key())
        perform = next((e for e in lesson["exercises"] if e["kind"] == "perform_sign"), None)
        if perform is not None:
            other = {"exercise_id": perform["id"], "practice_session_id": video["session_id"]}
            sent("users", users, "POST", answers, f"{base}/{attempt}/answers", json=other, headers=key())
        sent("users", users, "POST", complete, f"{base}/{attempt}/complete", headers=key())
        sent("users", users, "POST", complete, f"{base}/{attempt}/complete", headers=key())  # again: 409
        sent("users", users, "POST", answers, f"{base}/{attempt}/answers", json=body, headers=key())  # completed: 409
        sent("users", users, "POST", attempts, "/users/me/lessons/no-such-lesson/attempts", headers=key())  # 404
        # Content: the answer key, refused to a learner (403) and to a forged grant (403).
        path = f"/content/internal/lessons/{lesson['id']}/answer-key"
        template = "/content/internal/lessons/{lesson_id}/answer-key"
        sent("content", content, "GET", template, path, headers=learner)
        sent("content", content, "GET", template, path, headers={"X-Senas-Service-Grant": "v1.users.1.0"})

        # The author studio (issue 17), with real ids: a teacher reads a demo sign (not theirs to change), the
        # lesson's checklist and a level's bundle; calibrating the operator's demo sign is refused (403 not_owner);
        # an admin's import of a broken archive is refused with its problems (422); the learner's overlay (200).
        teacher = {"Authorization": f"Bearer {callers[1].token}"}
        sent(
            "content",
            content,
            "GET",
            "/content/author/signs/{sign_id}",
            f"/content/author/signs/{sign_id}",
            headers=teacher,
        )
        checklist = sent(
            "content",
            content,
            "GET",
            "/content/author/{kind}/{ident}/checklist",
            f"/content/author/lessons/{lesson['id']}/checklist",
            headers=teacher,
        )
        assert checklist.status_code == 200, checklist.text
        exported = sent(
            "content",
            content,
            "GET",
            "/content/author/bundles/{code}",
            f"/content/author/bundles/{code}",
            params={"level": level},
            headers=teacher,
        )
        assert exported.status_code == 200, exported.text
        refused = sent(
            "ml",
            ml,
            "POST",
            "/ml/author/signs/{sign_id}/calibrate",
            f"/ml/author/signs/{sign_id}/calibrate",
            headers=teacher,
        )
        assert (refused.status_code, refused.json()["error"]) == (403, "not_owner")
        admin = {"Authorization": f"Bearer {admin_caller.token}", "Content-Type": "application/zip"}
        broken = sent(
            "content",
            content,
            "POST",
            "/content/author/bundles",
            "/content/author/bundles",
            data=b"PK not really",
            headers=admin,
        )
        assert (broken.status_code, broken.json()["error"]) == (422, "bundle_invalid")
        overlay = sent(
            "ml",
            ml,
            "GET",
            "/ml/sessions/{session_id}/overlay",
            f"/ml/sessions/{marks['session_id']}/overlay",
            headers=learner,
        )
        assert overlay.status_code == 200, overlay.text
    assert problems == [], "\n\n".join(problems)


# --- the gate catches a broken variant ---------------------------------------------------------------------------


class Greeting(BaseModel):
    message: str


def broken_copy(platform: Platform) -> FastAPI:
    """The content app with test-only routes: one answers 500, one raises (the ASGI server would answer 500), one
    answers a body its declared schema forbids."""
    app = build_app("content", platform, run_consumers=False)

    @app.get("/content/broken/crash", response_model=Greeting)
    async def crash() -> JSONResponse:
        return JSONResponse({"error": "internal", "detail": "boom"}, status_code=500)

    @app.get("/content/broken/raise", response_model=Greeting)
    async def explode() -> Greeting:
        raise RuntimeError("boom from a test-only route")

    @app.get("/content/broken/shape", response_model=Greeting)
    async def shape() -> JSONResponse:
        return JSONResponse({"msg": 42})

    @app.get("/content/broken/conflict", response_model=Greeting)
    async def conflict() -> JSONResponse:
        return JSONResponse({"error": "conflict", "detail": "never declared"}, status_code=409)

    return app


def test_the_gate_catches_a_broken_route(platform: Platform) -> None:
    app = broken_copy(platform)
    schema = schemathesis.openapi.from_asgi("/content/openapi.json", app).include(path_regex="^/content/broken/")
    failures = {failure.split(" (")[0]: failure for failure in fuzz(schema, {}, max_examples=3, overrides={})}
    assert set(failures) == {f"GET /content/broken/{name}" for name in ("crash", "raise", "shape", "conflict")}
    assert "Server error" in failures["GET /content/broken/crash"]
    assert "Undocumented status code" in failures["GET /content/broken/crash"]
    assert "Undocumented status code" in failures["GET /content/broken/conflict"]
    assert "boom from a test-only route" in failures["GET /content/broken/raise"]
    assert "Response violates schema" in failures["GET /content/broken/shape"]
