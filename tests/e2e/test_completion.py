"""Completion over the whole stack: the GoTo sandbox plays a session, sync decides, Slack is told.

The bot's clock is the GoTo sandbox's, moved forward as a test needs; notices are delivered by the
outbox to the Slack stand-in, where the test reads what people would see.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.models import Enrollment, EnrollmentStatus, Location, Session, TrackingRule
from sandbox.goto.records import Fault
from sandbox.goto.scenario import AttendeeSpec
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.e2e.test_home import home_view_of, sections
from tests.e2e.test_registration import PRODUCT_UPDATE, linked, schedule

POLL_ONE = "How familiar are you with the new dashboard?"
POLL_TWO = "Which feature will you use first?"


@pytest.fixture
async def teams(stack: Stack) -> dict[str, int]:
    from tests.e2e.locations_flow import admin_with_teams

    found = await admin_with_teams(stack)
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    return found


@pytest.fixture
async def alice(stack: Stack, teams: dict[str, int]) -> Location:
    return await linked(stack, teams, "alice@example.com", "Webinar Room", max_learners="")


class Course:
    """Alice's webinar "Product Update" as a session with Ben and Ann registered."""

    def __init__(self, stack: Stack, session_id: int) -> None:
        self.stack = stack
        self.session_id = session_id
        stack.runtime.clock = stack.goto_clock.now

    @property
    def webinar(self) -> Any:
        return self.stack.goto_state.webinars[int(PRODUCT_UPDATE)]

    async def row(self) -> Session:
        found: Session = next(s for s in await self.stack.rows(Session) if s.id == self.session_id)
        return found

    async def statuses(self) -> dict[str, EnrollmentStatus]:
        return {
            e.user_id: e.status
            for e in await self.stack.rows(Enrollment)
            if e.session_id == self.session_id
        }

    async def play(self, *attendees: AttendeeSpec, polls: list[str] | None = None) -> None:
        """GoTo holds the session at its scheduled time with these attendees, then ends it."""
        row = await self.row()
        state = self.stack.goto_state
        session = state.start_session(self.webinar, polls, start=row.starts_at)
        state.record_attendance(self.webinar, session, list(attendees))
        state.end_session(self.webinar, session, row.ends_at)

    async def at(self, after_end: timedelta) -> datetime:
        row = await self.row()
        self.stack.goto_clock.set(row.ends_at + after_end)
        return self.stack.goto_clock.now()

    async def sync(self) -> list[Any]:
        results = await self.stack.runtime.sync_now()
        await self.stack.runtime.outbox.deliver_due()
        return results

    def posted(self, channel: str, about: str = "") -> list[dict[str, Any]]:
        return [
            c.args
            for c in self.stack.standin.calls_to("chat.postMessage")
            if c.args.get("channel") == channel and about in str(c.args.get("text"))
        ]


async def course(stack: Stack, alice: Location, tracking: TrackingRule) -> Course:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    async with stack.runtime.deps.uow() as uow:
        session = await uow.session.get(Session, session_id)
        assert session is not None
        session.tracking = tracking
        uow.session.add(session)
        await uow.commit()
    for learner in (BEN, ANN):
        said = await stack.command(f"register {session_id}", user=learner)
        assert "You are registered" in said
    return Course(stack, session_id)


def report_text(calls: list[dict[str, Any]]) -> str:
    return "\n".join(str(c.get("text")) + str(c.get("blocks")) for c in calls)


async def test_every_poll_answered_completes_and_the_report_reaches_the_team(
    stack: Stack, alice: Location
) -> None:
    c = await course(stack, alice, TrackingRule.ALL_POLLS_ANSWERED)
    await c.play(
        AttendeeSpec(email="ben@acme.test", minutes=85, answer_all_polls=True),
        AttendeeSpec(
            email="ann@acme.test",
            minutes=40,
            poll_answers={POLL_ONE: "A little", POLL_TWO: "Alerts"},
        ),
        # Dana registered on GoTo herself, not through viltbot: a walk-in.
        AttendeeSpec(email="dana@example.org", minutes=30),
    )
    await c.at(timedelta(minutes=31))
    (first,) = await c.sync()
    assert first.ran and not first.final
    assert await c.statuses() == {
        BEN: EnrollmentStatus.COMPLETE,
        ANN: EnrollmentStatus.IN_PROGRESS,
    }
    (dm,) = c.posted(BEN, "You completed")
    assert "Product Update" in dm["text"]
    assert c.posted(ANN, "You completed") == []
    assert c.posted(TRAINING, "Product Update") == []

    await c.at(timedelta(hours=48))
    (final,) = await c.sync()
    assert final.final and final.report_queued
    assert (await c.statuses())[ANN] is EnrollmentStatus.IN_PROGRESS
    channel = c.posted(TRAINING, "report for Product Update")
    assert channel, "the report reached the team channel"
    text = report_text(channel)
    assert "answered 2 of 3 polls" in text
    assert "50%" in text
    assert "Dana" in text
    # Each learner reads their outcome on the Home tab.
    ben_home = sections(await home_view_of(stack, BEN))
    ann_home = sections(await home_view_of(stack, ANN))
    assert ben_home[ben_home.index("*Your recent sessions*") + 1].endswith(
        ":white_check_mark: *Complete*"
    )
    assert ann_home[ann_home.index("*Your recent sessions*") + 1].endswith(
        "*Not complete*: you answered 2 of 3 polls"
    )
    # The instructor's Home has the session among recent results.
    claire_home = sections(await home_view_of(stack, CLAIRE))
    result = claire_home[claire_home.index("*Recent results*") + 1]
    assert "*Product Update*" in result and "1 of 2 complete (50%)" in result and "final" in result
    to_instructor = [m["text"] for m in c.posted(CLAIRE)]
    assert all(m["text"] in to_instructor for m in channel)
    # Later runs find nothing due, and the report is not posted again.
    await c.at(timedelta(days=5))
    assert await c.sync() == []
    assert len(c.posted(TRAINING, "report for Product Update")) == len(channel)


async def test_the_absent_are_not_attended_at_the_final_run(stack: Stack, alice: Location) -> None:
    c = await course(stack, alice, TrackingRule.ATTENDED)
    await c.play(AttendeeSpec(email="ben@acme.test", minutes=5))
    await c.at(timedelta(minutes=31))
    await c.sync()
    assert await c.statuses() == {BEN: EnrollmentStatus.COMPLETE, ANN: EnrollmentStatus.REGISTERED}
    await c.at(timedelta(hours=48))
    await c.sync()
    assert (await c.statuses())[ANN] is EnrollmentStatus.NOT_ATTENDED
    assert "not attended" in report_text(c.posted(TRAINING, "report for")).lower()


async def test_goto_data_that_appears_later_is_picked_up_later(
    stack: Stack, alice: Location
) -> None:
    c = await course(stack, alice, TrackingRule.ATTENDED)
    stack.goto_state.settings.report_delay_seconds = 3 * 3600
    await c.play(AttendeeSpec(email="ben@acme.test", minutes=60))
    await c.at(timedelta(minutes=31))
    (early,) = await c.sync()
    assert early.ran and early.changes == ()
    await c.at(timedelta(hours=8))
    (later,) = await c.sync()
    assert [ch.after for ch in later.changes] == [EnrollmentStatus.COMPLETE]


async def test_goto_failing_mid_run_changes_nothing_and_the_next_run_recovers(
    stack: Stack, alice: Location
) -> None:
    c = await course(stack, alice, TrackingRule.ALL_POLLS_ANSWERED)
    await c.play(
        AttendeeSpec(email="ben@acme.test", minutes=85, answer_all_polls=True),
        AttendeeSpec(email="ann@acme.test", minutes=85, answer_all_polls=True),
    )
    await c.at(timedelta(minutes=31))
    # GoTo answers the attendance, then keeps failing on one attendee's poll answers.
    stack.goto_state.faults.append(Fault(503, 50, "/polls"))
    (failed,) = await c.sync()
    assert not failed.ran and failed.problem
    assert set((await c.statuses()).values()) == {EnrollmentStatus.REGISTERED}
    assert (await c.row()).sync_error
    stack.goto_state.faults.clear()
    await c.at(timedelta(minutes=50))
    (recovered,) = await c.sync()
    assert recovered.ran
    assert set((await c.statuses()).values()) == {EnrollmentStatus.COMPLETE}


async def test_overlapping_runs_post_the_report_once(stack: Stack, alice: Location) -> None:
    c = await course(stack, alice, TrackingRule.ATTENDED)
    await c.play(AttendeeSpec(email="ben@acme.test", minutes=60))
    await c.at(timedelta(hours=48))
    results = await asyncio.gather(*(stack.runtime.sync_now() for _ in range(3)))
    assert sum(1 for group in results for r in group if r.ran) == 1
    await asyncio.gather(*(stack.runtime.outbox.deliver_due() for _ in range(3)))
    assert len(c.posted(TRAINING, "report for")) == len(c.posted(CLAIRE, "report for")) >= 1
    assert len(c.posted(BEN, "You completed")) == 1


async def sync_command(stack: Stack, text: str, user: str = BOSS) -> list[str]:
    """`/vilt sync …`: its answers (a "Syncing…" note, then what happened)."""
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.slash(f"sync {text}".strip(), user_id=user, team_id=WS)
    assert response.status_code == 200
    await asyncio.sleep(0.5)
    calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
    deadline = asyncio.get_running_loop().time() + 20
    while len(calls) - before < 2 and "Syncing" in str(calls[-1].args.get("text")):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
        calls = stack.standin.calls_to("response_url")
    return [str(c.args.get("text")) for c in calls[before:]]


async def test_an_admin_syncs_by_hand_and_reads_what_changed(stack: Stack, alice: Location) -> None:
    c = await course(stack, alice, TrackingRule.ATTENDED)
    await c.play(AttendeeSpec(email="ben@acme.test", minutes=60))
    early = await stack.command(f"sync #{c.session_id}")
    assert early == (
        f":warning: Session #{c.session_id} has not ended yet: sync reads GoTo's attendance "
        "after the end (on its own, from 30 minutes after it)."
    )
    await c.at(timedelta(minutes=5))
    said = await sync_command(stack, str(c.session_id))
    assert said[0].startswith(":hourglass_flowing_sand: Syncing 1 session")
    assert f"#{c.session_id} Product Update: 1 complete" in said[-1]
    assert (await c.statuses())[BEN] is EnrollmentStatus.COMPLETE
    # Without a number: the active team's ended sessions still waiting for their final run.
    everything = await sync_command(stack, "")
    assert f"#{c.session_id} Product Update: no changes" in everything[-1]
    refused = await stack.command(f"sync {c.session_id}", user=BEN)
    assert "`/vilt sync` is for" in refused
    unknown = await stack.command("sync 99999")
    assert "There is no session #99999" in unknown
    bad = await stack.command("sync tomorrow")
    assert "Usage: `/vilt sync [session number]`" in bad


async def test_a_training_attended_in_two_parts_adds_up_the_minutes(
    stack: Stack, teams: dict[str, int]
) -> None:
    from sandbox.goto.scenario import PartSpec
    from tests.e2e.locations_flow import TRAINING_KEY, TRAINING_SECRET
    from tests.e2e.test_registration import DATA_PROTECTION

    trudy = await linked(
        stack,
        teams,
        "trudy@example.com",
        "Training Room",
        kind="gototraining",
        consumer_key=TRAINING_KEY,
        consumer_secret=TRAINING_SECRET,
    )
    stack.goto_state.settings.training_registrant_lag_seconds = 0
    session_id = await schedule(stack, trudy, DATA_PROTECTION, "Data Protection")
    for learner in (BEN, ANN):
        assert "You are registered" in await stack.command(f"register {session_id}", user=learner)
    c = Course(stack, session_id)
    training = stack.goto_state.trainings[int(DATA_PROTECTION)]
    row = await c.row()
    state = stack.goto_state
    played = state.start_session(training, None, start=row.starts_at)
    state.record_attendance(
        training,
        played,
        [
            AttendeeSpec(
                email="BEN@acme.test",
                parts=[
                    PartSpec(joined_after_minutes=0, minutes=30),
                    PartSpec(joined_after_minutes=45, minutes=25),
                ],
            )
        ],
    )
    state.end_session(training, played, row.ends_at)
    await c.at(timedelta(hours=48))
    (result,) = await c.sync()
    assert result.final
    rows = {e.user_id: e for e in await stack.rows(Enrollment) if e.session_id == session_id}
    assert rows[BEN].status is EnrollmentStatus.COMPLETE and rows[BEN].attended_minutes == 55
    assert rows[ANN].status is EnrollmentStatus.NOT_ATTENDED
    assert "55" in report_text(c.posted(TRAINING, "report for Data Protection"))


async def test_viltbot_sync_on_the_server_prints_what_changed(
    stack: Stack, alice: Location
) -> None:
    import os
    import sys
    from pathlib import Path

    from domain.types import utcnow
    from tests.e2e.conftest import SECRET_KEY, SIGNING_SECRET, TOKEN

    c = await course(stack, alice, TrackingRule.ATTENDED)
    # The command runs on the real clock: the session ended two hours ago.
    async with stack.runtime.deps.uow() as uow:
        session = await uow.session.get(Session, c.session_id)
        assert session is not None
        session.starts_at = utcnow() - timedelta(hours=3)
        session.ends_at = utcnow() - timedelta(hours=2)
        uow.session.add(session)
        await uow.commit()
    stack.goto_clock.set(utcnow())
    await c.play(AttendeeSpec(email="ben@acme.test", minutes=50))
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VILTBOT_", "GOTO_"))
        },
        "DATABASE_URL": str(stack.runtime.settings.database_url),
        "SLACK_API_URL": str(stack.runtime.settings.slack_api_url),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "VILTBOT_SECRET_KEY": SECRET_KEY,
        "GOTO_AUTH_URL": stack.goto_url,
        "GOTO_API_URL": stack.goto_url,
    }
    viltbot = str(Path(sys.executable).parent / "viltbot")
    process = await asyncio.create_subprocess_exec(
        viltbot,
        "sync",
        "--session",
        str(c.session_id),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert f"#{c.session_id} Product Update: 1 complete" in out.decode()
    assert (await c.statuses())[BEN] is EnrollmentStatus.COMPLETE
    # Nothing else is due: the scheduled pass says so.
    process = await asyncio.create_subprocess_exec(
        viltbot, "sync", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert "no session is due for sync" in out.decode()
