"""Duplicates sent at the same moment: the unique key that stops one is answered as a conflict."""

from __future__ import annotations

import asyncio
from collections import Counter

from domain.models import Location, Membership, Team
from tests.e2e.conftest import BEN, BOSS, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, open_modal, webinar_values

CREATED = (
    f":white_check_mark: Team *Dup* created; reports go to <#{TRAINING}>. You are its admin and "
    "it is now your active team. Add people with `/vilt team add @user admin|instructor|learner`."
)
TAKEN = ":warning: A team called *Dup* already exists. Pick another name."


async def test_ten_identical_team_commands_at_once_make_one_team_and_nine_conflicts(
    stack: Stack,
) -> None:
    await stack.command("help")  # the workspace is known, as it is once the bot is in use
    before = len(stack.standin.calls_to("response_url"))
    responses = await asyncio.gather(
        *(
            stack.slack.slash(f"team new Dup <#{TRAINING}|training>", user_id=BOSS, team_id=WS)
            for _ in range(10)
        )
    )
    assert [r.status_code for r in responses] == [200] * 10
    replies = await stack.standin.wait_for("response_url", count=before + 10, timeout=30)
    assert Counter(str(c.args.get("text")) for c in replies[before:]) == {CREATED: 1, TAKEN: 9}
    assert [t.name for t in await stack.rows(Team)] == ["Dup"]
    # Sent one after the other, the answer is the same.
    assert await stack.command(f"team new dup <#{TRAINING}|training>") == (
        ":warning: A team called *dup* already exists. Pick another name."
    )


async def test_five_identical_location_submissions_at_once_make_one_location(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    views = [await open_modal(stack) for _ in range(5)]
    values = webinar_values([teams["Sales"]], kind="classroom", name="Oslo Room")
    responses = await asyncio.gather(
        *(
            stack.slack.view_submission(
                view, values, user_id=BOSS, team_id=WS, check_required=False
            )
            for view in views
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 5
    answers = Counter(r.text.strip() for r in responses)
    taken = (
        '{"response_action": "errors", "errors": '
        '{"name": "Another location of the owner team has this name."}}'
    )
    assert answers == {"": 1, taken: 4}, answers
    assert [loc.name for loc in await stack.rows(Location)] == ["Oslo Room"]


async def test_one_admin_creating_several_teams_at_once_gets_each_of_them(stack: Stack) -> None:
    await stack.command("help")
    before = len(stack.standin.calls_to("response_url"))
    names = [f"Crew {i}" for i in range(6)]
    responses = await asyncio.gather(
        *(
            stack.slack.slash(f"team new {name} <#{TRAINING}|training>", user_id=BOSS, team_id=WS)
            for name in names
        )
    )
    assert [r.status_code for r in responses] == [200] * 6
    replies = await stack.standin.wait_for("response_url", count=before + 6, timeout=30)
    texts = [str(c.args.get("text")) for c in replies[before:]]
    assert all(t.startswith(":white_check_mark: Team *Crew ") for t in texts), texts
    assert sorted(t.name for t in await stack.rows(Team)) == names
    # Each became the active team in turn; the last one saved is active now.
    assert (await stack.command("team list")).count(":large_green_circle: active") == 1


async def test_the_same_person_added_five_times_at_once_is_added_once(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    before = len(stack.standin.calls_to("response_url"))
    responses = await asyncio.gather(
        *(
            stack.slack.slash(f"team add <@{BEN}> learner", user_id=BOSS, team_id=WS)
            for _ in range(5)
        )
    )
    assert [r.status_code for r in responses] == [200] * 5
    replies = await stack.standin.wait_for("response_url", count=before + 5, timeout=30)
    assert Counter(str(c.args.get("text")) for c in replies[before:]) == {
        f":white_check_mark: <@{BEN}> added to *Sales* as learner.": 1,
        f":warning: <@{BEN}> is already a learner of team *Sales*.": 4,
    }
    assert sorted((m.user_id, m.role) for m in await stack.rows(Membership)) == [
        (BEN, "learner"),
        (BOSS, "admin"),
    ]
