"""Soak test of the run command: a mixed learner workload (read a lesson and its level, play a lesson as a
server-graded attempt — start, an answer per choice or fingerspelling exercise, complete —, practise a sign in
landmarks mode) against ``senas up`` for a bounded time.

The server is the real run command (``senas up --port <free>``) in a subprocess, on a temporary data directory
(embedded profile, all traffic to 127.0.0.1). After sign-up and log-in of ``--learners`` learners, ``--concurrency``
virtual learners loop over the weighted mix for ``--seconds``. Printed: throughput, p50/p99 per operation and
overall, the error count (any non-2xx or exception; the first few with details) and the server's RSS after the
warm-up and at the end. Exit code 1, with a ``FAIL:`` line, when there was any error or the RSS grew by more than
``--max-growth`` percent between those two samples.

Run: ``.venv/bin/python bench/soak.py [--seconds 60] [--concurrency 16] [--learners 16] [--warmup 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
POSES = REPO / "src" / "senas" / "demo" / "alphabet_poses.json"
PASSWORD = "Manos-que-hablan-42"
# operation -> weight in the mix
MIX = {"read_lesson": 4, "lesson_attempt": 3, "landmarks_practice": 1}
MAX_ERROR_DETAILS = 5


# -- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def senas_command() -> list[str]:
    script = Path(sys.executable).parent / "senas"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "senas.cli"]


def start_server(port: int, data_dir: Path, log: Path, learners: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENAS_")}
    env |= {
        # Every learner signs up and logs in from 127.0.0.1: the per-address budgets must hold them all.
        "SENAS_USERS_RATE_LIMIT_SIGNUP": f"{max(30, learners)}/600",
        "SENAS_USERS_RATE_LIMIT_LOGIN": f"{max(60, learners)}/60",
        # A virtual learner plays lesson after lesson with no pause, far faster than a person: the per-learner budget
        # of progress writes (a person's pace) would refuse most of them, and the soak is of the system, not of it.
        "SENAS_USERS_RATE_LIMIT_PROGRESS_WRITES": "1000000/60",
        "SENAS_PROFILE": "embedded",
        "SENAS_DATA_DIR": str(data_dir),
        "SENAS_LOG_LEVEL": "warning",
        "SENAS_LOG_JSON": "true",
        "SENAS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    with log.open("wb") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*senas_command(), "up", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            start_new_session=True,
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (runs the lifespan's exit)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of the server and any processes it started (psutil when installed, else /proc)."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            process = psutil.Process(pid)
            return int(sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]))
        except psutil.Error:
            return 0
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
        pending += _children(current)
    return total


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes], within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.25)
    raise RuntimeError("the server did not become ready in time")


def server_log_lines(path: Path) -> list[str]:
    """What the server wrote to stderr (JSON log lines at warning and above, tracebacks), without the banner."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip() and not line.startswith("Señas")]


# -- the workload ----------------------------------------------------------------------------------------------


@dataclass
class Fixture:
    lessons: list[dict[str, str]]  # {"id", "level_id"}
    letters: list[tuple[str, str]]  # (sign id, letter) of practisable letter signs
    learners: list[dict[str, str]]  # auth headers


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    details: list[str] = field(default_factory=list)

    def fail(self, operation: str, detail: str) -> None:
        self.errors[operation] += 1
        if len(self.details) < MAX_ERROR_DETAILS:
            self.details.append(f"{operation}: {detail}")


class RequestFailed(Exception):
    pass


def check(response: httpx.Response, expected: tuple[int, ...] = (200,)) -> httpx.Response:
    if not 200 <= response.status_code < 300 or response.status_code not in expected:
        request = response.request
        raise RequestFailed(f"{request.method} {request.url.path} -> {response.status_code} {response.text[:300]}")
    return response


def frames_for(letter: str, rng: random.Random) -> list[dict[str, Any]]:
    pose = json.loads(POSES.read_text())["letters"][letter]
    jitter = rng.uniform(-0.01, 0.01)
    return [
        {
            "landmarks": [[0.5 + 0.12 * x + 0.002 * i + jitter, 0.7 + 0.12 * y, 0.12 * z] for x, y, z in pose],
            "handedness": "right",
        }
        for i in range(20)
    ]


async def prepare(client: httpx.AsyncClient, learners: int) -> Fixture:
    languages = check(await client.get("/content/languages")).json()
    code = languages[0]["code"]
    levels = check(await client.get(f"/content/languages/{code}/levels")).json()["levels"]
    lessons: list[dict[str, str]] = []
    for level in levels:
        detail = check(await client.get(f"/content/levels/{level['id']}")).json()
        lessons += [{"id": str(lesson["id"]), "level_id": str(level["id"])} for lesson in detail["lessons"]]
    if not lessons:
        raise RuntimeError("the demo course has no lessons")

    poses = json.loads(POSES.read_text())["letters"]
    letters: list[tuple[str, str]] = []
    for letter in ("A", "B", "C", "L", "Y"):
        if letter not in poses:
            continue
        found = check(await client.get(f"/content/languages/{code}/dictionary", params={"q": letter})).json()
        letters += [(str(item["id"]), letter) for item in found["items"] if item["gloss"] == letter][:1]
    if not letters:
        raise RuntimeError("no demo letter sign to practise")

    async def one_learner() -> dict[str, str]:
        email = f"soak-{uuid.uuid4().hex[:10]}@example.org"
        check(await client.post("/users/auth/signup", json={"email": email, "password": PASSWORD}), (201,))
        login = check(await client.post("/users/auth/login", json={"email": email, "password": PASSWORD}))
        return {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}

    headers = list(await asyncio.gather(*(one_learner() for _ in range(learners))))
    return Fixture(lessons=lessons, letters=letters, learners=headers)


async def read_lesson(client: httpx.AsyncClient, fx: Fixture, rng: random.Random, headers: dict[str, str]) -> None:
    lesson = rng.choice(fx.lessons)
    body = check(await client.get(f"/content/lessons/{lesson['id']}", headers=headers)).json()
    check(await client.get(f"/content/levels/{body.get('level_id') or lesson['level_id']}", headers=headers))


async def lesson_attempt(client: httpx.AsyncClient, fx: Fixture, rng: random.Random, headers: dict[str, str]) -> None:
    """A lesson played as learners play it: the server keeps the answer key and grades each answer. Choice exercises
    get one of their options, fingerspelling some letters; a "perform" exercise (it needs a practice session of its
    own sign) is left unanswered, which the completion scores as not right."""
    lesson = rng.choice(fx.lessons)
    base = f"/users/me/lessons/{lesson['id']}/attempts"
    attempt = check(await client.post(base, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}), (201,)).json()
    for exercise in attempt["exercises"]:
        if exercise["option_ids"]:
            answer: dict[str, Any] = {"option_id": rng.choice(exercise["option_ids"])}
        elif exercise["kind"] == "fingerspell":
            answer = {"letters": [rng.choice("ABCLY") for _ in range(rng.randint(1, 4))]}
        else:
            continue
        verdict = check(
            await client.post(
                f"{base}/{attempt['attempt_id']}/answers",
                json={"exercise_id": exercise["exercise_id"], **answer},
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
        ).json()
        if not isinstance(verdict.get("correct"), bool):
            raise RequestFailed(f"an answer without a verdict: {json.dumps(verdict)[:300]}")
    check(
        await client.post(
            f"{base}/{attempt['attempt_id']}/complete", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
    )


async def landmarks_practice(
    client: httpx.AsyncClient, fx: Fixture, rng: random.Random, headers: dict[str, str]
) -> None:
    sign_id, letter = rng.choice(fx.letters)
    session = check(
        await client.post("/ml/sessions", json={"sign_id": sign_id, "mode": "landmarks"}, headers=headers), (201,)
    )
    scored = check(
        await client.post(
            f"/ml/sessions/{session.json()['session_id']}/landmarks",
            json={"frames": frames_for(letter, rng), "fps": 15},
            headers=headers,
        )
    ).json()
    if scored.get("status") != "scored":
        raise RequestFailed(f"landmarks session not scored: {json.dumps(scored)[:300]}")


OPERATIONS = {
    "read_lesson": read_lesson,
    "lesson_attempt": lesson_attempt,
    "landmarks_practice": landmarks_practice,
}


async def drive(
    client: httpx.AsyncClient, fx: Fixture, stats: Stats, *, seconds: float, concurrency: int, seed: int = 7
) -> float:
    stop = time.monotonic() + seconds
    names, weights = list(MIX), list(MIX.values())

    async def virtual_learner(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        headers = fx.learners[index % len(fx.learners)]
        while time.monotonic() < stop:
            operation = rng.choices(names, weights)[0]
            started = time.perf_counter()
            try:
                await OPERATIONS[operation](client, fx, rng, headers)
            except RequestFailed as exc:
                stats.fail(operation, str(exc))
            except Exception as exc:
                stats.fail(operation, f"{type(exc).__name__}: {exc}")
            else:
                stats.latencies[operation].append(time.perf_counter() - started)

    began = time.monotonic()
    await asyncio.gather(*(virtual_learner(i) for i in range(concurrency)))
    return time.monotonic() - began


async def sample_rss(pid: int, samples: list[tuple[float, int]], began: float, every: float) -> None:
    while True:
        samples.append((time.monotonic() - began, rss_bytes(pid)))
        await asyncio.sleep(every)


# -- report ----------------------------------------------------------------------------------------------------


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def mib(value: int) -> str:
    return f"{value / 2**20:7.1f} MiB"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def report(stats: Stats, wall: float) -> int:
    print(f"\n{'operation':<20} {'ok':>7} {'err':>5} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    every: list[float] = []
    for name in MIX:
        ordered = sorted(stats.latencies[name])
        every += ordered
        print(
            f"{name:<20} {len(ordered):7d} {stats.errors[name]:5d} {len(ordered) / wall:8.1f} "
            f"{pct(ordered, 0.5):8.1f} {pct(ordered, 0.99):8.1f}"
        )
    every.sort()
    errors = sum(stats.errors.values())
    print(
        f"{'overall':<20} {len(every):7d} {errors:5d} {len(every) / wall:8.1f} "
        f"{pct(every, 0.5):8.1f} {pct(every, 0.99):8.1f}"
    )
    if stats.details:
        print(f"\nfirst {len(stats.details)} errors:")
        for detail in stats.details:
            print(f"  {detail}")
    return errors


async def main(args: argparse.Namespace) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    warmup = min(args.warmup, args.seconds / 3)
    print(f"soak: {args.seconds:.0f} s against `senas up` on {base}, {args.learners} learners, concurrency "
          f"{args.concurrency}, mix {MIX}; RSS after {warmup:.0f} s warm-up vs end; load {load_average()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="senas-soak-") as data:
        server_log = Path(data) / "server.log"
        process = start_server(port, Path(data) / "data", server_log, args.learners)
        try:
            limits = httpx.Limits(max_connections=args.concurrency + 4, max_keepalive_connections=args.concurrency + 4)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
                started = time.monotonic()
                await wait_ready(client, process)
                print(f"ready in {time.monotonic() - started:.1f} s; server RSS {mib(rss_bytes(process.pid))}")
                fx = await prepare(client, args.learners)
                print(f"{len(fx.lessons)} lessons, letter signs {[letter for _, letter in fx.letters]}")

                stats = Stats()
                samples: list[tuple[float, int]] = []
                began = time.monotonic()
                sampler = asyncio.create_task(sample_rss(process.pid, samples, began, args.sample_every))
                mark: dict[str, int] = {}

                async def warm_mark() -> None:
                    await asyncio.sleep(warmup)
                    mark["warm"] = rss_bytes(process.pid)

                marker = asyncio.create_task(warm_mark())
                try:
                    wall = await drive(client, fx, stats, seconds=args.seconds, concurrency=args.concurrency)
                finally:
                    sampler.cancel()
                    marker.cancel()
                end = rss_bytes(process.pid)
                for headers in fx.learners:  # every learner can still read their progress after the run
                    try:
                        check(await client.get("/users/me/progress", headers=headers))
                    except Exception as exc:
                        stats.fail("progress_summary", str(exc))
                if process.poll() is not None:
                    stats.fail("server", f"the server exited with {process.returncode} during the run")
        finally:
            stop_server(process)
            logged = server_log_lines(server_log)

    errors = report(stats, wall)
    print(f"\nserver stderr: {len(logged)} lines (log level warning)")
    for line in logged[:MAX_ERROR_DETAILS]:
        print(f"  {line[:400]}")
    timeline = "  ".join(f"{t:4.0f}s {value / 2**20:.0f}" for t, value in samples)
    print(f"\nRSS timeline (MiB): {timeline}")
    warm = mark.get("warm", samples[0][1] if samples else 0)
    growth = (end - warm) / warm * 100 if warm else float("inf")
    print(
        f"RSS after warm-up {mib(warm)}   at end {mib(end)}   growth {growth:+.1f} %  (limit {args.max_growth:.0f} %)"
    )
    print(f"load average at the end: {load_average()}")
    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if growth > args.max_growth:
        failures.append(f"RSS grew {growth:.1f} % (> {args.max_growth:.0f} %)")
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print("OK: 0 errors, memory growth within limit")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the workload, warm-up included")
    parser.add_argument("--concurrency", type=int, default=16, help="virtual learners at once")
    parser.add_argument("--learners", type=int, default=16, help="accounts created before the run")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before the first RSS sample")
    parser.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth in percent")
    parser.add_argument("--sample-every", type=float, default=5.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if not 0 < arguments.seconds <= 3600:
        parser.error("--seconds must be in (0, 3600]")
    if arguments.concurrency < 1 or arguments.learners < 1:
        parser.error("--concurrency and --learners must be at least 1")
    sys.exit(asyncio.run(main(arguments)))
