"""Files the bot shares in a DM (the roster CSV) open from the console, for that person only."""

from __future__ import annotations

import asyncio
import re

import httpx

from sandbox.console.workspace import GENERAL, TRAINING
from sandbox.ids import SANDBOX_ADMIN
from sandbox.slack.records import UploadedFile
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_goto_panel import LEA, build_world, shown_on
from tests.sandbox_console.test_console_http import send


async def shared_file(sandbox: Sandbox) -> UploadedFile:
    """The one file the bot uploaded, once its upload is complete."""
    for _ in range(100):
        done = [f for f in sandbox.console.standin.files.values() if f.completed]
        if done:
            (upload,) = done
            return upload
        await asyncio.sleep(0.05)
    raise AssertionError("the bot shared no file")


async def test_the_roster_csv_in_a_dm_opens_for_its_reader_only(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    world = await build_world(sandbox, http)
    await send(http, SANDBOX_ADMIN, f"report {world.session_id} csv")
    upload = await shared_file(sandbox)
    page = (await http.get("/sandbox", params={"user": SANDBOX_ADMIN, "channel": "dm"})).text
    title = f"Roster of Negotiation (session #{world.session_id})"
    assert f"📎 {title}" in shown_on(page)
    (link,) = re.findall(r'<a href="([^"]+)" download="[^"]*">' + re.escape(title), page)
    assert link == f"/sandbox/files/{upload.id}?user={SANDBOX_ADMIN}"

    opened = await http.get(link)
    assert opened.status_code == 200
    assert opened.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = opened.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="session-{world.session_id}-roster.csv"')
    assert opened.content == upload.content
    lines = opened.text.splitlines()
    assert any("lea@example.com" in line for line in lines[1:])
    assert any("leo@example.com" in line for line in lines[1:])

    # Lea was not sent the file; a made-up id is no file at all.
    for user, file_id in ((LEA, upload.id), (SANDBOX_ADMIN, "F0NOSUCH")):
        refused = await http.get(f"/sandbox/files/{file_id}", params={"user": user})
        assert refused.status_code == 404
        assert upload.content not in refused.content
    # Nor does it show anywhere Lea can go.
    for place in ("dm", GENERAL, TRAINING, "home"):
        lea_page = (await http.get("/sandbox", params={"user": LEA, "channel": place})).text
        assert title not in lea_page
