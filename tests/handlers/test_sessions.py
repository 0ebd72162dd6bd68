"""`/vilt sessions`, `/vilt session list` and `/vilt session show` over signed HTTP (rule 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db.uow import SqlUnitOfWork
from domain.models import Enrollment, EnrollmentStatus, LocationKind
from sandbox.slack.blockkit import check_blocks
from tests.domain.fakes import FakeGoToEvents
from tests.e2e.conftest import ANN, BEN, CLAIRE, TRAINING, WS, Stack
from tests.handlers.sessions_data import MONDAY, deactivate, place, schedule
from tests.handlers.snapshots import assert_snapshot

HOSTILE = "Deals <!channel> & <@U0BEN00001>"
HOSTILE_SHOWN = "Deals &lt;!channel&gt; &amp; &lt;@U0BEN00001&gt;"


async def reply(stack: Stack, text: str, user: str) -> dict[str, Any]:
    """The whole ephemeral answer (text and blocks) to `/vilt text`."""
    await stack.command(text, user=user)
    answer = dict(stack.standin.calls_to("response_url")[-1].args)
    if answer.get("blocks"):
        assert check_blocks(answer["blocks"]) == []
    return answer


class Schedule:
    """Support (ANN learns there) and Sales (BEN learns, CLAIRE teaches), BOSS administers both.

    Sales' sessions: a hostile title in a room with a hostile name, a webinar, one at a room
    that is later switched off; Support's: one at a room only Support may use.
    """

    support_only: int
    room: int
    webinar: int
    switched_off: int
    in_room_later: int


async def build(stack: Stack) -> Schedule:
    s = Schedule()
    await stack.command(f"team new Support <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command("element new First aid")
    support_room = await place(stack, "Support corner", available_to=["Support"])
    s.support_only = await schedule(stack, "First aid", support_room, CLAIRE)
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command(f"element new {HOSTILE}")
    await stack.command("element new Negotiation")
    room = await place(
        stack,
        "Room <b> & co",
        available_to=["Sales"],
        description="Ground floor #onsite",
        max_learners="30",
    )
    goto = FakeGoToEvents()
    webinar_room = await place(
        stack,
        "Webinar Room",
        available_to=["Sales", "Support"],
        kind=LocationKind.GOTOWEBINAR,
        organizer_key="ORG-W",
    )
    goto.add("ORG-W", "1234567890", starts_at=MONDAY, ends_at=MONDAY + timedelta(hours=2))
    old_room = await place(stack, "Old room", available_to=["Sales"])
    s.room = await schedule(stack, HOSTILE, room, CLAIRE, max_learners="12")
    s.webinar = await schedule(
        stack,
        "Negotiation",
        webinar_room,
        CLAIRE,
        starts_at=MONDAY + timedelta(days=1),
        goto=goto,
        goto_event="1234567890",
    )
    s.switched_off = await schedule(
        stack, "Negotiation", old_room, CLAIRE, starts_at=MONDAY + timedelta(days=2)
    )
    s.in_room_later = await schedule(
        stack, "Negotiation", room, CLAIRE, starts_at=MONDAY + timedelta(days=7), hours=30
    )
    await deactivate(stack, old_room)
    return s


def titles(answer: dict[str, Any]) -> list[str]:
    """The first line of each session's section."""
    return [b["text"]["text"].split("\n")[0] for b in answer["blocks"][1::2]]


async def test_learners_see_the_upcoming_sessions_of_active_locations_open_to_their_teams(
    stack: Stack,
) -> None:
    s = await build(stack)
    ben = await reply(stack, "sessions", BEN)
    assert ben["text"] == "*3 upcoming sessions*"
    assert titles(ben) == [
        f"*{HOSTILE_SHOWN}* · session `#{s.room}`",
        f"*Negotiation* · session `#{s.webinar}`",
        f"*Negotiation* · session `#{s.in_room_later}`",
    ]
    assert_snapshot("sessions-learner", ben["blocks"])
    # Support's learner sees the webinar (open to Support too), not Sales' rooms.
    ann = await reply(stack, "sessions", ANN)
    assert titles(ann) == [
        f"*First aid* · session `#{s.support_only}`",
        f"*Negotiation* · session `#{s.webinar}`",
    ]


async def test_the_list_can_be_searched_and_says_when_nothing_matches(stack: Stack) -> None:
    s = await build(stack)
    assert titles(await reply(stack, "sessions #onsite", BEN)) == [
        f"*{HOSTILE_SHOWN}* · session `#{s.room}`",
        f"*Negotiation* · session `#{s.in_room_later}`",
    ]
    assert titles(await reply(stack, "sessions webinar", BEN)) == [
        f"*Negotiation* · session `#{s.webinar}`"
    ]
    assert await stack.command("sessions <b>", user=ANN) == (
        "No upcoming sessions matching `&lt;b&gt;`."
    )


async def test_admins_list_their_teams_sessions_with_status_also_at_inactive_locations(
    stack: Stack,
) -> None:
    s = await build(stack)
    boss = await reply(stack, "session list", "U0BOSS0001")
    assert boss["text"] == "*4 upcoming sessions* of team *Sales*"
    # Bold ends before the team's name is bolded: never bold inside bold.
    assert boss["blocks"][0]["text"]["text"] == "*4 upcoming sessions* of team *Sales*"
    assert titles(boss) == [
        f"*{HOSTILE_SHOWN}* · session `#{s.room}`",
        f"*Negotiation* · session `#{s.webinar}`",
        f"*Negotiation* · session `#{s.switched_off}`",
        f"*Negotiation* · session `#{s.in_room_later}`",
    ]
    switched_off = boss["blocks"][5]["text"]["text"]
    assert "*Old room* · Classroom (inactive)" in switched_off
    assert switched_off.endswith("Status: scheduled · 0 registered")
    assert boss["blocks"][1]["text"]["text"].endswith("Status: scheduled · 0 registered of 12")
    assert await stack.command("session list #onsite") == (
        ":warning: Usage: `/vilt session list` (search with `/vilt sessions [#tag|text]`)"
    )
    assert (await stack.command("session list", user=BEN)).startswith(
        ":no_entry: `/vilt session list` is for team admins. "
    )


async def test_a_session_shows_every_field_and_times_in_each_readers_zone(stack: Stack) -> None:
    s = await build(stack)
    webinar = await reply(stack, f"session show #{s.webinar}", BEN)
    assert_snapshot("session-show-webinar", webinar["blocks"])
    start = int((MONDAY + timedelta(days=1)).timestamp())
    shown = webinar["blocks"][0]["text"]["text"]
    assert f"When: <!date^{start}^{{date_short_pretty}} {{time}}|2031-03-04 09:00 UTC>" in shown
    assert f"<@{CLAIRE}>" in shown
    assert "GoTo: GoToWebinar `1234567890`" in shown
    room = await reply(stack, f"session show {s.room}", BEN)
    text = room["blocks"][0]["text"]["text"]
    assert text.startswith(f"*{HOSTILE_SHOWN}* · session `#{s.room}` · team *Sales*")
    assert "Location: *Room &lt;b&gt; &amp; co* · Classroom" in text
    assert "Max learners: 12 (the location takes 30)" in text
    assert "GoTo" not in text
    # Longer than half a day: the end shows its date too.
    later = await reply(stack, f"session show {s.in_room_later}", BEN)
    end = int((MONDAY + timedelta(days=8, hours=6)).timestamp())
    assert (
        f"<!date^{end}^{{date_short_pretty}} {{time}}|2031-03-11 15:00 UTC>"
        in (later["blocks"][0]["text"]["text"])
    )


async def test_sessions_a_learner_may_not_see_are_no_such_session(stack: Stack) -> None:
    s = await build(stack)
    hidden = [s.support_only, s.switched_off, 999, 12345678901234567890]
    for number in hidden:
        assert await stack.command(f"session show {number}", user=BEN) == (
            f":warning: There is no session `{number}` open to your teams. "
            "`/vilt sessions` lists the ones you can see, with their numbers."
        )
    assert await stack.command("session show <!here>", user=BEN) == (
        ":warning: There is no session `&lt;!here&gt;` open to your teams. "
        "`/vilt sessions` lists the ones you can see, with their numbers."
    )
    assert await stack.command("session show", user=BEN) == (
        ":warning: Usage: `/vilt session show <number>`; `/vilt sessions` shows the numbers."
    )
    # The admin of Sales still sees the one at the switched-off room.
    boss = await reply(stack, f"session show {s.switched_off}", "U0BOSS0001")
    assert boss["text"] == f"Negotiation (session #{s.switched_off})"
    assert "Location: *Old room* · Classroom (inactive)" in boss["blocks"][0]["text"]["text"]


async def test_a_long_schedule_shows_a_page_of_20(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    for day in range(23):
        await schedule(stack, "Negotiation", room, ANN, starts_at=MONDAY + timedelta(days=day))
    ben = await reply(stack, "sessions", BEN)
    assert ben["text"] == (
        "*23 upcoming sessions*\n…and 3 more; narrow the list with a #tag or text."
    )
    assert len(ben["blocks"]) == 1 + 2 * 20
    boss = await reply(stack, "session list", "U0BOSS0001")
    assert boss["text"] == (
        "*23 upcoming sessions* of team *Sales*\n…and 3 more; the soonest are shown."
    )


async def test_without_sessions_everyone_is_told_so(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    assert await stack.command("sessions", user=BEN) == "No upcoming sessions."
    assert await stack.command("session list") == ("Team *Sales* has no upcoming sessions.")


async def test_learners_see_their_own_registrations_instead_of_a_register_button(
    stack: Stack,
) -> None:
    s = await build(stack)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for session_id, status, link in (
            (s.room, EnrollmentStatus.REGISTERED, None),
            (s.webinar, EnrollmentStatus.REGISTERED, "https://goto.test/join/<9>"),
            (s.in_room_later, EnrollmentStatus.PENDING, None),
            (s.support_only, EnrollmentStatus.CANCELLED, None),
        ):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=BEN,
                    status=status,
                    join_url=link,
                )
            )
        await uow.commit()
    ben = await reply(stack, "sessions", BEN)
    sections = {b["text"]["text"].split("\n")[0]: b for b in ben["blocks"][1::2]}
    room = sections[f"*{HOSTILE_SHOWN}* · session `#{s.room}`"]
    webinar = sections[f"*Negotiation* · session `#{s.webinar}`"]
    later = sections[f"*Negotiation* · session `#{s.in_room_later}`"]
    assert [b["text"]["text"].split("\n")[-1] for b in (room, webinar, later)] == [
        ":white_check_mark: You are registered",
        ":white_check_mark: You are registered · <https://goto.test/join/&lt;9&gt;|join link>",
        ":hourglass_flowing_sand: Your registration is queued; I tell you when GoTo has it",
    ]
    assert [b.get("accessory") for b in (room, webinar, later)] == [None, None, None]
    # A cancelled registration, or someone else's, leaves the button.
    ann = await reply(stack, "sessions", ANN)
    assert all(b["accessory"]["text"]["text"] == "Register" for b in ann["blocks"][1::2])
    # The instructor is told they teach a session rather than offered to register.
    claire = await reply(stack, "sessions", CLAIRE)
    taught = [b for b in claire["blocks"][1::2] if "accessory" not in b]
    assert taught and all(b["text"]["text"].endswith("\nYou teach this session") for b in taught)
