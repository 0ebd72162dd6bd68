"""Benchmark: one attendance sync pass over many finished sessions, within GoTo's limit.

Runs the real sync (`completion_sync.sync_due` with the bot's GoTo adapter and report renderer,
SQLite or PostgreSQL) against the GoTo sandbox in a process of its own, with GoTo's limit of 10
requests a second per consumer key on:

    .venv/bin/python -m bench.sync                             # 20 locations, 200 sessions
    .venv/bin/python -m bench.sync --locations 4 --sessions 2 --learners 40
    DATABASE_URL=postgresql://root@127.0.0.1/bench .venv/bin/python -m bench.sync
    DATABASE_URL=postgresql://… .venv/bin/python -m bench.sync --workers 3 --locations 6
        --sessions 18 --learners 10 --latency 8   (one line: 3 worker processes against one,
        bench/sync_workers.py)

Each location has its own consumer key and GoTo account and runs `--sessions` finished webinars;
learners per session cycle through 1/2, 3/2, 1 and 1 times `--learners` (so sizes differ and the
average is `--learners`). Half the sessions launched 3 polls and track `all_polls_answered`, the
others track attendance. Most learners attended (and answered every poll), some answered only
some polls, some stayed away, and two people per session attended without registering in the bot.
The clock stands past the final run, so every session ends with its report queued.

Printed: GoTo requests against the minimum the data needs, wall time against the rate-limit floor
(the busiest consumer key's requests / 10 per s, keys side by side), database statements per
session, and peak memory of the bot's process and the sandbox's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import math
import os
import random
import resource
import socket
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.bootstrap import Runtime, build_runtime
from db.migrate import upgrade
from domain.completion_rules import FINAL_RUN_AFTER_END
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Membership,
    Notice,
    Role,
    Session,
    SessionStatus,
    Team,
    TrackingRule,
    WalkIn,
    Workspace,
)
from domain.names import name_key
from domain.services import completion_sync
from tests.e2e.conftest import stack_settings

GOTO_RATE = 10.0
POLLS = ("How useful was today?", "Which topic comes first?", "Would you recommend it?")
ANSWERS = ["Yes", "No", "Maybe"]
REDIRECT = "http://127.0.0.1:9/goto/callback"
PAGE = 200
WALK_INS = 2
RSS_GOAL_MB = 250.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Learner:
    """One enrollment and what GoTo saw of it."""

    email: str
    name: str
    # "all": attended, answered every poll; "some": attended, answered some; "absent".
    outcome: str
    polls_answered: int = 0
    registrant_key: str = ""


@dataclass
class Planned:
    """One finished webinar session of a location."""

    webinar_key: int
    location: int
    start: datetime
    polled: bool
    learners: list[Learner]
    walk_ins: list[str] = field(default_factory=list)

    @property
    def attended(self) -> int:
        """Learners GoTo saw attend."""
        return sum(1 for learner in self.learners if learner.outcome != "absent")

    def expected(self) -> Counter[str]:
        """The statuses the final run must leave."""
        statuses: Counter[str] = Counter()
        for learner in self.learners:
            if learner.outcome == "absent":
                statuses[EnrollmentStatus.NOT_ATTENDED.value] += 1
            elif self.polled and learner.outcome == "some":
                statuses[EnrollmentStatus.IN_PROGRESS.value] += 1
            else:
                statuses[EnrollmentStatus.COMPLETE.value] += 1
        return statuses

    def minimum_requests(self) -> tuple[int, int]:
        """The fewest GoTo requests this session needs, and its attendee pages."""
        pages = max(1, math.ceil((self.attended + len(self.walk_ins)) / PAGE))
        polls = 1 + self.attended if self.polled else 0
        return 1 + pages + polls, pages


def plan(
    locations: int, sessions: int, learners: int, *, now: datetime, polls: bool = True
) -> list[Planned]:
    """The sessions, learners and outcomes (deterministic); without `polls`, every session
    tracks attendance only."""
    rng = random.Random(10)
    sizes = [learners // 2, learners * 3 // 2, learners, learners]
    planned = []
    number = 0
    for loc in range(locations):
        for n in range(sessions):
            size = sizes[number % len(sizes)]
            polled = polls and number % 2 == 0
            start = (now - FINAL_RUN_AFTER_END - timedelta(hours=3 + n)).replace(microsecond=0)
            people = []
            for p in range(size):
                roll = rng.random()
                outcome = "all" if roll < 0.8 else "some" if roll < 0.9 else "absent"
                people.append(
                    Learner(
                        email=f"l{number}.{p}@acme.test",
                        name=f"Learner {number}.{p}",
                        outcome=outcome,
                        polls_answered=rng.randint(1, len(POLLS) - 1) if outcome == "some" else 0,
                    )
                )
            walk_ins = [f"w{number}.{w}@example.org" for w in range(WALK_INS)]
            planned.append(Planned(5_000_000_000 + number, loc, start, polled, people, walk_ins))
            number += 1
    return planned


def scenario(planned: list[Planned], locations: int) -> dict[str, Any]:
    """The sandbox scenario: accounts, consumer keys, webinars with registrants and sessions."""
    accounts = [
        {
            "email": f"organizer{n}@acme.test",
            "first_name": "Organizer",
            "last_name": str(n),
            "organizer_key": 7_100_000_000 + n,
            "account_key": 7_200_000_000 + n,
        }
        for n in range(locations)
    ]
    consumers = [
        {
            "client_id": f"bench-key-{n}",
            "client_secret": f"bench-secret-{n}",
            "name": f"Bench app {n}",
            "product": "webinar",
            "accounts": [f"organizer{n}@acme.test"],
            "redirect_uris": [REDIRECT],
        }
        for n in range(locations)
    ]
    webinars = []
    for p in planned:
        registrants = [
            {"email": x.email, "first_name": "Learner", "last_name": x.name.split()[-1]}
            for x in p.learners
        ] + [{"email": w, "first_name": "Walk", "last_name": "In"} for w in p.walk_ins]
        attendees: list[dict[str, Any]] = []
        for x in p.learners:
            if x.outcome == "absent":
                continue
            attendee: dict[str, Any] = {"email": x.email, "minutes": 55}
            if p.polled and x.outcome == "all":
                attendee["answer_all_polls"] = True
            elif p.polled:
                attendee["poll_answers"] = {q: "Yes" for q in POLLS[: x.polls_answered]}
            attendees.append(attendee)
        attendees += [{"email": w, "minutes": 20} for w in p.walk_ins]
        webinars.append(
            {
                "webinar_key": p.webinar_key,
                "organizer": f"organizer{p.location}@acme.test",
                "subject": f"Course {p.webinar_key}",
                "times": [{"start": p.start.isoformat(), "duration_minutes": 60}],
                "registration_limit": 1000,
                "polls": [{"question": q, "answers": ANSWERS} for q in POLLS] if p.polled else [],
                "registrants": registrants,
                "sessions": [
                    {
                        "start": p.start.isoformat(),
                        "duration_minutes": 60,
                        "polls": list(POLLS) if p.polled else [],
                        "attendees": attendees,
                    }
                ],
            }
        )
    return {
        "name": "bench-sync",
        "accounts": accounts,
        "consumers": consumers,
        "webinars": webinars,
    }


# --- the sandbox in its own process ------------------------------------------------------------


def serve_sandbox(port: int, scenario_file: str, latency: float = 0.0) -> None:
    """Run the sandbox (rate limit on, each API request answered `latency` seconds late) keeping
    every request in its log (the child process)."""
    from collections import deque

    import uvicorn

    from sandbox.goto import create_goto_sandbox
    from sandbox.goto.scenario import Scenario

    loaded = Scenario.model_validate(json.loads(Path(scenario_file).read_text("utf-8")))
    app = create_goto_sandbox(loaded, rate_limit_per_second=GOTO_RATE, latency_seconds=latency)
    app.state.sandbox.requests = deque()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def sandbox_process(
    scenario_file: Path, latency: float = 0.0
) -> AsyncIterator[tuple[str, int]]:
    """The sandbox's base URL and process id, once it answers."""
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sync",
        "--serve-sandbox",
        str(port),
        str(scenario_file),
        str(latency),
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            for _ in range(600):
                if child.returncode is not None:
                    raise RuntimeError("the GoTo sandbox did not start")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"{base}/_sandbox/clock")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the GoTo sandbox did not answer")
        yield base, child.pid
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), timeout=10)


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident memory of this process, or of `pid` (Linux), in MB."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def link_tokens(base: str, locations: int) -> list[dict[str, Any]]:
    """Each consumer key's tokens, by GoTo's authorization-code grant (what linking does)."""
    tokens = []
    async with httpx.AsyncClient(timeout=10) as http:
        for n in range(locations):
            allowed = await http.post(
                f"{base}/oauth/authorize",
                data={
                    "client_id": f"bench-key-{n}",
                    "redirect_uri": REDIRECT,
                    "response_type": "code",
                    "state": "bench",
                    "decision": "allow",
                    "account": f"organizer{n}@acme.test",
                },
            )
            code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
            token = await http.post(
                f"{base}/oauth/token",
                auth=(f"bench-key-{n}", f"bench-secret-{n}"),
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            )
            token.raise_for_status()
            tokens.append(token.json())
    return tokens


async def registrant_keys(base: str, planned: list[Planned]) -> None:
    """Fill in the registrant keys GoTo gave the learners."""
    async with httpx.AsyncClient(timeout=60) as http:
        state = (await http.get(f"{base}/_sandbox/state")).json()
    keys = {
        r["email"].lower(): r["registrantKey"] for w in state["webinars"] for r in w["registrants"]
    }
    for p in planned:
        for learner in p.learners:
            learner.registrant_key = keys[learner.email.lower()]


async def goto_requests(base: str) -> list[dict[str, Any]]:
    """Every API request the sandbox saw."""
    async with httpx.AsyncClient(timeout=60) as http:
        found: list[dict[str, Any]] = (await http.get(f"{base}/_sandbox/requests")).json()[
            "requests"
        ]
        return found


# --- the database ------------------------------------------------------------------------------


async def fill_database(
    runtime: Runtime, planned: list[Planned], tokens: list[dict[str, Any]], *, now: datetime
) -> str:
    """Workspace, team, linked locations, element, sessions and enrollments, in bulk."""
    engine = runtime.engine
    box = runtime.box
    async with engine.begin() as conn:
        # Numbers after the rows already there, so a database can take several runs.
        top: dict[Any, int] = {}
        models: tuple[Any, ...] = (Team, Location, LearningElement, Session, Enrollment)
        for model in models:
            table: Any = model.__table__
            top[model] = int((await conn.execute(select(func.max(table.c.id)))).scalar() or 0)
        workspace = f"T0BENCH{top[Team] + 1:05d}"
        team_id = top[Team] + 1
        admin = "U0BENCHADMIN"
        await conn.execute(insert(Workspace), rows(Workspace, [{"id": workspace, "name": "Bench"}]))
        await conn.execute(
            insert(Team),
            rows(
                Team,
                [
                    {
                        "id": team_id,
                        "workspace_id": workspace,
                        "name": "Training",
                        "name_key": name_key("Training"),
                        "channel_id": "C0BENCHTRAIN",
                        "created_by": admin,
                    }
                ],
            ),
        )
        await conn.execute(
            insert(Membership),
            rows(
                Membership,
                [
                    {
                        "workspace_id": workspace,
                        "team_id": team_id,
                        "user_id": admin,
                        "role": Role.ADMIN,
                        "added_by": admin,
                    }
                ],
            ),
        )
        location_rows = []
        for n, token in enumerate(tokens):
            location_rows.append(
                {
                    "id": top[Location] + 1 + n,
                    "workspace_id": workspace,
                    "owner_team_id": team_id,
                    "name": f"Room {n}",
                    "name_key": name_key(f"Room {n}"),
                    "kind": LocationKind.GOTOWEBINAR,
                    "consumer_key": f"bench-key-{n}",
                    "consumer_secret_enc": box.encrypt(f"bench-secret-{n}"),
                    "goto_organizer_key": str(token.get("organizer_key", 7_100_000_000 + n)),
                    "goto_account_key": str(token.get("account_key", 7_200_000_000 + n)),
                    "goto_email": f"organizer{n}@acme.test",
                    "access_token_enc": box.encrypt(token["access_token"]),
                    "refresh_token_enc": box.encrypt(token["refresh_token"]),
                    "access_expires_at": datetime.now(UTC)
                    + timedelta(seconds=int(token["expires_in"])),
                    "linked_at": now,
                    "linked_by": admin,
                    "created_by": admin,
                }
            )
        await conn.execute(insert(Location), rows(Location, location_rows))
        element_id = top[LearningElement] + 1
        await conn.execute(
            insert(LearningElement),
            rows(
                LearningElement,
                [
                    {
                        "id": element_id,
                        "workspace_id": workspace,
                        "owner_team_id": team_id,
                        "title": "Product Update",
                        "title_key": name_key("Product Update"),
                        "created_by": admin,
                    }
                ],
            ),
        )
        session_rows = []
        enrollment_rows = []
        number = top[Enrollment]
        for s, p in enumerate(planned):
            session_id = top[Session] + 1 + s
            session_rows.append(
                {
                    "id": session_id,
                    "workspace_id": workspace,
                    "element_id": element_id,
                    "location_id": top[Location] + 1 + p.location,
                    "instructor_id": admin,
                    "starts_at": p.start,
                    "ends_at": p.start + timedelta(minutes=60),
                    "timezone": "Europe/Berlin",
                    "goto_product": LocationKind.GOTOWEBINAR,
                    "goto_event_key": str(p.webinar_key),
                    "tracking": TrackingRule.ALL_POLLS_ANSWERED
                    if p.polled
                    else TrackingRule.ATTENDED,
                    "status": SessionStatus.SCHEDULED,
                    "created_by": admin,
                }
            )
            for learner in p.learners:
                number += 1
                enrollment_rows.append(
                    {
                        "id": number,
                        "workspace_id": workspace,
                        "session_id": session_id,
                        "user_id": f"U0L{number:08d}",
                        "name": learner.name,
                        "email": learner.email,
                        "goto_registrant_key": learner.registrant_key,
                        "status": EnrollmentStatus.REGISTERED,
                    }
                )
        await conn.execute(insert(Session), rows(Session, session_rows))
        for start in range(0, len(enrollment_rows), 5000):
            await conn.execute(
                insert(Enrollment), rows(Enrollment, enrollment_rows[start : start + 5000])
            )
    return workspace


def rows(model: Any, values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the model's defaults filled in (created_at and the like), for a bulk insert."""
    dumped = [model(**v).model_dump() for v in values]
    # A row without an id takes the next one of its table.
    return [{k: v for k, v in row.items() if k != "id" or v is not None} for row in dumped]


@contextlib.contextmanager
def statements_per_session(engine: AsyncEngine) -> Iterator[dict[int | None, int]]:
    """Count the SQL statements each session's sync task sends (None: the rest)."""
    counts: dict[int | None, int] = defaultdict(int)

    def count(*_: Any) -> None:
        task = asyncio.current_task()
        coro: Any = task.get_coro() if task is not None else None
        frame = getattr(coro, "cr_frame", None)
        counts[frame.f_locals.get("session_id") if frame is not None else None] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """What a run measured."""

    sessions: int
    enrollments: int
    requests: int
    minimum: int
    pages: int
    statuses: dict[int, int]
    wall: float
    floor: float
    per_key: dict[str, int]
    statements: dict[int, set[int]]
    other_statements: int
    rss_bot: float
    rss_sandbox: float
    reports: int
    wrong: list[str]

    def goals(self) -> dict[str, bool]:
        """Each goal: met or not."""
        counts = {n for found in self.statements.values() for n in found}
        return {
            "requests <= minimum + pages": self.requests <= self.minimum + self.pages,
            "wall <= 1.2 x floor": self.wall <= 1.2 * self.floor,
            "statements per session constant": len(counts) == 1,
            f"peak RSS <= {RSS_GOAL_MB:g} MB": self.rss_bot <= RSS_GOAL_MB,
            "every status and report right": not self.wrong,
        }


async def run(
    locations: int,
    sessions: int,
    learners: int,
    database_url: str | None,
    *,
    profile: str | None = None,
) -> Figures:
    """Build the scenario, sync every due session once, and measure."""
    now = datetime.now(UTC)
    planned = plan(locations, sessions, learners, now=now)
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        scenario_file = Path(folder) / "scenario.json"
        scenario_file.write_text(json.dumps(scenario(planned, locations)), "utf-8")
        async with sandbox_process(scenario_file) as (base, pid):
            tokens = await link_tokens(base, locations)
            await registrant_keys(base, planned)
            runtime = build_runtime(stack_settings(url, "http://127.0.0.1:9", base))
            runtime.clock = lambda: now
            try:
                await fill_database(runtime, planned, tokens, now=now)
                ids = await session_ids(runtime, planned)
                before = len(await goto_requests(base))
                jobs_engine: AsyncEngine = runtime.outbox.factory.kw["bind"]
                with statements_per_session(jobs_engine) as counted:
                    profiler = cProfile.Profile() if profile else None
                    if profiler is not None:
                        profiler.enable()
                    started = time.perf_counter()
                    results = await completion_sync.sync_due(
                        runtime.jobs_uow,
                        goto=runtime.deps.goto_reports,
                        renderer=runtime.deps.report_renderer,
                        now=now,
                    )
                    wall = time.perf_counter() - started
                    if profiler is not None and profile:
                        profiler.disable()
                        profiler.dump_stats(profile)
                requests = (await goto_requests(base))[before:]
                rss_sandbox = peak_rss_mb(pid)
                wrong = await check(runtime, planned, ids, results)
                reports = len({r.session_id for r in results if r.report_queued})
            finally:
                await runtime.close()
    minimum, pages = 0, 0
    for p in planned:
        need, paged = p.minimum_requests()
        minimum += need
        pages += paged
    per_key = Counter(str(r["client_id"]) for r in requests)
    sizes = {sid: len(p.learners) for sid, p in zip(ids, planned, strict=True)}
    statements: dict[int, set[int]] = defaultdict(set)
    for sid, n in counted.items():
        if sid is not None:
            statements[sizes[sid]].add(n)
    return Figures(
        sessions=len(planned),
        enrollments=sum(len(p.learners) for p in planned),
        requests=len(requests),
        minimum=minimum,
        pages=pages,
        statuses=dict(Counter(int(r["status"]) for r in requests)),
        wall=wall,
        floor=max(per_key.values(), default=0) / GOTO_RATE,
        per_key=dict(per_key),
        statements=dict(statements),
        other_statements=counted.get(None, 0),
        rss_bot=peak_rss_mb(),
        rss_sandbox=rss_sandbox,
        reports=reports,
        wrong=wrong,
    )


async def session_ids(runtime: Runtime, planned: list[Planned]) -> list[int]:
    """The bench's sessions' ids, in plan order."""
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(col(Session.id), col(Session.goto_event_key)).where(
                col(Session.goto_event_key).in_([str(p.webinar_key) for p in planned])
            )
        )
        by_key = {key: int(sid or 0) for sid, key in rows.all()}
    return [by_key[str(p.webinar_key)] for p in planned]


async def check(
    runtime: Runtime, planned: list[Planned], ids: list[int], results: list[Any]
) -> list[str]:
    """What the run got wrong: statuses, walk-ins or reports unlike the data's."""
    wrong = []
    async with runtime.engine.connect() as conn:
        statuses: dict[int, Counter[str]] = defaultdict(Counter)
        for sid, status in await conn.execute(
            select(col(Enrollment.session_id), col(Enrollment.status)).where(
                col(Enrollment.session_id).in_(ids)
            )
        ):
            statuses[sid][str(status)] += 1
        walk_ins = Counter(
            sid
            for (sid,) in await conn.execute(
                select(col(WalkIn.session_id)).where(col(WalkIn.session_id).in_(ids))
            )
        )
        reported = Counter(
            key.split(":")[1]
            for (key,) in await conn.execute(
                select(col(Notice.dedupe_key)).where(col(Notice.kind) == "completion_report")
            )
        )
    ran = {r.session_id for r in results if r.ran and r.report_queued}
    wrong += [f"session {r.session_id}: {r.problem}" for r in results if r.problem]
    for sid, p in zip(ids, planned, strict=True):
        if statuses[sid] != p.expected():
            wrong.append(f"session {sid}: {dict(statuses[sid])} instead of {dict(p.expected())}")
        if walk_ins[sid] != len(p.walk_ins):
            wrong.append(f"session {sid}: {walk_ins[sid]} walk-ins instead of {len(p.walk_ins)}")
        if sid not in ran or not reported[str(sid)]:
            wrong.append(f"session {sid}: no report queued")
    return wrong


def show(figures: Figures, database: str) -> None:
    """Print the figures and a PASS/FAIL line per goal."""
    f = figures
    print(f"database: {database}")
    print(
        f"sessions: {f.sessions}  enrollments: {f.enrollments}  "
        f"consumer keys: {len(f.per_key)}  reports queued: {f.reports}"
    )
    print(
        f"GoTo requests: {f.requests} "
        f"({', '.join(f'{n} x HTTP {s}' for s, n in sorted(f.statuses.items()))})  |  "
        f"minimum: {f.minimum} (+ {f.pages} attendee pages)"
    )
    print(
        f"wall time: {f.wall:.1f} s  |  rate-limit floor: {f.floor:.1f} s "
        f"(busiest key {max(f.per_key.values(), default=0)} requests / {GOTO_RATE:g} per s)  |  "
        f"wall / floor: {f.wall / f.floor if f.floor else 0:.2f}"
    )
    sizes = ", ".join(
        f"{size} learners: {'/'.join(str(n) for n in sorted(found))}"
        for size, found in sorted(f.statements.items())
    )
    print(f"database statements per session: {sizes}  (+ {f.other_statements} to find them)")
    print(f"peak RSS: bot {f.rss_bot:.0f} MB  |  GoTo sandbox {f.rss_sandbox:.0f} MB")
    for line in f.wrong[:10]:
        print(f"  wrong: {line}")
    for goal, met in f.goals().items():
        print(f"{'PASS' if met else 'FAIL'}  {goal}")


def main() -> None:
    """Parse options and run (or serve the sandbox, in the child process)."""
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-sandbox":
        serve_sandbox(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--locations", type=int, default=20, help="consumer keys (default 20)")
    parser.add_argument("--sessions", type=int, default=10, help="per location (default 10)")
    parser.add_argument("--learners", type=int, default=100, help="per session on average")
    parser.add_argument("--profile", help="write a cProfile of the sync pass to this file")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="sync with N `viltbot worker` processes (PostgreSQL), then with one, and compare",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=8.0,
        help="with --workers: seconds GoTo takes to answer each request (default 8)",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if args.workers is not None:
        sys.exit(run_with_workers(args, database_url))
    figures = asyncio.run(
        run(args.locations, args.sessions, args.learners, database_url, profile=args.profile)
    )
    show(figures, "PostgreSQL" if database_url else "SQLite")
    if not all(figures.goals().values()):
        sys.exit(1)


def run_with_workers(args: argparse.Namespace, database_url: str | None) -> int:
    """`--workers N`: one worker, then N, on fresh data each; the exit code."""
    from bench.sync_workers import run_workers
    from bench.sync_workers import show as show_workers

    if not database_url or not database_url.startswith("postgresql"):
        print("--workers needs PostgreSQL: DATABASE_URL=postgresql://…", file=sys.stderr)
        return 2
    sizes = (args.locations, args.sessions, args.learners, args.latency, database_url)
    one = asyncio.run(run_workers(1, *sizes))
    many = asyncio.run(run_workers(args.workers, *sizes))
    return 0 if all(show_workers(one, many, args.latency).values()) else 1


if __name__ == "__main__":
    main()
