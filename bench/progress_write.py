"""Progress writes on the embedded default: lesson attempts played through the server-graded flow (start, an answer
per exercise, complete) at concurrency 32, against the same app's constant-JSON endpoint (``/users/health``) in the
same run, with a check that no XP was lost or doubled — and the table calls a completion costs.

    .venv/bin/python bench/progress_write.py [--flows 1000] [--concurrency 32] [--users 64] [--prefill 0] [--rounds 10]
        [--loop uvloop|asyncio]

Everything runs in one process over the in-process ASGI transport (no sockets), on the event loop uvicorn runs the
services on (uvloop; ``--loop asyncio`` for the standard library's), on a fresh embedded data
directory (``--prefill N`` first writes N items of other learners, as in a platform that has been used); the
content service is a small in-process app answering lessons and answer keys (it checks the service grant, as the
real one does). The user service runs as deployed: its background work is on — every completion's
follow-ups (review cards, level, achievements, leaderboard) run beside the requests, competing for the same event
loop and tables — and the run ends only when they are all done, before XP is checked.

Each (learner, lesson) pair answers the same number of exercises wrongly in every play, so what it earns does not
depend on which play came first: the first completion gives 10 per right answer + 20 (+10 if perfect), each later
one 10 per right answer + 5, all bounded by the lesson's daily maximum (the clock stands still: one day). One flow in
ten sends its completion twice with the same Idempotency-Key, which must come back ``replayed`` with ``xp_awarded``
0 and the first award in ``original_xp_awarded``.

The flows are played in rounds (``--rounds``), each followed by as many constant requests and as many do-nothing
writes: this kind of machine's speed drifts by a third within a minute (other tenants), and a ratio taken within a
round sees one speed. Figures: the ratio of progress-write requests per second to constant requests per second, the
median of the rounds' (the headline, the same per-request measure the previous version of this bench gave for one
completion request; the whole run's ratio beside it), completions per second,
the latency of each kind of request, and the table calls one completion costs — in its request, and in its
follow-ups — counted in a separate sequential pass (so that each call is attributed exactly). For scale, the same
ratio for a write route that does nothing (bench-only: authenticated, spends the learner's budget, takes a body and
answers a response model, no other table work): what the framework alone leaves. And, from a sequential pass
(one request at a time, nothing beside it), what each kind of request costs in CPU time, in constant requests —
where a flow's cost goes, and the ratio the flow would have if no request ever ran beside another (at concurrency
the constant request gets cheaper — many requests share each turn of the event loop — and a write does not).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse

from senas.core.collector import settle_for_serving
from senas.core.grants import GRANT_HEADER, InvalidGrant, ServiceGrants
from senas.core.lean_routes import LeanRoute, json_body, lean_path
from senas.core.logging import configure_logging
from senas.core.ratelimit import Budget
from senas.core.settings import load_settings
from senas.platform.identity.claims import access_token_claims, local_issuer
from senas.platform.tables import Put, Table, Tables
from senas.users import bootstrap
from senas.users.app import create_app
from senas.users.background import BackgroundWork
from senas.users.clock import ManualClock
from senas.users.progress import xp
from senas.users.progress.router import AttemptWriteDep, lean_attempt_write
from senas.users.progress.schemas import AnswerIn, AnswerOut, CorrectAnswerOut
from senas.users.settings import UsersSettings
from senas.wiring import build_platform
from senas.wiring.embedded import signing_keys

LESSONS = ("les-1", "les-2", "les-3", "les-4")
EXERCISES = 3  # per lesson: "watch and choose the meaning", two options each
FLOW_PARTS = ("start", "answer", "complete", "complete (follow-ups)")  # as the sequential pass labels them


# -- the content service's side -------------------------------------------------------------------------------------


def answer_key(lesson: str) -> dict[str, Any]:
    def option(exercise: int, right: bool) -> dict[str, Any]:
        sign = f"{lesson}-sign-{exercise}" if right else f"{lesson}-other-{exercise}"
        return {"id": option_id(lesson, exercise, right), "sign_id": sign, "gloss": sign.upper(), "meaning_es": sign,
                "meaning_en": sign, "correct": right}  # fmt: skip

    return {
        "lesson_id": lesson,
        "level_id": "lvl-1",
        "language": "lse",
        "sign_ids": [f"{lesson}-sign-{i}" for i in range(EXERCISES)],
        "exercises": [
            {
                "id": f"{lesson}-ex{i}",
                "kind": "watch_choose_meaning",
                "position": i + 1,
                "sign_id": f"{lesson}-sign-{i}",
                "gloss": f"{lesson}-sign-{i}".upper(),
                "meaning_es": "…",
                "meaning_en": "…",
                "options": [option(i, True), option(i, False)],
                "letters": [],
                "word": None,
            }
            for i in range(EXERCISES)
        ],
        "course_lessons": len(LESSONS),
        "course_exercises": len(LESSONS) * EXERCISES,
    }


def option_id(lesson: str, exercise: int, right: bool) -> str:
    return f"opt-{lesson}-{exercise}-{'r' if right else 'w'}"


def fake_content(grants: ServiceGrants) -> FastAPI:
    app = FastAPI()
    keys = {lesson: answer_key(lesson) for lesson in LESSONS}
    level = {"id": "lvl-1", "language": "lse", "lessons": [{"id": lesson} for lesson in LESSONS]}

    @app.get("/content/internal/lessons/{lesson_id}/answer-key")
    async def key(lesson_id: str, request: Request) -> JSONResponse:
        try:
            grants.verify(request.headers.get(GRANT_HEADER), "GET", request.url.path, callers=frozenset({"users"}))
        except InvalidGrant as exc:
            return JSONResponse({"error": "invalid_grant", "detail": str(exc)}, status_code=403)
        if lesson_id not in keys:
            return JSONResponse({"error": "lesson_not_found", "detail": "no such lesson"}, status_code=404)
        return JSONResponse(keys[lesson_id])

    @app.get("/content/levels/{level_id}")
    async def get_level(level_id: str) -> dict[str, Any]:
        return level

    return app


# -- counting table calls ---------------------------------------------------------------------------------------------


class CountingTable:
    """A table that counts its calls while its owner counts (the sequential pass), and otherwise hands out the
    table's own methods: the measured rounds pay nothing for the counting."""

    def __init__(self, inner: Table, owner: CountingTables) -> None:
        self._inner = inner
        self._owner = owner
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute) or not self._owner.counting:
            return attribute
        counts = self._owner.counts

        async def counted(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return await attribute(*args, **kwargs)

        return counted


class CountingTables:
    def __init__(self, inner: Tables) -> None:
        self._inner = inner
        self.counts: Counter[str] = Counter()
        self.counting = False

    def table(self, name: str) -> Any:
        return CountingTable(self._inner.table(name), self)

    async def close(self) -> None:
        await self._inner.close()


# -- the learners' side -------------------------------------------------------------------------------------------


@dataclass
class Flow:
    user: str
    lesson: str
    wrong: int  # how many exercises this (learner, lesson) pair answers wrongly, every time
    replay_completion: bool  # sends its completion twice with the same key


@dataclass
class Observed:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    awarded: Counter[str] = field(default_factory=Counter)
    replays_checked: int = 0
    requests: int = 0


_keys = random.Random(11)


def new_key() -> str:
    """A fresh Idempotency-Key. A client makes these on its own machine; here, where the client shares the server's
    process, they come from a seeded generator rather than ``uuid4`` (whose system call costs a tenth of a
    millisecond on this kind of machine, which would be counted as the server's)."""
    return f"{_keys.getrandbits(128):032x}"


def wrong_answers(user: str, lesson: str) -> int:
    return hashlib.sha256(f"{user}/{lesson}".encode()).digest()[0] % EXERCISES


def expected_xp(flows: Sequence[Flow]) -> dict[str, int]:
    plays: Counter[tuple[str, str]] = Counter((flow.user, flow.lesson) for flow in flows)
    totals: dict[str, int] = defaultdict(int)
    for (user, lesson), count in plays.items():
        right = EXERCISES - wrong_answers(user, lesson)
        first = xp.attempt_xp(correct=right, first=True, perfect=right == EXERCISES)
        again = xp.attempt_xp(correct=right, first=False, perfect=right == EXERCISES)
        totals[user] += min(xp.lesson_max_xp(EXERCISES), first + (count - 1) * again)
    return totals


async def timed(observed: Observed, kind: str, call: Awaitable[httpx.Response]) -> httpx.Response:
    started = time.perf_counter()
    response = await call
    observed.latencies[kind].append(time.perf_counter() - started)
    observed.requests += 1
    return response


async def play(client: httpx.AsyncClient, tokens: dict[str, str], flow: Flow, observed: Observed) -> None:
    auth = {"Authorization": f"Bearer {tokens[flow.user]}"}
    base = f"/users/me/lessons/{flow.lesson}/attempts"
    started = await timed(observed, "start", client.post(base, headers={**auth, "Idempotency-Key": new_key()}))
    if started.status_code != 201:
        observed.failures.append(f"start {started.status_code} {started.text[:200]}")
        return
    attempt = started.json()["attempt_id"]
    for exercise in range(EXERCISES):
        body = {"exercise_id": f"{flow.lesson}-ex{exercise}", "option_id": option_id(flow.lesson, exercise,
                exercise >= flow.wrong)}  # fmt: skip
        answered = await timed(
            observed,
            "answer",
            client.post(f"{base}/{attempt}/answers", json=body, headers={**auth, "Idempotency-Key": new_key()}),
        )
        if answered.status_code != 200:
            observed.failures.append(f"answer {answered.status_code} {answered.text[:200]}")
            return
    key = new_key()
    for send in range(2 if flow.replay_completion else 1):
        done = await timed(
            observed, "complete", client.post(f"{base}/{attempt}/complete", headers={**auth, "Idempotency-Key": key})
        )
        if done.status_code != 200:
            observed.failures.append(f"complete {done.status_code} {done.text[:200]}")
            return
        body = done.json()
        if send == 0:
            observed.awarded[flow.user] += body["xp_awarded"]
            first_award = body["xp_awarded"]
        elif not (body["replayed"] and body["xp_awarded"] == 0 and body["original_xp_awarded"] == first_award):
            observed.failures.append(f"a replayed completion said {body}")
        else:
            observed.replays_checked += 1


async def run_pool(concurrency: int, jobs: list[Any], work: Callable[[Any], Awaitable[None]]) -> Spent:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Spent(time.perf_counter() - started, time.process_time() - cpu)


@dataclass(frozen=True)
class Spent:
    """Seconds of a phase: on the wall clock, and of CPU by the whole process (every thread; not the time another
    tenant of the machine had the core)."""

    wall: float
    cpu: float


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# -- the run ----------------------------------------------------------------------------------------------------------


async def lived_in(tables: Tables, table_name: str, rows: int) -> None:
    """``rows`` items of 5 000 other learners (records of about the size of a card or an attempt log), written
    before the run: the tables of a platform that has been used, not a fresh file."""
    table = tables.table(table_name)
    for start in range(0, rows, 100):
        await table.transact_write(
            [
                Put({"pk": f"USER#earlier-{n % 5000:04d}", "sk": f"LOG#{n:09d}", "filler": "x" * 300})
                for n in range(start, min(rows, start + 100))
            ]
        )


async def main(flows_count: int, concurrency: int, users: int, prefill: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as data:
        for name in [n for n in os.environ if n.startswith("SENAS_")]:
            del os.environ[name]
        settings = load_settings(data_dir=Path(data), log_level="warning", log_json=True)
        configure_logging("warning", json=True)
        platform = build_platform(settings)
        if prefill:
            await lived_in(platform.tables, settings.table_name("UserProgress"), prefill)
        counting = CountingTables(platform.tables)
        platform.tables = counting
        grants = ServiceGrants(settings.signing_secret.get_secret_value())
        platform.services.register_in_process("content", fake_content(grants))
        # One day (the clock stands still), and a budget no learner of the bench reaches: what is measured is the
        # write path, not the rate limiter's refusals (its counting is on the path and is measured).
        clock = ManualClock(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
        config = UsersSettings(rate_limit_progress_writes=Budget(1_000_000, 60))
        root = bootstrap.build(platform, clock=clock, config=config)
        app = create_app(root, run_consumers=False)
        add_noop_write(app)
        settle_for_serving()  # as `senas serve` / `senas up` do before they serve
        keys = signing_keys(settings)

        def learner_tokens(prefix: str, count: int) -> dict[str, str]:
            issuer = local_issuer(settings.public_url)
            return {
                user_id: keys.sign(
                    access_token_claims(user_id=user_id, issuer=issuer, roles=["learner"], ttl_seconds=3600)
                )
                for user_id in (f"{prefix}-{i:03d}" for i in range(count))
            }

        tokens = learner_tokens("bench", users)
        warm_tokens = learner_tokens("warm", concurrency)  # the warm-up's learners, not measured or checked
        warm_flows = [
            Flow(user, lesson, wrong_answers(user, lesson), replay_completion=False)
            for user in warm_tokens
            for lesson in LESSONS
        ]

        rng = random.Random(7)
        flows = []
        for _ in range(flows_count):
            user, lesson = rng.choice(list(tokens)), rng.choice(LESSONS)
            flows.append(Flow(user, lesson, wrong_answers(user, lesson), replay_completion=rng.random() < 0.1))
        expected = expected_xp(flows)
        observed = Observed()
        constant_failures: list[str] = []
        round_figures: list[tuple[int, Spent, Spent, Spent]] = []  # requests, and the writes/constant/noop phases
        settle_seconds = 0.0

        async with app.router.lifespan_context(app):  # the outbox sweep and the follow-ups, as deployed
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def constant(_: object) -> None:
                    started = time.perf_counter()
                    response = await client.get("/users/health")
                    observed.latencies["constant"].append(time.perf_counter() - started)
                    if response.status_code != 200:
                        constant_failures.append(f"health {response.status_code}")

                noop_auth = {"Authorization": f"Bearer {next(iter(tokens.values()))}"}

                async def noop(_: object) -> None:
                    response = await client.post(
                        "/users/bench/noop-write",
                        json={"exercise_id": "e", "option_id": "o"},
                        headers={**noop_auth, "Idempotency-Key": new_key()},
                    )
                    if response.status_code != 200:
                        constant_failures.append(f"noop {response.status_code}")

                # Warm-up of both paths (first-time costs: the signing key read, lazily built validators, the
                # tables' first pages), the writes by learners of their own who are not measured or checked.
                await run_pool(concurrency, list(range(200)), constant)
                observed.latencies.pop("constant")
                warm = Observed()
                await run_pool(concurrency, warm_flows, lambda f: play(client, warm_tokens, f, warm))
                await root.context.background.idle()
                if warm.failures:
                    constant_failures.append(f"warm-up: {warm.failures[0]}")
                # Rounds of writes, each followed by as many constant requests and as many do-nothing writes: the
                # machine's speed drifts (other tenants), and a ratio taken within a round sees one speed.
                for part in range(rounds):
                    before = observed.requests
                    writes = await run_pool(
                        concurrency, flows[part::rounds], lambda f: play(client, tokens, f, observed)
                    )
                    count = observed.requests - before
                    settle_started, settle_cpu = time.perf_counter(), time.process_time()
                    await root.context.background.idle()  # every follow-up done before XP is checked
                    settle_seconds = max(settle_seconds, time.perf_counter() - settle_started)
                    # The CPU of the follow-ups still running after the last answer is the writes' too.
                    writes = Spent(writes.wall, writes.cpu + time.process_time() - settle_cpu)
                    const = await run_pool(concurrency, list(range(count)), constant)
                    noops = await run_pool(concurrency, list(range(count)), noop)
                    round_figures.append((count, writes, const, noops))

                mismatched = []
                for user, token in tokens.items():
                    summary = await client.get("/users/me/progress", headers={"Authorization": f"Bearer {token}"})
                    got = summary.json()["xp_total"]
                    if got != expected.get(user, 0) or observed.awarded[user] != got:
                        mismatched.append((user, expected.get(user, 0), observed.awarded[user], got))

                sequential = await one_at_a_time(client, root, tokens, counting, noop)
        await platform.close()

    requests = sum(count for count, _, _, _ in round_figures)
    write_seconds = sum(writes.wall for _, writes, _, _ in round_figures)
    const_seconds = sum(const.wall for _, _, const, _ in round_figures)
    ratios = [const.wall / writes.wall for _, writes, const, _ in round_figures]
    noop_ratios = [const.wall / noops.wall for _, _, const, noops in round_figures]
    cpu_ratios = [const.cpu / writes.cpu for _, writes, const, _ in round_figures]
    noop_cpu_ratios = [const.cpu / noops.cpu for _, _, const, noops in round_figures]
    write_cpu = sum(writes.cpu for _, writes, _, _ in round_figures)
    const_cpu = sum(const.cpu for _, _, const, _ in round_figures)
    writes_per_s = requests / write_seconds
    constant_per_s = requests / const_seconds
    replayed = sum(1 for flow in flows if flow.replay_completion)
    print(
        f"lesson attempts: {len(flows)} flows of start + {EXERCISES} answers + complete ({replayed} completions sent "
        f"twice) = {requests} progress writes at concurrency {concurrency}, follow-ups running beside them, in "
        f"{rounds} rounds each followed by as many constant requests"
    )
    print(f"  {writes_per_s:8.1f} progress writes/s   {len(flows) / write_seconds:8.1f} completions/s")
    for kind in ("start", "answer", "complete"):
        values = observed.latencies[kind]
        print(
            f"  {kind:9s} p50 {pct(values, 0.5):6.1f} ms   p99 {pct(values, 0.99):6.1f} ms   "
            f"mean {statistics.mean(values) * 1000:6.1f} ms"
        )
    print(
        "  follow-ups still running when a round's last request was answered: done "
        f"{settle_seconds * 1000:.0f} ms later at most"
    )
    constant_latencies = observed.latencies["constant"]
    print(
        f"constant JSON (/users/health): {constant_per_s:8.1f} requests/s   "
        f"p50 {pct(constant_latencies, 0.5):6.1f} ms   p99 {pct(constant_latencies, 0.99):6.1f} ms"
    )
    print(
        f"ratio progress writes/constant: {statistics.median(ratios):.3f} (the median of the rounds, in order: "
        f"{', '.join(f'{r:.3f}' for r in ratios)}; over the whole run {writes_per_s / constant_per_s:.3f})"
    )
    print(f"ratio completions/constant:     {len(flows) / write_seconds / constant_per_s:.3f}")
    print(
        f"CPU per request (the process's, follow-ups included): write {write_cpu / requests * 1000:.2f} ms, constant "
        f"{const_cpu / requests * 1000:.2f} ms; ratio {statistics.median(cpu_ratios):.3f} (the median of the rounds, "
        f"in order: {', '.join(f'{r:.3f}' for r in cpu_ratios)})"
    )
    print(
        "for scale, a write route that does nothing (bench-only)/constant: "
        f"{statistics.median(noop_ratios):.3f} (CPU {statistics.median(noop_cpu_ratios):.3f})"
    )
    print("table calls per completion (sequential pass, each call attributed):")
    for label, counts in sequential.calls.items():
        detail = ", ".join(f"{name} {value:g}" for name, value in sorted(counts.items()) if value)
        print(f"  {label:28s} {sum(counts.values()):5.1f}   ({detail})")
    unit = sequential.cpu["constant"]
    costs = {label.removesuffix(" (request)"): seconds / unit for label, seconds in sequential.cpu.items()}
    flow_cost = sum(costs[kind] * (EXERCISES if kind == "answer" else 1) for kind in FLOW_PARTS)
    print(
        f"one request at a time (process CPU, the median of the sequential pass): constant {unit * 1000:.2f} ms; "
        "in constant requests: "
        + ", ".join(f"{label} {cost:.1f}" for label, cost in costs.items() if label != "constant")
        + f"; a flow of {EXERCISES + 2} writes with its follow-ups {flow_cost:.1f}, a ratio of "
        f"{(EXERCISES + 2) / flow_cost:.3f} at concurrency 1"
    )
    failures = observed.failures + constant_failures
    if failures:
        print(f"FAILED requests: {len(failures)}; first: {failures[0]}")
    if mismatched:
        print(f"XP MISMATCH for {len(mismatched)} users, e.g. {mismatched[:3]} (user, expected, answered, stored)")
    else:
        print(
            f"XP check: all {users} learners have exactly the expected XP ({sum(expected.values())} in total), and "
            f"the answers said so; {observed.replays_checked} replayed completions awarded 0"
        )
    return 1 if failures or mismatched else 0


def add_noop_write(app: FastAPI) -> None:
    """A bench-only route shaped like an answer (authentication, the learner's budget, a body, a response model)
    that does nothing else — with a lean path, like the attempt routes."""
    router = APIRouter(route_class=LeanRoute)

    async def lean(request: Request, endpoint: Callable[..., Any]) -> AnswerOut | None:
        body = await json_body(request, AnswerIn)
        key = request.headers.get("idempotency-key")
        if body is None or key is None:
            return None
        answered: AnswerOut = await endpoint(body=body, key=key, write=await lean_attempt_write(request))
        return answered

    @router.post("/users/bench/noop-write", response_model=AnswerOut, response_model_exclude_none=True)
    @lean_path(lean)
    async def noop_write(
        body: AnswerIn, key: Annotated[str, Header(alias="Idempotency-Key")], write: AttemptWriteDep
    ) -> AnswerOut:
        return AnswerOut(
            attempt_id="noop",
            exercise_id=body.exercise_id,
            correct=True,
            correct_answer=CorrectAnswerOut(option_id=body.option_id),
            answered=1,
            total=1,
            replayed=False,
        )

    app.include_router(router)


class Deferred(BackgroundWork):
    """Holds kicked work until it is run by hand, so that its table calls are counted apart from the request's."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[Callable[[], Awaitable[object]]] = []

    def kick(self, key: str, work: Callable[[], Awaitable[object]]) -> None:
        self.held.append(work)


@dataclass
class OneAtATime:
    """What the sequential passes found: the table calls of each request of a flow and of its follow-ups, and the
    process CPU time each kind of request costs when nothing else runs (the median of the rounds)."""

    calls: dict[str, dict[str, float]]
    cpu: dict[str, float]


async def one_at_a_time(
    client: httpx.AsyncClient,
    root: Any,
    tokens: dict[str, str],
    counting: CountingTables,
    noop: Callable[[object], Awaitable[None]],
    *,
    counted_rounds: int = 20,
    timed_rounds: int = 200,
) -> OneAtATime:
    """Flows run one at a time, with the follow-ups held until the request has been answered and then run on their
    own: first ``counted_rounds`` of them with every table call counted and attributed; then ``timed_rounds`` with
    nothing counted, each beside a constant request and a do-nothing write, for the CPU time of each."""
    await root.context.background.idle()
    deferred = Deferred()
    root.context.background = deferred
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    cpu: dict[str, list[float]] = defaultdict(list)
    users = list(tokens)

    async def measured(label: str, call: Awaitable[Any]) -> Any:
        before, started = Counter(counting.counts), time.process_time()
        result = await call
        cpu[label].append(time.process_time() - started)
        totals[label].update(Counter(counting.counts) - before)
        return result

    async def flow(round_: int) -> None:
        user = users[round_ % len(users)]
        auth = {"Authorization": f"Bearer {tokens[user]}"}
        lesson = LESSONS[round_ % len(LESSONS)]
        base = f"/users/me/lessons/{lesson}/attempts"
        headers = {**auth, "Idempotency-Key": new_key()}
        started = await measured("start (request)", client.post(base, headers=headers))
        attempt = started.json()["attempt_id"]
        for exercise in range(EXERCISES):
            body = {"exercise_id": f"{lesson}-ex{exercise}", "option_id": option_id(lesson, exercise, True)}
            headers = {**auth, "Idempotency-Key": new_key()}
            await measured("answer (request)", client.post(f"{base}/{attempt}/answers", json=body, headers=headers))
        headers = {**auth, "Idempotency-Key": new_key()}
        await measured("complete (request)", client.post(f"{base}/{attempt}/complete", headers=headers))
        held, deferred.held = deferred.held, []
        for work in held:
            await measured("complete (follow-ups)", work())

    counting.counting = True
    for round_ in range(counted_rounds):
        await flow(round_)
    per_flow = {label: counted_rounds * (EXERCISES if label.startswith("answer") else 1) for label in totals}
    calls = {label: {name: value / per_flow[label] for name, value in c.items()} for label, c in totals.items()}
    counting.counting = False
    cpu.clear()
    for round_ in range(timed_rounds):
        await measured("constant", client.get("/users/health"))
        await measured("do-nothing write", noop(None))
        await flow(counted_rounds + round_)
    return OneAtATime(calls, {label: statistics.median(values) for label, values in cpu.items()})


def event_loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop the run is on: ``uvloop`` by default, the one uvicorn runs the services on (``senas serve`` and
    ``senas up`` leave uvicorn's ``loop="auto"``, which takes uvloop where it is installed — it is, with
    ``uvicorn[standard]``); ``asyncio`` for the standard library's, to compare."""
    if name == "asyncio":
        return asyncio.new_event_loop
    import uvloop

    return uvloop.new_event_loop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--prefill", type=int, default=0, help="items of other learners in the tables beforehand")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of writes, each followed by its baseline")
    parser.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop", help="the event loop (uvicorn's: uvloop)"
    )
    args = parser.parse_args()
    print(f"event loop: {args.loop}")
    with asyncio.Runner(loop_factory=event_loop_factory(args.loop)) as runner:
        sys.exit(runner.run(main(args.flows, args.concurrency, args.users, args.prefill, max(1, args.rounds))))
