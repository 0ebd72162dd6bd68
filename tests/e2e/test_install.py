"""Multi-workspace install: Slack OAuth stores an encrypted installation; the installer may create teams."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from bot.bootstrap import build_runtime
from bot.server import create_web_app
from sandbox.serving import serve_in_loop
from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.e2e.conftest import (
    BOSS,
    OTHER_WS,
    SIGNING_SECRET,
    TRAINING,
    WEB_API_SPEC,
    WS,
    seed_slack,
    stack_settings,
)
from tests.harness.slack_client import SlackSender

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "slack-client-secret"
INSTALLER = "U0INSTALL1"
MEMBER = "U0MEMBER01"  # a plain member of the workspace, no viltbot role
GLOBEX_INSTALLER = "U0GLOBEXIN"


@pytest.fixture
async def multi(database_url: str) -> AsyncIterator[tuple[SlackStandIn, str, object]]:
    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    standin.add_user(WS, INSTALLER, "installer", "it@acme.test")
    standin.add_user(WS, MEMBER, "member", "member@acme.test")
    standin.add_user(OTHER_WS, GLOBEX_INSTALLER, "it", "it@globex.test")
    async with run_standin_server(standin) as slack_url:
        settings = stack_settings(
            database_url,
            slack_url,
            "http://127.0.0.1:9",
            SLACK_BOT_TOKEN="",
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            VILTBOT_ADMINS=f"{WS}:{BOSS}",  # Bo runs Acme; the same user id at Globex does not
        )
        runtime = build_runtime(settings)
        async with serve_in_loop(create_web_app(runtime, run_scheduler=False)) as base_url:
            yield standin, base_url, runtime
    assert standin.violations == []


async def install(
    standin: SlackStandIn, base_url: str, code: str, user_id: str, workspace: str = WS
) -> None:
    """Install the app as a person would: /slack/install, Slack's consent, the redirect back."""
    async with httpx.AsyncClient(base_url=base_url) as browser:
        page = await browser.get("/slack/install")
        assert page.status_code == 200
        match = re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.text)
        assert match, page.text[:500]
        state = re.search(r"state=([^&\"]+)", match.group(1)).group(1)  # type: ignore[union-attr]
        standin.register_oauth_code(code, workspace, installer_user_id=user_id)
        # Bolt's state cookie is Secure; a browser on https would send it back like this.
        cookie = page.headers["set-cookie"].split(";", 1)[0]
        done = await browser.get(
            "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 200, done.text


async def test_install_stores_encrypted_tokens_and_the_installer_runs_the_workspace(multi) -> None:
    standin, base_url, runtime = multi
    await install(standin, base_url, "code-123", INSTALLER)
    assert [c.method for c in standin.calls if c.method == "oauth.v2.access"] == ["oauth.v2.access"]
    async with runtime.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT bot_token FROM slack_bots"))).scalar_one()
    bot_token = standin.workspaces[WS].bot_token
    assert bot_token not in stored and stored.startswith("enc:v2:")

    async with SlackSender(base_url, SIGNING_SECRET, standin=standin) as slack:
        response = await slack.slash(
            f"team new Sales <#{TRAINING}|training>", user_id=INSTALLER, team_id=WS
        )
        assert response.status_code == 200
        (reply,) = await standin.wait_for("response_url")
    assert "Team *Sales* created" in reply.args["text"]
    # Bolt called Slack with the installation's own token, decrypted.
    assert {c.token for c in standin.calls_to("conversations.info")} == {bot_token}


async def test_a_reinstall_by_a_plain_member_changes_no_roles_and_breaks_nobody(multi) -> None:
    standin, base_url, runtime = multi
    await install(standin, base_url, "code-first", INSTALLER)
    await install(standin, base_url, "code-again", MEMBER)
    async with SlackSender(base_url, SIGNING_SECRET, standin=standin) as slack:
        replies: list[str] = []
        for user, command in (
            (INSTALLER, f"team new Sales <#{TRAINING}|training>"),
            (MEMBER, f"team new Ops <#{TRAINING}|training>"),
            (INSTALLER, "team list"),
        ):
            response = await slack.slash(command, user_id=user, team_id=WS)
            assert response.status_code == 200, response.text
            calls = await standin.wait_for("response_url", count=len(replies) + 1)
            replies.append(calls[-1].args["text"])
    created, refused, listed = replies
    assert "Team *Sales* created" in created
    assert "is for viltbot's workspace admins" in refused
    assert "Sales" in listed and "Ops" not in listed
    async with runtime.engine.connect() as conn:
        teams = (await conn.execute(text("SELECT name FROM team"))).scalars().all()
        installer = (
            await conn.execute(text("SELECT installer_user_id FROM workspace"))
        ).scalar_one()
    assert (teams, installer) == (["Sales"], INSTALLER)


async def test_a_workspace_qualified_first_admin_is_an_admin_of_that_workspace_only(
    multi,
) -> None:
    standin, base_url, runtime = multi
    await install(standin, base_url, "code-acme", INSTALLER)
    await install(standin, base_url, "code-globex", GLOBEX_INSTALLER, OTHER_WS)
    async with SlackSender(base_url, SIGNING_SECRET, standin=standin) as slack:
        replies: list[str] = []
        for workspace, channel in ((WS, TRAINING), (OTHER_WS, "C0GLOBEX01")):
            response = await slack.slash(
                f"team new Sales <#{channel}|general>", user_id=BOSS, team_id=workspace
            )
            assert response.status_code == 200, response.text
            calls = await standin.wait_for("response_url", count=len(replies) + 1)
            replies.append(calls[-1].args["text"])
    at_acme, at_globex = replies
    assert "Team *Sales* created" in at_acme
    assert "is for viltbot's workspace admins" in at_globex
    async with runtime.engine.connect() as conn:
        teams = (await conn.execute(text("SELECT workspace_id, name FROM team"))).all()
    assert [tuple(row) for row in teams] == [(WS, "Sales")]
