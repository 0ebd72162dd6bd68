"""The console's forms share the server's request body limit: an oversized form is refused, unread."""

from __future__ import annotations

import httpx

from bot.web.body_limit import DEFAULT_MAX_REQUEST_BYTES
from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN
from tests.sandbox_console.conftest import Sandbox


async def test_an_oversized_command_form_is_refused_and_nothing_is_sent(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    text = "help " + "x" * DEFAULT_MAX_REQUEST_BYTES
    for path in ("/sandbox/command", "/sandbox/view/submit"):
        response = await http.post(
            path, data={"user": SANDBOX_ADMIN, "channel": GENERAL, "text": text}
        )
        assert response.status_code == 413, path
        assert "at most 1048576 bytes" in response.text
    assert sandbox.console.standin.calls == []
