"""Teams and roles end to end: signed slash commands → rows → Slack calls."""

from __future__ import annotations

from domain.models import Membership, Notice, Team, Workspace
from tests.e2e.conftest import (
    ANN,
    ARCHIVED,
    BEN,
    BOSS,
    CLAIRE,
    GHOST,
    OTHER_WS,
    OUTSIDE,
    ROBOT,
    SECRET_ROOM,
    TRAINING,
    WS,
    Stack,
)


async def test_help_lists_only_what_the_caller_may_use(stack: Stack) -> None:
    admin_help = await stack.command("help", user=BOSS)
    assert "• `/vilt team new" in admin_help
    newcomer = await stack.command("help", user=BEN)
    assert "• `/vilt help`" in newcomer
    assert "• `/vilt team new" not in newcomer and "• `/vilt team add" not in newcomer
    assert (
        f"Ask a team admin or a viltbot admin (<@{BOSS}>) to add you: they type "
        f"`/vilt team add`, mention you (<@{BEN}>) and a role, e.g. `learner`."
    ) in newcomer


async def test_admin_builds_a_team_and_everyone_sees_the_result(stack: Stack) -> None:
    reply = await stack.command(f"team new Sales Academy <#{TRAINING}|training>")
    assert "Team *Sales Academy* created" in reply and f"<#{TRAINING}>" in reply
    (team,) = await stack.rows(Team)
    assert (team.name, team.channel_id, team.workspace_id) == ("Sales Academy", TRAINING, WS)
    assert "conversations.info" in [c.method for c in stack.standin.calls]

    assert "added to *Sales Academy* as admin" in await stack.command(
        f"team add <@{ANN}|ann> admin"
    )
    assert "as learner" in await stack.command(f"team add <@{BEN}> learner")
    assert "as instructor" in await stack.command(f"team add <@{CLAIRE}> instructor")
    assert "now learner" in await stack.command(f"team add <@{CLAIRE}> learner")
    listing = await stack.command("team list", user=BEN)
    assert (
        "*Sales Academy*" in listing
        and "4 members (2 admins)" in listing
        and "you: learner" in listing
    )

    # Ann (an admin) removes Ben; Ben then belongs to no team.
    assert "no longer in *Sales Academy*" in await stack.command(f"team remove <@{BEN}>", user=ANN)
    assert "is for team members" in await stack.command("team use Sales Academy", user=BEN)
    assert {m.user_id for m in await stack.rows(Membership)} == {BOSS, ANN, CLAIRE}

    # The outbox holds the channel welcome and the DMs; delivery posts each once.
    report = await stack.runtime.outbox.deliver_due()
    assert len(report.sent) == len(await stack.rows(Notice)) == 5
    posts = stack.standin.calls_to("chat.postMessage")
    assert posts[0].args["channel"] == TRAINING and "Sales Academy" in posts[0].args["text"]
    assert {c.args["channel"] for c in posts[1:]} == {ANN, BEN, CLAIRE}
    assert (await stack.runtime.outbox.deliver_due()).sent == []


async def test_active_team_switches_between_teams(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team new Support <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> learner")  # into the active team: Support
    assert "active team is now *Sales*" in await stack.command("team use sales")
    await stack.command(f"team add <@{ANN}> instructor")
    listing = await stack.command("team list", user=ANN)
    assert "*Sales*" in listing and "*Support*" in listing
    reply = await stack.command("team use Nope", user=ANN)
    assert "no team called *Nope*" in reply
    reply = await stack.command("team use Support", user=ANN)
    assert "active team is now *Support*" in reply


async def test_bad_input_answers_clearly_and_changes_nothing(stack: Stack) -> None:
    cases = {
        "frobnicate": "I don't know `/vilt frobnicate`",
        "team": "*`/vilt team` commands you can use:*\n• `/vilt team new <name> #channel`",
        "team new": "Usage: `/vilt team new <name> #channel`",
        "team new Sales": "Usage: `/vilt team new <name> #channel`",
        "team new Sales #training": "couldn't tell which channel `#training` is",
        f"team new Sales <#{SECRET_ROOM}|secret>": "invite me",
        f"team new Sales <#{ARCHIVED}|old-stuff>": "archived",
        "team add": "`/vilt team add` is for team admins",
    }
    for text, expected in cases.items():
        reply = await stack.command(text)
        assert expected in reply, (text, reply)
    assert await stack.count(Team) == 0
    # A public channel the bot is not in is joined, not refused.
    assert "created" in await stack.command(f"team new Sales <#{OUTSIDE}|outside>")
    role_cases = {
        "team add": "Usage: `/vilt team add @user admin|instructor|learner`",
        f"team add <@{ANN}> boss": "`boss` is not a role",
        f"team add <@{GHOST}> learner": "can't find <@U0GHOST001>",
        f"team add <@{ROBOT}> learner": "is a bot",
        "team add ann learner": "`ann` is not a person",
        f"team remove <@{ANN}>": "is not a member",
        f"team remove <@{BOSS}>": "last admin",
        f"team new Sales <#{TRAINING}|training>": "already exists",
    }
    for text, expected in role_cases.items():
        reply = await stack.command(text)
        assert expected in reply, (text, reply)
    assert await stack.count(Team) == 1 and await stack.count(Membership) == 1


async def test_roles_are_enforced(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    reply = await stack.command(f"team new Rogue <#{TRAINING}|training>", user=BEN)
    assert "is for viltbot's workspace admins" in reply
    reply = await stack.command(f"team add <@{ANN}> admin", user=BEN)
    assert "is for team admins" in reply
    assert await stack.count(Team) == 1 and await stack.count(Membership) == 2


async def test_workspaces_never_see_each_other(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    # The same Slack user id in another workspace is a different person with no teams.
    listing = await stack.command("team list", user=BOSS, team=OTHER_WS, channel_id="C0GLOBEX01")
    assert "Sales" not in listing
    reply = await stack.command("team use Sales", user=BOSS, team=OTHER_WS, channel_id="C0GLOBEX01")
    assert "no team called *Sales*" in reply
    assert {w.id for w in await stack.rows(Workspace)} == {WS, OTHER_WS}


async def test_forged_or_stale_signatures_get_401_and_change_nothing(stack: Stack) -> None:
    forged = await stack.slack.slash(
        f"team new X <#{TRAINING}|t>", user_id=BOSS, team_id=WS, forge=True
    )
    stale = await stack.slack.slash(
        f"team new Y <#{TRAINING}|t>", user_id=BOSS, team_id=WS, stale=True
    )
    assert forged.status_code == 401 and stale.status_code == 401
    assert await stack.count(Team) == 0 and await stack.count(Workspace) == 0
    assert stack.standin.calls_to("response_url") == []


async def test_unknown_errors_get_an_apology_with_a_request_id(stack: Stack, monkeypatch) -> None:
    from domain.services import teams

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire: password=hunter2")

    monkeypatch.setattr(teams, "list_teams", broken)
    reply = await stack.command("team list")
    assert "something went wrong on our side" in reply and "request id" in reply
    assert "hunter2" not in reply and "fire" not in reply


async def test_health_reports_database_and_scheduler(stack: Stack) -> None:
    response = await stack.slack.client.get(stack.base_url + "/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "scheduler": "stopped"}


async def test_names_are_taken_as_typed_although_slack_sends_entities(stack: Stack) -> None:
    # Slack sends `&`, `<` and `>` typed in a slash command as `&amp;`, `&lt;` and `&gt;`.
    await stack.command(f"team new R&amp;D &lt;EU&gt; <#{TRAINING}|training>")
    (team,) = await stack.rows(Team)
    assert team.name == "R&D <EU>"
    await stack.command(f"team new Support <#{TRAINING}|training>")
    reply = await stack.command("team use r&amp;d &lt;eu&gt;")
    assert "active team is now" in reply and "no team called" not in reply
