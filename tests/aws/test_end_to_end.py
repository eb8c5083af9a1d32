"""The four flows of DESIGN §1 across three real processes on the aws profile.

A moto server on 127.0.0.1 stands in for AWS (DynamoDB, S3, SQS, SNS, Cognito); a throwaway database on the local
PostgreSQL holds the content. `senas aws provision` creates the resources, the content and ML CLIs load the demo
course and the models, then `senas serve content|users|ml` run as three subprocesses talking to each other over
HTTP and through SNS → SQS — as the containers do. tests/integration/test_embedded_flows.py runs the same flows
in one process on the embedded profile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from prerequisites import require

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FOUR_PHOTOS = SHARED / "fixtures" / "hands" / "four"
POSTGRES = ("127.0.0.1", 5432, "postgres")
REGION = "us-east-1"
PASSWORD = "Manos-que-hablan-42"
SERVICES = ("content", "users", "ml")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def senas_command() -> list[str]:
    script = Path(sys.executable).with_name("senas")
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from senas.cli import app; app()"]


# ------------------------------------------------------------------------------------------------ PostgreSQL


async def _postgres(sql: str) -> None:
    import asyncpg

    host, port, user = POSTGRES
    connection = await asyncpg.connect(host=host, port=port, user=user, database="postgres", timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        asyncio.run(_postgres("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL on {POSTGRES[0]}:{POSTGRES[1]} (user {POSTGRES[2]}): {type(exc).__name__}: {exc}"
    return None


# ------------------------------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    """Three service processes on the aws profile, and what the flows need to reach them."""

    workdir: Path
    env: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def run_cli(self, *args: str, timeout: float = 120) -> str:
        """One `senas …` command to completion; its output is kept with the services' logs."""
        name = "cli-" + "-".join(args[:2])
        log = self.workdir / f"{name}.log"
        with log.open("wb") as sink:
            done = subprocess.run(
                [*senas_command(), *args],
                cwd=self.workdir,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=sink,
                timeout=timeout,
                check=False,  # the exit code is checked below, with the output
            )
            sink.write(b"\n--- stdout ---\n" + done.stdout)
        self.logs[name] = log
        if done.returncode != 0:
            pytest.fail(f"`senas {' '.join(args)}` exited with {done.returncode}\n{self.output()}")
        return done.stdout.decode()

    def start(self, service: str, port: int) -> None:
        log = self.workdir / f"{service}.log"
        self.logs[service] = log
        with log.open("wb") as sink:
            self.processes[service] = subprocess.Popen(
                [*senas_command(), "serve", service, "--host", "127.0.0.1", "--port", str(port)],
                cwd=self.workdir,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.urls)
        last: dict[str, str] = {}
        with httpx.Client(timeout=10) as http:
            while pending:
                for service, url in list(pending.items()):
                    process = self.processes[service]
                    if process.poll() is not None:
                        pytest.fail(f"{service} exited with {process.returncode}\n{self.output()}")
                    try:
                        response = http.get(f"{url}/{service}/health/ready")
                    except httpx.HTTPError as exc:
                        last[service] = repr(exc)
                        continue
                    last[service] = f"{response.status_code} {response.text}"
                    if response.status_code == 200:
                        del pending[service]
                if pending and time.monotonic() > deadline:
                    pytest.fail(f"not ready after {timeout:.0f} s: {last}\n{self.output()}")
                time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def output(self, lines: int = 150) -> str:
        parts = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines() if path.is_file() else []
            parts.append(f"===== {name} (last {min(lines, len(text))} of {len(text)} lines) =====")
            parts.extend(text[-lines:])
        return "\n".join(parts)

    @contextlib.contextmanager
    def diagnosed(self) -> Iterator[None]:
        """On any failure, print every process's output (pytest shows it with the failure)."""
        try:
            yield
        except BaseException:
            print(self.output())
            raise

    def client(self, service: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[service], timeout=60)


def aws_environment(workdir: Path, endpoint: str, database: str) -> dict[str, str]:
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SENAS_", "AWS_"))}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"),
            "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
            "SENAS_PROFILE": "aws",
            "SENAS_RESOURCE_PREFIX": f"{prefix}-senas",
            "SENAS_TABLE_USER_DATA": f"{prefix}-UserData",
            "SENAS_TABLE_USER_PROGRESS": f"{prefix}-UserProgress",
            "SENAS_TABLE_AI_SESSIONS": f"{prefix}-AiSessions",
            "SENAS_SIGNING_SECRET": "end-to-end-signing-secret-" + uuid.uuid4().hex,
            "SENAS_DATABASE_URL": f"postgresql+asyncpg://{POSTGRES[2]}@{POSTGRES[0]}:{POSTGRES[1]}/{database}",
            "SENAS_DATA_DIR": str(workdir / "data"),
            "SENAS_LOG_JSON": "false",
            "PYTHONUNBUFFERED": "1",
            "NO_COLOR": "1",  # plain logs to print on failure
        }
    )
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    problem = postgres_available()
    require(problem is None, problem or "")
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] is a dev dependency
        require(False, f"moto server unavailable: {exc}")
        raise

    from aws.aws_harness import sqs_receipts_as_on_aws, sqs_requests_atomic

    # SQS as AWS behaves: one receive at a time per message, stale receipts refused (see aws_harness).
    sqs_receipts_as_on_aws()
    sqs_requests_atomic()
    moto_port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    database = f"senas_e2e_{uuid.uuid4().hex[:10]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{database}"'))
    workdir = tmp_path_factory.mktemp("e2e")
    stack = Stack(workdir=workdir, env=aws_environment(workdir, f"http://127.0.0.1:{moto_port}", database))
    try:
        with stack.diagnosed():
            provisioned = stack.run_cli("aws", "provision")
            for line in provisioned.splitlines():
                name, sep, value = line.strip().partition("=")
                if sep and name.startswith("SENAS_"):
                    stack.env[name] = value
            assert "SENAS_COGNITO_USER_POOL_ID" in stack.env, provisioned
            stack.run_cli("content", "migrate")
            stack.run_cli("content", "seed-demo")
            # The embedded profile fills the ml-models store on first start; on AWS an operator does it, with no
            # dataset: the hand and pose models, the packaged classifier and metric, the demo templates.
            stack.run_cli("ml", "install-models")
            ports = {service: free_port() for service in SERVICES}
            stack.urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
            stack.env.update({f"SENAS_{service.upper()}_URL": url for service, url in stack.urls.items()})
            # Signed media URLs point at S3 (the moto server); the public URL is the content service's address.
            stack.env["SENAS_PUBLIC_URL"] = stack.urls["content"]
            for service, port in ports.items():
                stack.start(service, port)
            stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        server.stop()
        with contextlib.suppress(Exception):
            asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


# --------------------------------------------------------------------------------------------------- helpers


def eventually(check: Callable[[], T | None], *, timeout: float = 60.0, every: float = 0.5) -> T:
    """Poll until ``check`` returns something truthy (the consumers run in other processes)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {getattr(check, '__name__', check)}")
        time.sleep(every)


def learner(stack: Stack) -> dict[str, str]:
    email = f"learner-{uuid.uuid4().hex[:8]}@example.org"
    with stack.client("users") as users:
        signup = users.post("/users/auth/signup", json={"email": email, "password": PASSWORD})
        assert signup.status_code == 201, signup.text
        login = users.post("/users/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}


def demo_lesson(content: httpx.Client) -> dict[str, Any]:
    languages = content.get("/content/languages")
    assert languages.status_code == 200, languages.text
    code = languages.json()[0]["code"]
    levels = content.get(f"/content/languages/{code}/levels").json()["levels"]
    level = content.get(f"/content/levels/{levels[0]['id']}").json()
    lesson = content.get(f"/content/lessons/{level['lessons'][0]['id']}")
    assert lesson.status_code == 200, lesson.text
    return dict(lesson.json())


def sign_b(content: httpx.Client) -> dict[str, Any]:
    code = content.get("/content/languages").json()[0]["code"]
    found = content.get(f"/content/languages/{code}/dictionary", params={"q": "B"}).json()
    matches = [item for item in found["items"] if item["gloss"] == "B"]
    assert matches, found
    return dict(matches[0])


def b_handshape_frames() -> list[dict[str, Any]]:
    poses = json.loads((REPO / "src" / "senas" / "demo" / "alphabet_poses.json").read_text())["letters"]
    return [
        {
            # x mirrored: the poses are the dataset signer's left hand, sent here as a right hand.
            "landmarks": [[0.5 - 0.12 * x + 0.002 * i, 0.7 + 0.12 * y, 0.12 * z] for x, y, z in poses["B"]],
            "handedness": "right",
        }
        for i in range(20)
    ]


def xp_total(stack: Stack, headers: dict[str, str]) -> int:
    with stack.client("users") as users:
        progress = users.get("/users/me/progress", headers=headers)
        assert progress.status_code == 200, progress.text
        return int(progress.json()["xp_total"])


# ----------------------------------------------------------------------------------------------------- flows


def test_content_retrieval_with_signed_media_urls(stack: Stack) -> None:
    with stack.diagnosed(), stack.client("content") as content:
        lesson = demo_lesson(content)
        assert lesson["signs"], lesson
        media = lesson["signs"][0]["media"]
        assert media["url"].startswith(stack.env["AWS_ENDPOINT_URL"]), media  # presigned S3 (moto), not the service
        with httpx.Client(timeout=30) as http:
            fetched = http.get(media["url"])
        assert fetched.status_code == 200, fetched.text[:500]
        assert fetched.content
        assert fetched.headers["content-type"].startswith(media["content_type"])


def test_progress_reaches_the_learner_as_an_achievement_notification(stack: Stack) -> None:
    with stack.diagnosed():
        headers = learner(stack)
        with stack.client("content") as content:
            lesson = demo_lesson(content)
        with stack.client("users") as users:
            # Played as an attempt the server grades (its answer key read from the content service with a service
            # grant): each exercise answered, the camera one skipped; a first completion earns XP.
            base = f"/users/me/lessons/{lesson['id']}/attempts"
            started = users.post(base, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            assert started.status_code == 201, started.text
            attempt = started.json()["attempt_id"]
            for exercise in lesson["exercises"]:
                if exercise["choices"]:
                    answer: dict[str, Any] = {"option_id": exercise["choices"][0]["id"]}
                elif exercise["letters"]:
                    answer = {"letters": [letter["letter"] for letter in exercise["letters"]]}
                else:
                    continue
                answered = users.post(
                    f"{base}/{attempt}/answers",
                    json={"exercise_id": exercise["id"], **answer},
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                )
                assert answered.status_code == 200, answered.text
            completion = users.post(
                f"{base}/{attempt}/complete", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            assert completion.status_code == 200, completion.text
            assert completion.json()["xp_awarded"] > 0

            def first_lesson_achievement() -> list[dict[str, Any]] | None:
                response = users.get("/users/me/notifications", headers=headers)
                assert response.status_code == 200, response.text
                items = list(response.json()["notifications"])
                text = json.dumps(items).lower()
                return items if "first" in text or "primera" in text else None

            eventually(first_lesson_achievement)  # achievement → SNS → SQS → the users service's consumer


def test_landmarks_practice_is_scored_and_credited(stack: Stack) -> None:
    with stack.diagnosed():
        headers = learner(stack)
        with stack.client("content") as content:
            sign = sign_b(content)
        with stack.client("ml") as ml:
            session = ml.post("/ml/sessions", json={"sign_id": sign["id"], "mode": "landmarks"}, headers=headers)
            assert session.status_code == 201, session.text
            scored = ml.post(
                f"/ml/sessions/{session.json()['session_id']}/landmarks",
                json={"frames": b_handshape_frames(), "fps": 15},
                headers=headers,
            )
        assert scored.status_code == 200, scored.text
        result = scored.json()
        assert result["status"] == "scored", result
        assert result["passed"] is True, result
        assert result["feedback"], result
        # practice.scored travels over SQS to the users service, which credits the XP.
        assert eventually(lambda: xp_total(stack, headers)) > 0


def test_video_upload_is_processed_and_scored(stack: Stack) -> None:
    require(FOUR_PHOTOS.is_dir(), f"hand photos not found at {FOUR_PHOTOS}")
    from integration.tests_media import four_fingers_clip

    with stack.diagnosed():
        headers = learner(stack)
        clip = four_fingers_clip(FOUR_PHOTOS)
        with stack.client("content") as content, stack.client("ml") as ml:
            sign = sign_b(content)
            session = ml.post("/ml/sessions", json={"sign_id": sign["id"], "mode": "video"}, headers=headers)
            assert session.status_code == 201, session.text
            session_id = session.json()["session_id"]
            upload = content.post(
                "/content/practice-uploads",
                json={"session_id": session_id, "content_type": "video/mp4", "size": len(clip)},
                headers=headers,
            )
            assert upload.status_code in (200, 201), upload.text
            grant = upload.json()
            assert grant["upload"]["url"].startswith(stack.env["AWS_ENDPOINT_URL"]), grant  # a presigned S3 PUT
            with httpx.Client(timeout=60) as http:
                put = http.put(grant["upload"]["url"], content=clip, headers=grant["upload"]["headers"])
            assert put.status_code == 200, put.text
            confirm = content.post(f"/content/practice-uploads/{grant['upload_id']}/confirm", headers=headers)
            assert confirm.status_code in (200, 202), confirm.text

            def finished() -> dict[str, Any] | None:
                body: dict[str, Any] = ml.get(f"/ml/sessions/{session_id}", headers=headers).json()
                return body if body["status"] in ("scored", "failed") else None

            result = eventually(finished, timeout=120)
        assert result["status"] == "scored", result
        assert result["score"] is not None
        assert result["feedback"], result
