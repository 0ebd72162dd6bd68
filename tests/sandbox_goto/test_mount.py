"""The sandbox mounted under a prefix inside another Starlette app (the bot's sandbox mode)."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox.goto import create_goto_sandbox, default_scenario

from .helpers import ALICE, G2W, POLL_WEBINAR, REDIRECT, WEBINAR_APP, query

PREFIX = "/goto-sandbox"


async def test_links_and_flows_work_under_a_prefix() -> None:
    sandbox = create_goto_sandbox(default_scenario(), rate_limit_per_second=None)
    outer = Starlette(routes=[Mount(PREFIX, app=sandbox)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(outer), base_url="https://bot.example.com"
    ) as client:
        page = await client.get(
            f"{PREFIX}/oauth/authorize",
            params={
                "client_id": "demo-webinar-app",
                "response_type": "code",
                "redirect_uri": REDIRECT,
                "state": "s",
            },
        )
        action = re.search(r'<form[^>]+action="([^"]+)"', page.text)
        assert action is not None
        assert action.group(1) == f"{PREFIX}/oauth/authorize"
        decision = await client.post(
            action.group(1),
            data={
                "client_id": "demo-webinar-app",
                "redirect_uri": REDIRECT,
                "state": "s",
                "account": "alice@example.com",
                "decision": "allow",
            },
        )
        code = query(decision.headers["location"])["code"]
        tokens = (
            await client.post(
                f"{PREFIX}/oauth/token",
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                auth=WEBINAR_APP,
            )
        ).json()
        created = await client.post(
            f"{PREFIX}{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}/registrants",
            json={"firstName": "M", "lastName": "P", "email": "mp@example.org"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert created.status_code == 201
        join = created.json()["joinUrl"]
        assert join.startswith(f"https://bot.example.com{PREFIX}/_sandbox/join/webinar/")
        assert (await client.get(join)).status_code == 200
        missing = await client.get(f"{PREFIX}/nowhere")
        assert missing.status_code == 404
        assert missing.json()["description"] == "The GoTo sandbox has no GET /nowhere."
        log = (await client.get(f"{PREFIX}/_sandbox/requests")).json()["requests"]
        assert any(r["path"].startswith(G2W) for r in log)
