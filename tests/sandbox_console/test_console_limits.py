"""The console's forms share the server's request body limit: an oversized form is refused, unread."""

from __future__ import annotations

import httpx

from bot.web.body_limit import DEFAULT_MAX_REQUEST_BYTES
from tests.sandbox_console.conftest import Sandbox
from tests.support.raw_http import declare_body


async def test_an_oversized_command_form_is_refused_and_nothing_is_sent(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    for path in ("/sandbox/command", "/sandbox/view/submit"):
        status, answer = await declare_body(
            sandbox.url,
            path,
            DEFAULT_MAX_REQUEST_BYTES + 1,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 413, path
        assert b"at most 1048576 bytes" in answer
    # Nothing reached the bot, and the console still works.
    assert sandbox.console.standin.calls == []
    assert (await http.get("/sandbox")).status_code == 200
