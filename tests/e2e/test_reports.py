"""`/vilt report`, the roster CSV (command and button) and App Home's recent results, over
signed Slack requests into the running bot. Results are written into the database as a sync
would leave them."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from db.uow import SqlUnitOfWork
from domain.models import Enrollment, EnrollmentStatus, Session, WalkIn
from domain.types import utcnow
from handlers.report_views import REPORT_CSV_ACTION
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.e2e.test_home import home_view_of, sections
from tests.handlers.sessions_data import place, schedule

HOUR = timedelta(hours=1)
HOSTILE = "<!channel> Dee & *Co*"


async def finished_session(stack: Stack) -> int:
    """Sales (BOSS admin, CLAIRE teaches, BEN and ANN learn): a session that ended an hour ago,
    synced once: BEN complete, ANN in progress (1 of 3 polls), a hostile name not attended, and
    a walk-in."""
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    session_id = await schedule(stack, "Negotiation", room, CLAIRE, starts_at=utcnow() + HOUR)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        session = await uow.session.get(Session, session_id)
        assert session is not None
        session.starts_at, session.ends_at = utcnow() - 3 * HOUR, utcnow() - HOUR
        session.sync_runs, session.last_synced_at, session.polls_total = 1, utcnow(), 3
        session.sync_error = "GoTo answered 503 Service Unavailable"
        for user, name, status, minutes, polls in (
            (BEN, "Ben Learner", EnrollmentStatus.COMPLETE, 115, 3),
            (ANN, "Ann Admin", EnrollmentStatus.IN_PROGRESS, 90, 1),
            ("U0DEE00001", HOSTILE, EnrollmentStatus.NOT_ATTENDED, 0, 0),
        ):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=user,
                    name=name,
                    email=f"{user.lower()}@acme.test",
                    status=status,
                    attended_minutes=minutes,
                    polls_answered=polls,
                    polls_total=3,
                )
            )
        uow.session.add(
            WalkIn(
                workspace_id=WS,
                session_id=session_id,
                name="=Walter Walk-in",
                email="walter@elsewhere.test",
                minutes=40,
            )
        )
        await uow.commit()
    return session_id


async def ephemeral(stack: Stack, text: str, user: str) -> dict[str, Any]:
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.slash(text, user_id=user, team_id=WS)
    assert response.status_code == 200, response.text
    calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
    return dict(calls[before].args)


def shown(reply: dict[str, Any]) -> str:
    blocks = reply.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return json.dumps(blocks, ensure_ascii=False)


def uploaded_csv(stack: Stack, user: str) -> list[list[str]]:
    """The one roster file in the user's DM, read as a spreadsheet would."""
    (dm,) = [
        channel
        for channel in stack.standin.channels.values()
        if channel.is_im and channel.user == user and channel.team_id == WS
    ]
    files = [f for f in stack.standin.files.values() if dm.id in f.channels]
    assert len(files) == 1, files
    assert files[0].completed and files[0].filename.endswith("-roster.csv")
    return list(csv.reader(io.StringIO(files[0].text)))


async def test_admin_sees_the_report_ephemerally(stack: Stack) -> None:
    session_id = await finished_session(stack)
    reply = await ephemeral(stack, f"report #{session_id}", BOSS)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(
        f"Completion report for Negotiation (session #{session_id}): 1 of 3 complete (33%)"
    )
    blocks = shown(reply)
    assert "*1 of 3 complete (33%)*" in blocks
    assert "• Ann Admin — answered 1 of 3 polls" in blocks
    assert "&lt;!channel&gt; Dee &amp; *Co*" in blocks and "<!channel>" not in blocks
    assert "• =Walter Walk-in · 40 min" in blocks
    assert "The latest sync could not read GoTo: GoTo answered 503" in blocks
    assert "more syncs to come." in blocks
    assert f'"action_id": "{REPORT_CSV_ACTION}"' in blocks


async def test_instructor_sees_the_report_and_a_learner_is_refused(stack: Stack) -> None:
    session_id = await finished_session(stack)
    reply = await ephemeral(stack, f"report {session_id}", CLAIRE)
    assert "*1 of 3 complete (33%)*" in shown(reply)
    refused = await ephemeral(stack, f"report {session_id}", BEN)
    assert refused["text"].startswith(":no_entry: `/vilt report` is for instructors and admins.")
    assert "1 of 3" not in json.dumps(refused)


async def test_an_instructor_of_another_session_is_refused(stack: Stack) -> None:
    session_id = await finished_session(stack)
    await stack.command(f"team add <@{ANN}> instructor")
    refused = await ephemeral(stack, f"report {session_id}", ANN)
    assert refused["text"] == (
        ":warning: Only admins of team *Sales* and the session's instructor can ask for "
        f"the report of session `#{session_id}` or download its roster."
    )


async def test_unknown_session_and_bad_arguments(stack: Stack) -> None:
    await finished_session(stack)
    missing = await ephemeral(stack, "report #999999", BOSS)
    assert missing["text"].startswith(
        ":warning: There is no session `#999999` whose report is open to you."
    )
    bad = await ephemeral(stack, "report 12 pdf", BOSS)
    assert bad["text"] == (
        ":warning: Usage: `/vilt report <number> [csv]`; `/vilt sessions` shows the numbers."
    )
    word = await ephemeral(stack, "report twelve", BOSS)
    assert word["text"].startswith(":warning: There is no session `twelve`")
    assert stack.standin.files == {}


async def test_csv_goes_to_a_dm_with_the_asker(stack: Stack) -> None:
    session_id = await finished_session(stack)
    reply = await ephemeral(stack, f"report #{session_id} CSV", CLAIRE)
    assert reply["text"] == (
        f":white_check_mark: The roster of *Negotiation* (session `#{session_id}`) is in your "
        "direct messages with viltbot, as a CSV file."
    )
    rows = uploaded_csv(stack, CLAIRE)
    assert rows[0][:4] == ["name", "email", "slack_user_id", "status"]
    assert rows[1:] == [
        [HOSTILE, "u0dee00001@acme.test", "U0DEE00001", "not_attended", "0", "0", "3", "yes"],
        ["Ann Admin", "u0ann00001@acme.test", ANN, "in_progress", "90", "1", "3", "yes"],
        ["Ben Learner", "u0ben00001@acme.test", BEN, "complete", "115", "3", "3", "yes"],
        ["'=Walter Walk-in", "walter@elsewhere.test", "", "walk_in", "40", "", "", "no"],
    ]
    (upload,) = stack.standin.calls_to("files.completeUploadExternal")
    assert "The roster of *Negotiation*" in str(upload.args.get("initial_comment"))


async def test_the_button_sends_the_csv_to_whoever_may_click_it(stack: Stack) -> None:
    session_id = await finished_session(stack)
    reply = await ephemeral(stack, f"report {session_id}", BOSS)
    blocks = reply["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks

    async def click(user: str) -> str:
        before = len(stack.standin.calls_to("response_url"))
        response = await stack.slack.block_action(
            REPORT_CSV_ACTION,
            user_id=user,
            team_id=WS,
            message={"blocks": blocks},
            value=str(session_id),
            channel_id=TRAINING,
        )
        assert response.status_code == 200
        calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
        answer = calls[before].args
        assert answer["response_type"] == "ephemeral"
        return str(answer["text"])

    assert (await click(BEN)).startswith(
        f":warning: Only admins of team *Sales* and the session's instructor can ask for "
        f"the report of session `#{session_id}` or download its roster."
    )
    assert stack.standin.files == {}
    assert "is in your direct messages with viltbot" in await click(BOSS)
    rows = uploaded_csv(stack, BOSS)
    assert [row[0] for row in rows[1:]] == [HOSTILE, "Ann Admin", "Ben Learner", "'=Walter Walk-in"]


async def test_help_lists_report_for_admins_and_instructors_only(stack: Stack) -> None:
    await finished_session(stack)
    assert "`/vilt report <number> [csv]`" in await stack.command("help", user=CLAIRE)
    assert "/vilt report" not in await stack.command("help", user=BEN)


async def test_home_shows_recent_results_to_team_admins(stack: Stack) -> None:
    session_id = await finished_session(stack)
    boss = await home_view_of(stack, BOSS)
    texts = sections(boss)
    heading = texts.index("*Recent results*")
    result = texts[heading + 1].split("\n")
    assert result[0].startswith(f"*Negotiation* · session `#{session_id}` · ended <!date^")
    assert result[1] == "1 of 3 complete (33%) · 1 in progress · 1 not attended · syncing"
    assert (
        result[2]
        == ":warning: The latest sync could not read GoTo: GoTo answered 503 Service Unavailable"
    )
    buttons = [b["accessory"] for b in boss["blocks"] if "accessory" in b]
    assert {"action_id": REPORT_CSV_ACTION, "value": str(session_id)}.items() <= buttons[-1].items()
    ben = await home_view_of(stack, BEN)
    assert "*Recent results*" not in sections(ben)


async def test_a_long_report_shows_its_first_part_and_points_to_the_csv(stack: Stack) -> None:
    session_id = await finished_session(stack)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for n in range(600):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=f"U0MANY{n:04d}",
                    name=f"Many {n:04d}",
                    email=f"many{n:04d}@acme.test",
                    status=EnrollmentStatus.COMPLETE,
                    attended_minutes=100,
                )
            )
        await uow.commit()
    reply = await ephemeral(stack, f"report {session_id}", BOSS)
    blocks = reply["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert len(blocks) <= 50
    assert "*601 of 603 complete (100%)*" in shown(reply)
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"] == (
        "The roster goes on beyond this message: the CSV has all of it "
        f"(the button, or `/vilt report #{session_id} csv`)."
    )
    assert "Many 0599" not in shown(reply)


async def test_a_report_asked_for_before_the_end_says_so(stack: Stack) -> None:
    from datetime import timedelta

    from domain.types import utcnow

    session_id = await finished_session(stack)
    stack.runtime.clock = lambda: utcnow() - timedelta(days=30)
    said = await ephemeral(stack, f"report {session_id}", BOSS)
    assert f"(session `#{session_id}`) has not ended yet" in said["text"]
    assert "its report fills in once GoTo's attendance is read" in said["text"]
