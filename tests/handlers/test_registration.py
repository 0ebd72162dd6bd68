"""What registering shows in Slack: the Register people modal, its report, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput, NotFound
from domain.services.registration import ManagedSession, Outcome, Registration
from handlers.registration import clicked_session, session_number
from handlers.registration_views import chosen, people_modal, progress_text, report, session_of
from sandbox.slack.blockkit import check_blocks, check_view
from tests.e2e.conftest import BOSS, Stack
from tests.handlers.snapshots import assert_snapshot

HOSTILE = "Deals <!channel> & <@U0BEN00001>"
STARTS = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
WHEN = f"<!date^{int(STARTS.timestamp())}^{{date_short_pretty}} {{time}}|2031-03-03 09:00 UTC>"
DEALS = ManagedSession(12, HOSTILE, STARTS)
ONBOARDING = ManagedSession(7, "Onboarding", STARTS)


def test_the_register_people_modal() -> None:
    modal = people_modal(12, HOSTILE)
    assert check_view(modal) == []
    assert_snapshot("register-people-modal", modal)
    assert session_of(modal) == 12


def test_the_modal_reads_back_people_and_channel() -> None:
    state = {
        "values": {
            "people": {"people": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
            "channel": {"channel": {"type": "conversations_select", "selected_conversation": "C1"}},
        }
    }
    assert chosen({"state": state}) == (["U1", "U2"], "C1")
    assert chosen({"state": {"values": {}}}) == ([], None)
    assert session_of({"private_metadata": "not json"}) is None
    assert session_of({"private_metadata": '{"session_id": true}'}) is None


def test_the_report_has_a_tally_and_one_line_per_person() -> None:
    results = [
        Registration(Outcome.REGISTERED, "U0ANN00001", ""),
        Registration(Outcome.ALREADY, "U0BEN00001", ""),
        Registration(Outcome.QUEUED, "U0CAT00001", "", "GoTo is not answering right now"),
        Registration(Outcome.FULL, "U0DAN00001", "", "all 12 places taken"),
        Registration(Outcome.FAILED, "U0EVE00001", "", "no email address in Slack"),
    ]
    text, blocks = report(DEALS, results, ["• <#C0ONBOARD1> — not read: I can't see it."])
    assert check_blocks(blocks) == []
    assert text == (
        "Registering 5 people for *Deals &lt;!channel&gt; &amp; &lt;@U0BEN00001&gt;* (session "
        f"`#12`, {WHEN}) is done: "
        "1 registered, 1 already registered, 1 queued, 1 full, 1 failed. Queued people are "
        "registered as soon as GoTo takes them; I tell each of them."
    )
    assert_snapshot("register-people-report", blocks)


def test_a_report_of_hundreds_stays_within_slacks_limits() -> None:
    results = [Registration(Outcome.REGISTERED, f"U0P{n:07d}", "") for n in range(1000)]
    text, blocks = report(ONBOARDING, results)
    assert check_blocks(blocks) == []
    assert len(blocks) <= 50
    assert text == (
        f"Registering 1000 people for *Onboarding* (session `#7`, {WHEN}) is done: 1000 registered."
    )
    shown = "\n".join(b["text"]["text"] for b in blocks[1:])
    assert shown.count("— registered") == 1000


def test_progress_reads_as_a_count() -> None:
    assert progress_text(ONBOARDING, 300, 40) == (
        ":hourglass_flowing_sand: Registering 300 people for *Onboarding* (session `#7`, "
        f"{WHEN})… 40 of 300 done."
    )
    assert "1 person for" in progress_text(ONBOARDING, 1, 0)


def test_session_numbers_and_button_values() -> None:
    assert session_number("#12", "/vilt register <number>") == 12
    assert session_number(" 7 ", "/vilt register <number>") == 7
    with pytest.raises(InvalidInput) as usage:
        session_number("", "/vilt register <number>")
    assert usage.value.message == (
        "Usage: `/vilt register <number>`; `/vilt sessions` shows the numbers."
    )
    with pytest.raises(NotFound) as typed:
        session_number("<!channel>", "/vilt register <number>")
    assert "`&lt;!channel&gt;`" in typed.value.message
    assert clicked_session({"actions": [{"value": "42"}]}) == 42
    with pytest.raises(InvalidInput):
        clicked_session({"actions": [{"value": "x"}]})


async def test_registering_needs_a_team_and_a_number(stack: Stack) -> None:
    newcomer = await stack.command("register 1", user="U0CLAIRE01")
    assert newcomer.startswith(":no_entry: `/vilt register` is for team members.")
    await stack.command("team new Sales <#C0TRAINING|training>")
    assert await stack.command("register", user=BOSS) == (
        ":warning: Usage: `/vilt register <number>`; `/vilt sessions` shows the numbers."
    )
    assert await stack.command("unregister 99", user=BOSS) == (
        ":warning: There is no such session, or it is not open to your teams."
    )
    assert await stack.command("register 99", user=BOSS) == (
        ":warning: There is no such session, or it is not open to your teams."
    )
