"""Malformed and unsigned requests get 401 or 400: no traceback, no body in the log, no Slack call.

The log is the bot's real set-up (`configure_logging`) at DEBUG, so every library's chatter is in it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest

from domain.models import Location
from tests.e2e.conftest import BOSS, SIGNING_SECRET, WS, Stack
from tests.e2e.locations_flow import WEBINAR_SECRET, admin_with_teams, choose_kind, open_modal
from tests.harness.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.harness.slack_client import payload_form
from tests.support.log_capture import captured_log

FORM = "application/x-www-form-urlencoded"
COMMAND = "command=%2Fvilt&text=help&team_id=T0ACME0001&user_id=U0BOSS0001&response_url=x"


class Log:
    """The bot's log so far."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def lines(self, containing: str = "") -> list[str]:
        return [line for line in self.buffer.getvalue().splitlines() if containing in line]


@pytest.fixture
def bot_log() -> Iterator[Log]:
    """The bot's log at DEBUG."""
    with captured_log("DEBUG") as buffer:
        yield Log(buffer)


def _signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return sign(SIGNING_SECRET, body, timestamp)


UNSIGNED: dict[str, tuple[bytes, dict[str, Any]]] = {
    "timestamp header not a number": (
        COMMAND.encode(),
        {TIMESTAMP_HEADER: "abc", SIGNATURE_HEADER: "v0=" + "0" * 64},
    ),
    "timestamp header far too large": (
        COMMAND.encode(),
        {TIMESTAMP_HEADER: "9" * 400, SIGNATURE_HEADER: "v0=" + "0" * 64},
    ),
    "no signature headers": (COMMAND.encode(), {}),
    "signature of another body": (COMMAND.encode(), _signed(b"command=%2Fvilt&text=other")),
    "non-ASCII signature": (
        COMMAND.encode(),
        {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "v0=é".encode()},
    ),
    "invalid UTF-8, unsigned": (b"text=\xff\xfe", {}),
}


@pytest.mark.parametrize("case", list(UNSIGNED))
async def test_unsigned_or_badly_signed_requests_get_401(
    stack: Stack, bot_log: Log, case: str
) -> None:
    body, headers = UNSIGNED[case]
    response = await stack.slack.client.post(
        stack.slack.url, content=body, headers={"Content-Type": FORM, **headers}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid request"
    assert "Traceback" not in response.text
    assert stack.standin.calls == []
    assert bot_log.lines("Traceback") == [] and bot_log.lines("text=") == []
    assert bot_log.lines("refused POST /slack/events with 401")


SIGNED_MALFORMED: dict[str, tuple[bytes, str]] = {
    "payload that is not JSON": (b"payload=%7Bnot", FORM),
    "payload that is a JSON list": (b"payload=%5B1%2C2%5D", FORM),
    "invalid UTF-8": (b"command=%2Fvilt&text=\xff\xfe", FORM),
    "JSON body that is not JSON": (b'{"type": "event_callback",', "application/json"),
    "JSON body that is a string": (b'"hello"', "application/json"),
    "form field holding a JSON string": (b"payload=%22hello%22", FORM),
}


@pytest.mark.parametrize("case", list(SIGNED_MALFORMED))
async def test_signed_but_malformed_bodies_get_400(stack: Stack, bot_log: Log, case: str) -> None:
    body, content_type = SIGNED_MALFORMED[case]
    response = await stack.slack.client.post(
        stack.slack.url, content=body, headers={"Content-Type": content_type, **_signed(body)}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed request"
    assert "Traceback" not in response.text
    assert stack.standin.calls == []
    assert bot_log.lines("Traceback") == []
    assert bot_log.lines("refused POST /slack/events with 400")


async def test_a_refused_form_submission_keeps_its_secret_out_of_the_log(
    stack: Stack, bot_log: Log
) -> None:
    """A consumer secret typed into the modal, submitted 6 minutes late or forged: not logged."""
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    values = {"name": "Webinar Room", "kind": "gotowebinar", "consumer_secret": WEBINAR_SECRET}
    values["owner_team"] = str(teams["Sales"])
    late = await stack.slack.view_submission(
        view, values, user_id=BOSS, team_id=WS, check_required=False, stale=True
    )
    forged = await stack.slack.view_submission(
        view, values, user_id=BOSS, team_id=WS, check_required=False, forge=True
    )
    assert (late.status_code, forged.status_code) == (401, 401)
    assert stack.slack.last_body and WEBINAR_SECRET in payload_form(stack.slack.last_payload or {})
    assert bot_log.lines(WEBINAR_SECRET) == []
    assert len(bot_log.lines("refused POST /slack/events with 401")) == 2


async def test_a_signed_form_submission_keeps_its_secret_out_of_the_debug_log(
    stack: Stack, bot_log: Log
) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    values = {
        "name": "Webinar Room",
        "status": "active",
        "kind": "gotowebinar",
        "consumer_key": "demo-webinar-app",
        "consumer_secret": WEBINAR_SECRET,
        "max_learners": "25",
        "owner_team": str(teams["Sales"]),
        "team_availability": [str(teams["Sales"])],
    }
    response = await stack.slack.view_submission(
        view, values, user_id=BOSS, team_id=WS, check_required=False
    )
    assert response.status_code == 200
    await stack.standin.wait_for("response_url", count=3)
    assert [row.name for row in await stack.rows(Location)] == ["Webinar Room"]
    assert bot_log.lines(WEBINAR_SECRET) == []
