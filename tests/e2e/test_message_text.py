"""Text people typed reaches Slack as text: no mention, no channel ping, no disguised link.

Every name, URL and description is escaped where the message is built, and the messages the bot
writes itself (hints, next steps) name real things instead of placeholders.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from domain.models import Notice, Team
from tests.e2e.conftest import ANN, BOSS, TRAINING, WS, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    choose_kind,
    consent,
    create_goto_location,
    link_url_in,
    open_modal,
    submit,
    webinar_values,
)

HOSTILE_NAME = "<!channel> Room <http://evil.example|re-auth> <@U0BOSS0001>"
HOSTILE_SHOWN = "*&lt;!channel&gt; Room &lt;http://evil.example|re-auth&gt; &lt;@U0BOSS0001&gt;*"


@pytest.fixture
async def browser_http():
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


def assert_inert(text: str) -> None:
    """No channel ping, no link to the attacker's host, no mention of the boss."""
    assert "<!channel>" not in text, text
    assert "<http://evil.example" not in text, text
    assert "<@U0BOSS0001>" not in text, text


async def posted_to(stack: Stack, channel: str) -> list[str]:
    """Deliver the notices due and return what was posted to `channel`."""
    await stack.runtime.outbox.deliver_due()
    return [
        json.dumps(c.args)
        for c in stack.standin.calls_to("chat.postMessage")
        if c.args["channel"] == channel
    ]


def last_blocks(stack: Stack) -> Any:
    return stack.standin.calls_to("response_url")[-1].args.get("blocks")


async def test_a_hostile_location_name_is_posted_as_text_when_linked(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> admin")
    sales = (await stack.rows(Team))[0].id
    await stack.runtime.outbox.deliver_due()  # the team's own notices name the boss, rightly
    start = len(stack.standin.calls)
    # Ann, an admin of Sales, creates and links the location; the boss is only named in it.
    view = await choose_kind(stack, await open_modal(stack, user=ANN), "gotowebinar")
    before = len(stack.standin.calls_to("response_url"))
    values = webinar_values([sales], name=HOSTILE_NAME)
    assert await submit(stack, view, values, user=ANN) == {}
    (link_reply,) = (await stack.standin.wait_for("response_url", count=before + 1))[before:]
    landing = await consent(browser_http, link_url_in(link_reply.args["blocks"]))
    assert "Location has been linked correctly" in landing.text

    (notice,) = [n for n in await stack.rows(Notice) if n.kind == "location_linked"]
    assert_inert(notice.text)
    assert notice.text.startswith(f":link: <@{ANN}> linked location {HOSTILE_SHOWN} to the ")
    (posted,) = [p for p in await posted_to(stack, TRAINING) if "linked location" in p]
    assert "&lt;!channel&gt; Room &lt;http://evil.example|re-auth&gt;" in posted
    # Nothing the bot sent anywhere (replies, the replaced link message, the DM) pings or links.
    for call in stack.standin.calls[start:]:
        assert_inert(json.dumps(call.args))


async def test_a_hostile_team_name_is_shown_as_text(stack: Stack) -> None:
    reply = await stack.command(f"team new Eng <!channel> *ping* <#{TRAINING}|training>")
    assert reply.startswith(":white_check_mark: Team *Eng &lt;!channel&gt; *ping** created;")
    assert "<!channel>" not in reply
    await stack.command(f"team add <@{ANN}> learner")
    (created,) = await posted_to(stack, TRAINING)
    assert "team *Eng &lt;!channel&gt; *ping**, created by <@U0BOSS0001>" in created
    assert "<!channel>" not in created
    (welcome,) = await posted_to(stack, ANN)
    assert "viltbot team *Eng &lt;!channel&gt; *ping** as learner" in welcome
    assert "<!channel>" not in welcome
    listed = await stack.command("team list")
    assert "• *Eng &lt;!channel&gt; *ping**" in listed and "<!channel>" not in listed


async def test_names_in_error_messages_are_shown_as_text(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert await stack.command("team use <!channel> & co") == (
        ":warning: There is no team called *&lt;!channel&gt; &amp; co* here. "
        "`/vilt team list` shows the teams."
    )
    assert await stack.command("location show <http://evil.example|x>") == (
        ":warning: There is no location called *&lt;http://evil.example|x&gt;*. "
        "`/vilt location list` shows them."
    )
    assert await stack.command("location list <!here>") == "No locations matching `&lt;!here&gt;`."
    assert await stack.command("team frob <!channel>") == (
        "I don't know `/vilt team frob`. Try:\n"
        "• `/vilt team new <name> #channel` — create a team and its report channel\n"
        "• `/vilt team list` — every team in this workspace\n"
        "• `/vilt team use <name>` — switch your active team\n"
        "• `/vilt team add @user admin|instructor|learner` — add someone to your active team\n"
        "• `/vilt team remove @user` — remove someone from your active team"
    )
    unknown = await stack.command("<!everyone> now")
    assert unknown.startswith("I don't know `/vilt &lt;!everyone&gt;`.")


async def test_an_information_url_is_a_link_that_cannot_break_out(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    for name, url in (
        ("Oslo Room", "https://ok.example/a><!channel>"),
        ("Bergen Room", "https://example.com/bergen?floor=3&wing=b"),
    ):
        view = await open_modal(stack)
        values = webinar_values([teams["Sales"]], kind="classroom", name=name, information_url=url)
        before = len(stack.standin.calls_to("response_url"))
        assert await submit(stack, view, values) == {}
        await stack.standin.wait_for("response_url", count=before + 1)

    await stack.command("location show Oslo Room")
    shown = json.dumps(last_blocks(stack))
    assert "<!channel>" not in shown
    safe = "https://ok.example/a&gt;&lt;!channel&gt;"
    assert f"Information: <{safe}|{safe}>" in shown
    await stack.command("location show Bergen Room")
    bergen = "https://example.com/bergen?floor=3&amp;wing=b"
    assert f"Information: <{bergen}|{bergen}>" in json.dumps(last_blocks(stack))


async def test_a_refused_consumer_secret_names_the_location_to_edit(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    link = await create_goto_location(
        stack, teams, name="R&D <Lab>", consumer_secret="not-the-secret"
    )
    landing = await consent(browser_http, link)
    assert landing.status_code == 400
    assert "<code>/vilt location edit R&amp;D &lt;Lab&gt;</code>" in landing.text
    assert "&lt;name&gt;" not in landing.text and "&amp;amp;" not in landing.text


async def test_a_denied_link_names_the_location_as_typed(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    link = await create_goto_location(stack, teams, name="R&D <Lab>")
    landing = await consent(browser_http, link, decision="deny")
    assert landing.status_code == 403
    assert "so <strong>R&amp;D &lt;Lab&gt;</strong> is not linked" in landing.text


async def test_names_with_invisible_characters_are_compared_and_shown_clean(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team new Support <#{TRAINING}|training>")
    assert await stack.command("team use Sales\u200b") == (
        "Your active team is now *Sales* (you are admin)."
    )
    assert await stack.command("team new Sa\u200bles\u202e <#C0TRAINING|training>") == (
        ":warning: A team called *Sales* already exists. Pick another name."
    )
    assert await stack.command("team use Nobody\u200b\u202e") == (
        ":warning: There is no team called *Nobody* here. `/vilt team list` shows the teams."
    )
    assert await stack.command("location show Nowhere\u2066\u200d") == (
        ":warning: There is no location called *Nowhere*. `/vilt location list` shows them."
    )


async def test_bare_team_answers_with_the_team_commands(stack: Stack) -> None:
    assert await stack.command("team") == (
        "*`/vilt team` commands you can use:*\n"
        "• `/vilt team new <name> #channel` — create a team and its report channel\n"
        "• `/vilt team list` — every team in this workspace\n"
        "• `/vilt team use <name>` — switch your active team"
    )
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> learner")
    assert await stack.command("team", user=ANN) == (
        "*`/vilt team` commands you can use:*\n"
        "• `/vilt team list` — the teams you are in\n"
        "• `/vilt team use <name>` — switch your active team"
    )


async def test_the_first_admin_is_told_to_create_a_team_not_to_ask_herself(stack: Stack) -> None:
    helped = await stack.command("help")
    assert helped.endswith(
        "\n\nYou are a viltbot admin and not in any team yet. Create your first team with "
        "`/vilt team new <name> #channel`: you become its admin, and then add people with "
        "`/vilt team add @person admin|instructor|learner`."
    )
    response = await stack.slack.app_home_opened(BOSS, WS)
    assert response.status_code == 200
    (published,) = await stack.standin.wait_for("views.publish")
    home = json.dumps(published.args["view"])
    assert "Create your first team with" in home
    assert "Ask " not in home and f"<@{BOSS}>" not in home
