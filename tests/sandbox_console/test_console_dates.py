"""Slack's `<!date>` tokens in the console read as in Slack: in the reader's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from sandbox.console.html_filters import mrkdwn_html
from sandbox.console.slack_dates import format_date
from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_http import visible

OSLO = ZoneInfo("Europe/Oslo")
STAMP = 1_796_133_600  # 2026-12-01 14:00 UTC, 15:00 in Oslo
TOKEN = "<!date^1796133600^{date_short_pretty} {time}|2026-12-01 14:00 UTC>"


def test_each_token_is_filled_in_the_readers_zone() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert format_date(STAMP, "{date_num} {time}", OSLO, now) == "2026-12-01 3:00 PM"
    assert format_date(STAMP, "{date}", OSLO, now) == "December 1st, 2026"
    assert format_date(STAMP, "{date_short}", OSLO, now) == "Dec 1, 2026"
    assert format_date(STAMP, "{date_long} {time_secs}", OSLO, now) == (
        "Tuesday, December 1st, 2026 3:00:00 PM"
    )
    assert format_date(STAMP, "{ago}", OSLO, now) == "in 11 days"
    assert format_date(STAMP, "{date_nope}", OSLO, now) is None


def test_pretty_dates_say_today_tomorrow_yesterday_by_the_readers_calendar() -> None:
    # 23:30 UTC on 30 November is already 1 December in Oslo.
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert format_date(STAMP, "{date_short_pretty}", OSLO, late) == "today"
    assert format_date(STAMP, "{date_short_pretty}", ZoneInfo("UTC"), late) == "tomorrow"
    after = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert format_date(STAMP, "{date_long_pretty}", OSLO, after) == "yesterday"


def test_the_fallback_is_kept_for_hover_and_for_what_cannot_be_read() -> None:
    shown = mrkdwn_html(f"Starts {TOKEN}", lambda raw: None, lambda s, t: "tomorrow 3:00 PM")
    assert shown == 'Starts <time title="2026-12-01 14:00 UTC">tomorrow 3:00 PM</time>'
    for unreadable in ("<!date^soon^{time}|later>", "<!date^|later>"):
        shown = mrkdwn_html(unreadable, lambda raw: None, lambda s, t: "x")
        assert shown == '<time title="later">later</time>'
    assert "2026-12-01 14:00 UTC</time>" in mrkdwn_html(TOKEN, lambda raw: None)


async def test_a_message_shows_its_dates_in_the_zone_of_the_person_reading(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    api = sandbox.runtime.settings.slack_api_url
    async with httpx.AsyncClient(base_url=api, timeout=10) as slack:
        posted = await slack.post(
            "chat.postEphemeral",
            headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
            json={
                "channel": GENERAL,
                "user": SANDBOX_ADMIN,
                "text": "Starts <!date^1796133600^{date_num} {time}|2026-12-01 14:00 UTC>",
            },
        )
    assert posted.json()["ok"] is True
    page = (await http.get("/sandbox", params={"user": SANDBOX_ADMIN})).text
    # Ada's Slack profile says Europe/Oslo, as every person of the sandbox workspace.
    assert "Starts 2026-12-01 3:00 PM" in visible(page)
