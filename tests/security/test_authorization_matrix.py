"""The authorization matrix: every route of every service × {anonymous, learner A, learner B, teacher, admin}; and
every status it meets is one the route declares in its OpenAPI.

The routes come from each app's OpenAPI paths (complete, unlike ``app.routes``, which holds included routers
lazily), so a new route without an entry in ``EXPECTED`` fails ``test_every_route_has_an_entry``. The matrix runs on
the embedded platform with real data: learner A (a real account) has progress, a notification, a review card, a
practice session and a practice upload; learner B (another real account) aims at A's resources with A's ids.
Teacher and admin are real accounts too, with tokens minted for their ids and roles.

What the statuses reflect (checked here, and it is what makes the empty ``{}`` bodies below meaningful): FastAPI
runs the auth dependencies before it reports body or parameter validation errors — a dependency that raises
(401/403) wins, validation errors are collected and raised only after every dependency has been solved. So
anonymous callers get 401 and wrong-role callers 403 even with an invalid body, and an authorised caller with an
invalid body gets 422. Cross-user rows therefore send valid bodies, so that B's request reaches the ownership check.
Requests are sent in the order anonymous, B, teacher, admin, A: the owner acts last, so A's own writes (scoring a
session, reading a notification) cannot change what the others see.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI
from starlette.applications import Starlette
from starlette.types import Message

from senas.contracts.media import VideoUploaded
from senas.core.auth import current_principal
from senas.core.messages import send
from senas.gateway.app import create_gateway
from senas.platform import catalog
from senas.platform.identity import Principal
from senas.services import SERVICE_NAMES, build_app
from senas.wiring import Platform

CALLERS = ("anonymous", "learner_b", "teacher", "admin", "learner_a")  # the owner last
PASSWORD = "Manos-que-hablan-42"
MISSING = "no-such-id"  # author and admin routes act on ids that do not exist: the auth outcome is what counts
MISSING_ASSET = "00000000-0000-4000-8000-000000000000"

Key = tuple[str, str]  # (method, path template)
Expected = int | frozenset[int]


def everyone(status: int) -> dict[str, Expected]:
    return dict.fromkeys(CALLERS, status)


def signed_in(status: int, *, anonymous: int = 401) -> dict[str, Expected]:
    """Any signed-in caller, each acting on their own data."""
    return {**dict.fromkeys(CALLERS, status), "anonymous": anonymous}


def owned_by_a(status: int, *, others: int = 404) -> dict[str, Expected]:
    """A's resource, named by A's id: only A reaches it; everyone else is told it does not exist (or, where the
    route says so, that it is not theirs: 403)."""
    return {**dict.fromkeys(CALLERS, others), "anonymous": 401, "learner_a": status}


def authors(status: int) -> dict[str, Expected]:
    return {"anonymous": 401, "learner_a": 403, "learner_b": 403, "teacher": status, "admin": status}


def admins(status: int) -> dict[str, Expected]:
    return {"anonymous": 401, "learner_a": 403, "learner_b": 403, "teacher": 403, "admin": status}


EXPECTED: dict[Key, dict[str, Expected]] = {
    # --- every service: health (public) --------------------------------------------------------------------
    ("GET", "/content/health"): everyone(200),
    ("GET", "/content/health/ready"): everyone(200),
    ("GET", "/users/health"): everyone(200),
    ("GET", "/users/health/ready"): everyone(200),
    ("GET", "/ml/health"): everyone(200),
    ("GET", "/ml/health/ready"): everyone(200),
    ("GET", "/ml/health/models"): everyone(200),  # model versions and what runs degraded; no user data
    # --- content: the published catalogue is public -------------------------------------------------------
    ("GET", "/content/languages"): everyone(200),
    ("GET", "/content/languages/{code}/levels"): everyone(200),
    ("GET", "/content/levels/{level_id}"): everyone(200),
    ("GET", "/content/lessons/{lesson_id}"): everyone(200),
    ("GET", "/content/signs/{sign_id}"): everyone(200),
    ("GET", "/content/languages/{code}/dictionary"): everyone(200),
    # --- content: authoring (teacher or admin); bodies are {} so an authorised caller meets validation -------
    ("POST", "/content/author/languages"): authors(422),
    ("PATCH", "/content/author/languages/{code}"): authors(404),
    ("DELETE", "/content/author/languages/{code}"): authors(404),
    ("PUT", "/content/author/languages/{code}/levels/order"): authors(422),
    ("POST", "/content/author/languages/{code}/levels"): authors(422),
    ("PATCH", "/content/author/levels/{level_id}"): authors(404),
    ("DELETE", "/content/author/levels/{level_id}"): authors(404),
    ("PUT", "/content/author/levels/{level_id}/lessons/order"): authors(422),
    ("POST", "/content/author/levels/{level_id}/lessons"): authors(422),
    ("PATCH", "/content/author/lessons/{lesson_id}"): authors(404),
    ("DELETE", "/content/author/lessons/{lesson_id}"): authors(404),
    ("PUT", "/content/author/lessons/{lesson_id}/signs"): authors(422),
    ("PUT", "/content/author/lessons/{lesson_id}/exercises/order"): authors(422),
    ("POST", "/content/author/languages/{code}/signs"): authors(422),
    ("PATCH", "/content/author/signs/{sign_id}"): authors(404),
    ("DELETE", "/content/author/signs/{sign_id}"): authors(404),
    ("POST", "/content/author/lessons/{lesson_id}/exercises"): authors(422),
    ("PATCH", "/content/author/exercises/{exercise_id}"): authors(404),
    ("DELETE", "/content/author/exercises/{exercise_id}"): authors(404),
    ("POST", "/content/author/{kind}/{ident}/publish"): authors(404),
    ("POST", "/content/author/{kind}/{ident}/unpublish"): authors(404),
    ("POST", "/content/author/media/uploads"): authors(422),
    ("POST", "/content/author/media/{asset_id}/confirm"): authors(404),
    ("GET", "/content/author/media/{asset_id}"): authors(404),
    # --- content: the author studio (issue 17) ----------------------------------------------------------------
    ("GET", "/content/author/signs/{sign_id}"): authors(404),
    ("GET", "/content/author/{kind}/{ident}/checklist"): authors(404),
    ("GET", "/content/author/bundles/{code}"): authors(404),
    # An import upserts by slug, so it may change anyone's content: admins only ({} is not a ZIP archive: 415).
    ("POST", "/content/author/bundles"): admins(415),
    # --- content: internal (the user service with a service grant; authors with their token; never learners) ---
    ("GET", "/content/internal/lessons/{lesson_id}/answer-key"): authors(200),
    # --- content: practice uploads (A's session; B names A's session and confirms A's upload) ---------------
    # The content service asks the ml service (with the caller's token) whether the session is the caller's, so
    # anyone but A is told A's session does not exist; the ml worker still drops a practice video whose session
    # belongs to someone else — see test_the_ml_worker_still_drops_...
    ("POST", "/content/practice-uploads"): owned_by_a(201),
    ("POST", "/content/practice-uploads/{upload_id}/confirm"): owned_by_a(409, others=403),
    # --- users: sign-in (public; {} is invalid) ------------------------------------------------------------
    ("POST", "/users/auth/signup"): everyone(422),
    ("POST", "/users/auth/login"): everyone(422),
    ("POST", "/users/auth/mfa/challenge"): everyone(422),
    ("POST", "/users/auth/refresh"): everyone(422),
    ("POST", "/users/auth/logout"): everyone(422),
    # A first enrolment needs only the token (replacing a factor also needs the password or a code: 403 without).
    ("POST", "/users/auth/mfa/enrol"): signed_in(200),
    # Authenticated inside the handler (an access token, or the session of a login that must enrol): with a
    # well-formed code, the anonymous caller meets 401 there; signed-in callers have no pending enrolment.
    ("POST", "/users/auth/mfa/confirm"): signed_in(409),
    ("GET", "/users/.well-known/jwks.json"): everyone(200),
    # --- users: the caller's own account and progress (/me: nothing to aim at another user) -------------------
    ("GET", "/users/me"): signed_in(200),
    ("PATCH", "/users/me"): signed_in(200),
    ("DELETE", "/users/me"): signed_in(204),
    ("PUT", "/users/{user_id}/roles"): admins(422),
    # Lesson attempts: anyone signed in starts their own; A's attempt (named by its id) is A's alone.
    ("POST", "/users/me/lessons/{lesson_id}/attempts"): signed_in(201),
    ("POST", "/users/me/lessons/{lesson_id}/attempts/{attempt_id}/answers"): owned_by_a(200),
    ("POST", "/users/me/lessons/{lesson_id}/attempts/{attempt_id}/complete"): owned_by_a(200),
    # The routes that took results on the client's word are gone, for everyone.
    ("GET", "/users/me/progress"): signed_in(200),
    ("GET", "/users/me/reviews/due"): signed_in(200),
    ("POST", "/users/me/reviews/{card_id}/answer"): owned_by_a(200),
    ("GET", "/users/me/achievements"): signed_in(200),
    ("GET", "/users/me/notifications"): signed_in(200),
    ("POST", "/users/me/notifications/{notification_id}/read"): owned_by_a(200),
    ("GET", "/users/me/notifications/stream"): signed_in(200),
    ("GET", "/users/leaderboard"): signed_in(200),
    # --- ml: practice sessions (B aims at A's session) -------------------------------------------------------
    ("POST", "/ml/sessions"): signed_in(201),
    ("GET", "/ml/sessions"): signed_in(200),
    ("GET", "/ml/sessions/{session_id}"): owned_by_a(200),
    ("POST", "/ml/sessions/{session_id}/landmarks"): owned_by_a(200),
    ("POST", "/ml/fingerspelling/recognise"): signed_in(200),
    # --- ml: the author studio and the result's overlay (issue 17) ---------------------------------------------
    ("GET", "/ml/author/references/{asset_id}/landmarks"): authors(404),
    # The demo sign is the operator's: the teacher may not change its threshold (403 not_owner), an admin may.
    ("POST", "/ml/author/signs/{sign_id}/calibrate"): admins(200),
    ("GET", "/ml/sessions/{session_id}/overlay"): owned_by_a(200),
}

# Rows where learner B uses learner A's ids: B must never succeed (any 2xx is a violation, whatever EXPECTED says).
CROSS_USER = {
    key for key, row in EXPECTED.items() if row["learner_b"] in (403, 404) and row["learner_a"] != row["learner_b"]
}
LAST = {("DELETE", "/users/me")}  # each caller deletes their own account: run after everything else


def route_keys(app: FastAPI) -> set[Key]:
    return {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}


def missing_entries(apps: Mapping[str, FastAPI]) -> list[str]:
    found = set().union(*(route_keys(app) for app in apps.values()))
    problems = [f"{m} {p}: a route with no entry in EXPECTED" for m, p in sorted(found - EXPECTED.keys())]
    problems += [f"{m} {p}: an entry in EXPECTED for no route" for m, p in sorted(EXPECTED.keys() - found)]
    return problems


@dataclass
class World:
    """Real ids and tokens the matrix fills the path templates and bodies with."""

    tokens: dict[str, str]
    a_video_session: str
    ids: dict[str, str]
    queries: dict[Key, str] = field(default_factory=dict)
    bodies: dict[Key, Any] = field(default_factory=dict)


def concrete(path: str, world: World) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if path.startswith("/content/author/"):
            if name == "asset_id":
                return MISSING_ASSET  # asset ids are UUIDs: the route matches no other text
            return "lessons" if name == "kind" else MISSING
        return world.ids[name]

    return re.sub(r"\{(\w+)\}", value, path)


async def status_of(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> int:
    """One request straight to the ASGI app, returning its status as soon as the response starts; the client then
    disconnects (so the notifications stream ends)."""
    started = asyncio.Event()
    status = 0
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            started.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "localhost", **headers}.items()],
    }
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=60)
    except Exception:
        if not status:
            raise
    return status


Observed = dict[Key, dict[str, int]]


async def run_matrix(apps: Mapping[str, FastAPI], world: World, only: set[Key] | None = None) -> Observed:
    observed: Observed = {}
    rows = [(key, app) for app in apps.values() for key in sorted(route_keys(app)) if only is None or key in only]
    rows.sort(key=lambda row: row[0] in LAST)
    for (method, template), app in rows:
        path = concrete(template, world)
        for caller in CALLERS:
            headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            if caller in world.tokens:
                headers["Authorization"] = f"Bearer {world.tokens[caller]}"
            with_body = method in ("POST", "PUT", "PATCH") or (method, template) in world.bodies
            payload = world.bodies.get((method, template), {}) if with_body else None
            body = b"" if payload is None else json.dumps(payload).encode()
            query = world.queries.get((method, template), "")
            status = await status_of(app, method, path, query, headers, body)
            observed.setdefault((method, template), {})[caller] = status  # the same for every app (/health)
    return observed


def undeclared(observed: Observed, apps: Mapping[str, FastAPI]) -> list[str]:
    """Every status the matrix met that its route does not declare in its OpenAPI: the real data reaches states
    (a finished session, a missing enrolment, a gone route) that generated inputs rarely do."""
    declared: dict[Key, set[str]] = {}
    for app in apps.values():
        for path, ops in app.openapi()["paths"].items():
            for method, operation in ops.items():
                declared[(method.upper(), path)] = set(operation["responses"])
    return [
        f"{key[0]} {key[1]} as {caller}: {status} is not declared (declared: {sorted(declared.get(key, set()))})"
        for key, row in sorted(observed.items())
        for caller, status in row.items()
        if str(status) not in declared.get(key, set())
    ]


def violations(observed: Observed) -> list[str]:
    problems = []
    for key, row in sorted(observed.items()):
        expected = EXPECTED.get(key)
        if expected is None:
            problems.append(f"{key[0]} {key[1]}: no entry in EXPECTED")
            continue
        for caller, status in row.items():
            want = expected[caller]
            allowed = want if isinstance(want, frozenset) else frozenset({want})
            if status not in allowed:
                problems.append(f"{key[0]} {key[1]} as {caller}: {status}, expected {sorted(allowed)}")
            if key in CROSS_USER and caller != "learner_a" and 200 <= status < 300:
                problems.append(f"{key[0]} {key[1]} as {caller}: {status} on learner A's resource")
    return problems


# --- the world ------------------------------------------------------------------------------------------------


@pytest.fixture
async def apps(platform: Platform) -> dict[str, FastAPI]:
    return {name: build_app(name, platform) for name in SERVICE_NAMES}


@pytest.fixture
async def gateway(platform: Platform, apps: dict[str, FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    """Every service running (lifespans and consumers) behind the local load balancer, as in `senas up`."""
    router = create_gateway(platform, apps)
    fallback = router.fallback
    assert isinstance(fallback, Starlette)
    async with fallback.router.lifespan_context(fallback):
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url=platform.settings.public_url, timeout=60) as c:
            yield c


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 60.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.2)
        return result


async def account(client: httpx.AsyncClient) -> tuple[str, str]:
    email = f"matrix-{uuid.uuid4().hex[:8]}@example.org"
    signup = await client.post("/users/auth/signup", json={"email": email, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    login = await client.post("/users/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return str(signup.json()["user_id"]), str(login.json()["tokens"]["access_token"])


def frames() -> list[dict[str, Any]]:
    hand = [[0.5 + 0.01 * i, 0.5 + 0.005 * i, 0.0] for i in range(21)]
    return [{"landmarks": hand, "handedness": "right"} for _ in range(10)]


@pytest.fixture
async def world(gateway: httpx.AsyncClient, mint_token: Any) -> World:
    client = gateway
    a_id, a_token = await account(client)
    _, b_token = await account(client)
    teacher_id, _ = await account(client)
    admin_id, _ = await account(client)
    a = {"Authorization": f"Bearer {a_token}"}
    tokens = {
        "learner_a": a_token,
        "learner_b": b_token,
        "teacher": mint_token(teacher_id, roles=("learner", "teacher")),
        "admin": mint_token(admin_id, roles=("learner", "admin"), mfa=True),
    }
    assert jwt.decode(a_token, options={"verify_signature": False})["sub"] == a_id

    # The catalogue: the demo course.
    code = (await client.get("/content/languages")).json()[0]["code"]
    level_id = (await client.get(f"/content/languages/{code}/levels")).json()["levels"][0]["id"]
    lesson_id = (await client.get(f"/content/levels/{level_id}")).json()["lessons"][0]["id"]
    lesson = (await client.get(f"/content/lessons/{lesson_id}")).json()
    sign_id = lesson["signs"][0]["id"]

    # A's progress → a notification and review cards (through the queues): a lesson played as an attempt, each
    # exercise answered rightly (the answers read from the answer key, as an author may), the camera one skipped.
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    answer_key = (await client.get(f"/content/internal/lessons/{lesson_id}/answer-key", headers=admin)).json()
    right = {exercise["id"]: right_answer(exercise) for exercise in answer_key["exercises"]}
    played = await attempt_of(client, a, lesson_id)
    for exercise_id, answer in right.items():
        if answer is not None:
            answered = await client.post(
                f"/users/me/lessons/{lesson_id}/attempts/{played}/answers",
                json={"exercise_id": exercise_id, **answer},
                headers={**a, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert answered.status_code == 200, answered.text
    done = await client.post(
        f"/users/me/lessons/{lesson_id}/attempts/{played}/complete",
        headers={**a, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert done.status_code == 200, done.text
    # A's open attempt, which the matrix rows name: one choice exercise answered by its right option.
    attempt_id = await attempt_of(client, a, lesson_id)
    choice_id, choice = next((i, answer) for i, answer in right.items() if answer and "option_id" in answer)

    async def inbox() -> list[dict[str, Any]]:
        return list((await client.get("/users/me/notifications", headers=a)).json()["notifications"])

    notification_id = (await eventually(inbox))[0]["id"]
    due = (await client.get("/users/me/reviews/due", headers=a)).json()["cards"]
    assert due, "learner A has no review card after completing a lesson"

    # A's practice sessions: one scored from landmarks, one waiting for a video upload.
    landmarks = await client.post("/ml/sessions", json={"sign_id": sign_id, "mode": "landmarks"}, headers=a)
    assert landmarks.status_code == 201, landmarks.text
    video = await client.post("/ml/sessions", json={"sign_id": sign_id, "mode": "video"}, headers=a)
    assert video.status_code == 201, video.text
    upload_body = {"session_id": video.json()["session_id"], "content_type": "video/mp4", "size": 1000}
    upload = await client.post("/content/practice-uploads", json=upload_body, headers=a)
    assert upload.status_code == 201, upload.text
    video2 = await client.post("/ml/sessions", json={"sign_id": sign_id, "mode": "video"}, headers=a)
    assert video2.status_code == 201, video2.text

    return World(
        tokens=tokens,
        a_video_session=video2.json()["session_id"],
        ids={
            "code": code,
            "level_id": level_id,
            "lesson_id": lesson_id,
            "sign_id": sign_id,
            "notification_id": notification_id,
            "card_id": due[0]["card_id"],
            "session_id": landmarks.json()["session_id"],
            "upload_id": upload.json()["upload_id"],
            "user_id": a_id,
            "attempt_id": attempt_id,
            "asset_id": MISSING,
        },
        queries={
            ("GET", "/users/leaderboard"): f"language={code}",
            ("GET", "/ml/sessions"): f"sign_id={sign_id}",
            ("GET", "/content/languages/{code}/dictionary"): "q=a",
        },
        bodies={
            ("POST", "/users/me/reviews/{card_id}/answer"): {"rating": "good"},
            ("POST", "/users/me/lessons/{lesson_id}/attempts/{attempt_id}/answers"): {
                "exercise_id": choice_id,
                **choice,
            },
            ("POST", "/ml/sessions/{session_id}/landmarks"): {"frames": frames(), "fps": 15},
            # B asks to upload a video for A's (second, untouched) session.
            ("POST", "/content/practice-uploads"): {**upload_body, "session_id": video2.json()["session_id"]},
            ("POST", "/ml/sessions"): {"sign_id": sign_id, "mode": "landmarks"},
            ("POST", "/ml/fingerspelling/recognise"): {"landmarks": [[0.5, 0.5, 0.0]] * 21},
            ("PATCH", "/users/me"): {},
            ("POST", "/users/auth/mfa/confirm"): {"code": "123456"},
            # Deleting needs the password (issue 14 #8); every caller's account has this one.
            ("DELETE", "/users/me"): {"password": PASSWORD},
        },
    )


def right_answer(exercise: dict[str, Any]) -> dict[str, Any] | None:
    """What a learner who knows the answer sends for one exercise of an answer key (None: the camera one)."""
    if exercise["options"]:
        return {"option_id": next(option["id"] for option in exercise["options"] if option["correct"])}
    if exercise["kind"] == "fingerspell":
        return {"letters": exercise["letters"]}
    return None


async def attempt_of(client: httpx.AsyncClient, headers: dict[str, str], lesson_id: str) -> str:
    started = await client.post(
        f"/users/me/lessons/{lesson_id}/attempts", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert started.status_code == 201, started.text
    return str(started.json()["attempt_id"])


# --- the tests -------------------------------------------------------------------------------------------------


def test_every_route_has_an_entry(apps: dict[str, FastAPI]) -> None:
    assert missing_entries(apps) == []


@pytest.mark.slow  # the whole platform with consumers, and real accounts
async def test_the_matrix_holds(apps: dict[str, FastAPI], world: World) -> None:
    observed = await run_matrix(apps, world)
    assert observed.keys() == EXPECTED.keys()
    problems = violations(observed) + undeclared(observed, apps)
    assert problems == [], "\n".join(problems)


@pytest.mark.slow  # the whole platform with consumers, and real accounts
async def test_auth_is_decided_before_body_validation(apps: dict[str, FastAPI], world: World) -> None:
    """The order the matrix relies on: an invalid body does not turn a 401/403 into a 422."""
    app = apps["content"]
    headers = {"Content-Type": "application/json"}
    bad = b'{"unexpected": true}'
    assert await status_of(app, "POST", "/content/author/languages", "", headers, bad) == 401
    learner = {**headers, "Authorization": f"Bearer {world.tokens['learner_b']}"}
    assert await status_of(app, "POST", "/content/author/languages", "", learner, bad) == 403
    teacher = {**headers, "Authorization": f"Bearer {world.tokens['teacher']}"}
    assert await status_of(app, "POST", "/content/author/languages", "", teacher, bad) == 422


# --- the gate catches a broken route ------------------------------------------------------------------------------


def test_a_new_route_without_an_entry_is_reported(apps: dict[str, FastAPI]) -> None:
    """Deliberately broken: a route added to the ml service (in an included router, as the services' routes are)
    with no row in EXPECTED."""
    extra = APIRouter()

    @extra.post("/sessions/{session_id}/share")
    async def share(session_id: str) -> dict[str, str]:
        return {"session_id": session_id}

    apps["ml"].include_router(extra, prefix="/ml")
    apps["ml"].openapi_schema = None  # the schema is cached on first use
    assert missing_entries(apps) == ["POST /ml/sessions/{session_id}/share: a route with no entry in EXPECTED"]


@pytest.mark.slow  # the whole platform with consumers, and real accounts
async def test_a_route_that_skips_its_auth_is_caught(apps: dict[str, FastAPI], world: World) -> None:
    """Deliberately broken: the ml service trusts every caller to be learner A (as if its routes had lost their
    token check). The same check that passes above must now report violations."""
    a_id = jwt.decode(world.tokens["learner_a"], options={"verify_signature": False})["sub"]
    apps["ml"].dependency_overrides[current_principal] = lambda: Principal(user_id=a_id)
    only = {("GET", "/ml/sessions/{session_id}"), ("GET", "/ml/sessions")}
    problems = violations(await run_matrix({"ml": apps["ml"]}, world, only=only))
    assert "GET /ml/sessions/{session_id} as anonymous: 200, expected [401]" in problems
    assert "GET /ml/sessions/{session_id} as learner_b: 200 on learner A's resource" in problems
    assert "GET /ml/sessions as anonymous: 200, expected [401]" in problems


@pytest.mark.slow  # the whole platform with consumers, and real accounts
async def test_an_upload_for_another_learners_session_is_refused(gateway: httpx.AsyncClient, world: World) -> None:
    """B names A's waiting video session: refused exactly as an unknown session is (no hint that it exists), and
    A's session is untouched."""
    b = {"Authorization": f"Bearer {world.tokens['learner_b']}"}
    a = {"Authorization": f"Bearer {world.tokens['learner_a']}"}
    body = {"session_id": world.a_video_session, "content_type": "video/mp4", "size": 1000}
    refused = await gateway.post("/content/practice-uploads", json=body, headers=b)
    unknown = await gateway.post("/content/practice-uploads", json={**body, "session_id": "no-such-session"}, headers=b)
    assert refused.status_code == unknown.status_code == 404, refused.text
    assert refused.json() == unknown.json()
    session = await gateway.get(f"/ml/sessions/{world.a_video_session}", headers=a)
    assert session.status_code == 200, session.text
    assert session.json()["status"] == "awaiting_upload", session.json()


@pytest.mark.slow  # the whole platform with consumers, and real accounts
async def test_the_ml_worker_still_drops_a_video_for_another_learners_session(
    apps: dict[str, FastAPI], gateway: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    """Defence in depth behind the content service's check: a ``video.uploaded`` message binding B's video to A's
    session (as if the check had been passed, or the session changed hands in between) leaves A's session
    untouched."""
    a = {"Authorization": f"Bearer {world.tokens['learner_a']}"}
    b_id = jwt.decode(world.tokens["learner_b"], options={"verify_signature": False})["sub"]
    clip = b"\x00\x00\x00\x18ftypmp42" + bytes(1000)
    key = f"practice/{b_id}/{world.a_video_session}/forged.mp4"
    bucket = platform.settings.resource_name(catalog.USER_UPLOADS)
    await platform.blobs.store(bucket).put(key, clip, content_type="video/mp4")
    (worker,) = [c for c in apps["ml"].state.consumers if "video-processing" in c.queue.name]
    before = worker.handled + worker.failed
    message = VideoUploaded(
        upload_id=uuid.uuid4().hex,
        purpose="practice",
        bucket=catalog.USER_UPLOADS,
        key=key,
        content_type="video/mp4",
        size=len(clip),
        session_id=world.a_video_session,
        user_id=b_id,
    )
    queue = platform.queues.queue(platform.settings.resource_name(catalog.VIDEO_PROCESSING))
    await send(queue, message.to_envelope("content"))

    async def handled() -> bool:
        return bool(worker.handled + worker.failed > before)

    await eventually(handled)
    session = await gateway.get(f"/ml/sessions/{world.a_video_session}", headers=a)
    assert session.status_code == 200, session.text
    assert session.json()["status"] == "awaiting_upload", session.json()


def test_a_status_a_route_does_not_declare_is_reported(apps: dict[str, FastAPI]) -> None:
    """Deliberately broken: a route answering a status missing from its OpenAPI (as POST /ml/sessions/{id}/landmarks
    once answered 409 undeclared)."""
    observed: Observed = {("GET", "/ml/sessions/{session_id}"): {"learner_a": 200, "learner_b": 409}}
    assert undeclared(observed, apps) == [
        "GET /ml/sessions/{session_id} as learner_b: 409 is not declared (declared: "
        "['200', '401', '403', '404', '422', '503'])"
    ]
