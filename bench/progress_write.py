"""Lesson completions per second at concurrency 32 on the embedded default, against the same app's
constant-JSON endpoint (``/users/health``) in the same run, and a check that no XP was lost or doubled.

    .venv/bin/python bench/progress_write.py [--completions 1600] [--concurrency 32] [--users 64]

Everything runs in one process over the in-process ASGI transport (no sockets), on a fresh embedded data
directory; the content service is a tiny in-process app answering the lesson/level shapes. About one request
in ten re-sends an earlier request's Idempotency-Key, which must be replayed and award nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException

from senas.core.logging import configure_logging
from senas.core.settings import load_settings
from senas.platform.identity.claims import access_token_claims, local_issuer
from senas.users import bootstrap
from senas.users.app import create_app
from senas.users.progress import xp
from senas.wiring import build_platform
from senas.wiring.embedded import signing_keys

LESSONS = ("les-1", "les-2", "les-3", "les-4")


def fake_content() -> FastAPI:
    app = FastAPI()
    lessons = {
        lesson: {
            "id": lesson,
            "level_id": "lvl-1",
            "language": "lse",
            "signs": [{"id": f"sign-{lesson}", "slug": lesson, "gloss": lesson.upper()}],
        }
        for lesson in LESSONS
    }
    level = {"id": "lvl-1", "language": "lse", "lessons": [{"id": lesson} for lesson in LESSONS]}

    @app.get("/content/lessons/{lesson_id}")
    async def lesson(lesson_id: str) -> dict[str, Any]:
        if lesson_id not in lessons:
            raise HTTPException(404)
        return lessons[lesson_id]

    @app.get("/content/levels/{level_id}")
    async def get_level(level_id: str) -> dict[str, Any]:
        return level

    return app


async def run_pool(concurrency: int, jobs: list[Any], work: Any) -> tuple[float, list[float]]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            started = time.perf_counter()
            await work(job)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(completions: int, concurrency: int, users: int) -> int:
    with tempfile.TemporaryDirectory() as data:
        for name in [n for n in os.environ if n.startswith("SENAS_")]:
            del os.environ[name]
        settings = load_settings(data_dir=Path(data), log_level="warning", log_json=True)
        configure_logging("warning", json=True)
        platform = build_platform(settings)
        platform.services.register_in_process("content", fake_content())
        app = create_app(bootstrap.build(platform), run_consumers=False)
        keys = signing_keys(settings)
        tokens = {}
        for i in range(users):
            user_id = f"bench-{i:03d}"
            claims = access_token_claims(
                user_id=user_id, issuer=local_issuer(settings.public_url), roles=["learner"], ttl_seconds=3600
            )
            tokens[user_id] = keys.sign(claims)

        rng = random.Random(7)
        jobs: list[tuple[str, str, str]] = []
        for _ in range(completions):
            if jobs and rng.random() < 0.1:
                jobs.append(rng.choice(jobs))  # a retry of an earlier request
            else:
                jobs.append((rng.choice(list(tokens)), rng.choice(LESSONS), uuid.uuid4().hex))
        unique = {job[2]: job for job in jobs}
        per_lesson = Counter((user, lesson) for user, lesson, _ in unique.values())
        expected = {user: 0 for user in tokens}
        for (user, _lesson), count in per_lesson.items():
            expected[user] += xp.LESSON_FIRST_COMPLETION_XP + (count - 1) * xp.LESSON_REPEAT_XP

        failures: list[str] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

            async def complete(job: tuple[str, str, str]) -> None:
                user, lesson, key = job
                response = await client.post(
                    "/users/me/progress/lesson-completions",
                    json={"lesson_id": lesson, "score": 80, "mistakes": 1},
                    headers={"Authorization": f"Bearer {tokens[user]}", "Idempotency-Key": key},
                )
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:200]}")

            async def constant(_: object) -> None:
                response = await client.get("/users/health")
                if response.status_code != 200:
                    failures.append(f"health {response.status_code}")

            await run_pool(concurrency, list(range(200)), constant)  # warm-up
            write_seconds, write_latencies = await run_pool(concurrency, jobs, complete)
            const_seconds, const_latencies = await run_pool(concurrency, list(range(len(jobs))), constant)

            lost_or_doubled = []
            for user, token in tokens.items():
                summary = await client.get("/users/me/progress", headers={"Authorization": f"Bearer {token}"})
                got = summary.json()["xp_total"]
                if got != expected[user]:
                    lost_or_doubled.append((user, expected[user], got))
        await platform.close()

    writes_per_s = len(jobs) / write_seconds
    constant_per_s = len(jobs) / const_seconds
    retried = len(jobs) - len(unique)
    print(f"lesson completions: {len(jobs)} requests ({retried} retried keys) at concurrency {concurrency}")
    print(
        f"  {writes_per_s:8.1f} completions/s   p50 {pct(write_latencies, 0.5):6.1f} ms   "
        f"p99 {pct(write_latencies, 0.99):6.1f} ms   mean {statistics.mean(write_latencies) * 1000:6.1f} ms"
    )
    print(
        f"constant JSON (/users/health): {constant_per_s:8.1f} requests/s   "
        f"p50 {pct(const_latencies, 0.5):6.1f} ms   p99 {pct(const_latencies, 0.99):6.1f} ms"
    )
    print(f"ratio completions/constant: {writes_per_s / constant_per_s:.3f}")
    if failures:
        print(f"FAILED requests: {len(failures)}; first: {failures[0]}")
    if lost_or_doubled:
        print(f"XP MISMATCH for {len(lost_or_doubled)} users, e.g. {lost_or_doubled[:3]} (user, expected, got)")
    else:
        print(f"XP check: all {users} users have exactly the expected XP ({sum(expected.values())} in total)")
    return 1 if failures or lost_or_doubled else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completions", type=int, default=1600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=64)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.completions, args.concurrency, args.users)))
