"""The console over plain HTTP: commands as seeded people, the feed, the outbox notice."""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from sandbox.console import SandboxConsole
from sandbox.console.workspace import GENERAL, TRAINING, slack_escape
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN
from tests.sandbox_console.conftest import Sandbox

LEA = "U0SANDLEA1"


async def send(http: httpx.AsyncClient, user: str, text: str, channel: str = GENERAL) -> str:
    """Type `/vilt <text>` as `user`; return the page the console shows afterwards."""
    response = await http.post(
        "/sandbox/command", data={"user": user, "channel": channel, "text": text}
    )
    assert response.status_code == 200
    assert str(response.url.path) == "/sandbox"
    return response.text


def visible(page: str) -> str:
    """The page's text as read: inline tags dropped, other tags as spaces, whitespace collapsed."""
    text = re.sub(r"</?(?:strong|em|del|code|span|a)\b[^>]*>", "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


async def test_the_page_renders_people_places_composer_and_the_tour(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    response = await http.get("/sandbox")
    assert response.status_code == 200
    page = response.text
    for name in ("Ada Admin", "Ian Instructor", "Lea Learner", "Leo Learner"):
        assert name in page
    # The sidebar: the app's Home, the channels Ada may read and her DM with the bot.
    shown = visible(page)
    assert "viltbot · Home" in shown and "general" in shown and "training" in shown
    assert "leadership" not in shown  # private, and Ada is not in it
    assert re.search(r'data-place="D[0-9A-Z]+"', page)
    assert 'id="command-text" name="text" value="help"' in page
    assert "This is the very beginning of #general" in shown
    # The tour starts at its first step, with the command it fills in.
    assert "Tour: the whole story in a minute 0/10" in shown
    assert 'data-fill="team new Sales #training"' in page
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    secret = sandbox.runtime.settings.slack_signing_secret
    assert secret is not None and secret.get_secret_value() not in page
    assert SANDBOX_BOT_TOKEN not in page


async def test_typed_channels_and_people_become_slack_escapes(sandbox: Sandbox) -> None:
    console: SandboxConsole = sandbox.console
    assert slack_escape(console.standin, "team new Sales #training") == (
        f"team new Sales <#{TRAINING}|training>"
    )
    assert slack_escape(console.standin, "team add @Lea learner") == f"team add <@{LEA}> learner"
    # Already escaped links stay; other angle brackets and ampersands are escaped like Slack does.
    assert slack_escape(console.standin, f"x <#{TRAINING}|training> a<b & @nobody #nowhere") == (
        f"x <#{TRAINING}|training> a&lt;b &amp; @nobody #nowhere"
    )


async def test_team_new_confirms_in_the_feed_and_the_notice_reaches_training(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    page = visible(await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>"))
    assert "Team Sales created; reports go to #training" in page
    # Answered in place, in the channel where it was typed, for Ada's eyes only.
    assert "#general" in page and "Only visible to you" in page

    # The notice goes through the outbox; the sandbox scheduler delivers it within seconds.
    deadline = time.monotonic() + 8
    while "now receives viltbot reports" not in page:
        assert time.monotonic() < deadline, "the #training notice never arrived"
        await asyncio.sleep(0.3)
        page = visible(
            (await http.get("/sandbox", params={"user": SANDBOX_ADMIN, "channel": TRAINING})).text
        )
    assert (
        "This channel (#training) now receives viltbot reports and warnings "
        "for team Sales, created by @Ada Admin." in page
    )

    # Typed the way a person types it: the console sends Slack's escaped mention.
    page = visible(await send(http, SANDBOX_ADMIN, "team add @Lea learner"))
    assert "@Lea Learner added to Sales as learner." in page

    # Lea sees her own feed, not Ada's replies, and can ask for help.
    page = visible(await send(http, LEA, "help"))
    assert "viltbot commands you can use:" in page
    assert "Team Sales created" not in page


async def test_the_home_tab_is_published_when_the_page_opens(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    newcomer = visible((await http.get("/sandbox", params={"user": LEA, "channel": "home"})).text)
    assert "You are not in any viltbot team yet" in newcomer
    await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>")
    admin = visible(
        (await http.get("/sandbox", params={"user": SANDBOX_ADMIN, "channel": "home"})).text
    )
    assert "Active team: Sales (you are admin)" in admin


async def test_the_learners_read_training_so_a_whole_channel_can_be_registered(
    sandbox: Sandbox,
) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{sandbox.console.standin.base_url}conversations.members",
            headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
            data={"channel": TRAINING},
        )
    assert answer.json()["members"] == ["U0SANDLEA1", "U0SANDLEO1"]
