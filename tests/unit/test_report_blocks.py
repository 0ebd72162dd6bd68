"""The completion report as Slack shows it: what it says, that user text stays text, and that
long rosters are split into messages Slack accepts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.slack.report_blocks import BlockKitReportRenderer
from domain.completion_report import CompletionReport, RosterLine, SlackMessage, WalkInLine
from domain.models import EnrollmentStatus, LocationKind, TrackingRule
from handlers.report_views import REPORT_CSV_ACTION
from tests.handlers.snapshots import assert_snapshot

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> Tom & *Jerry*"
CYCLE = (EnrollmentStatus.COMPLETE, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.NOT_ATTENDED)


def learner(i: int, status: EnrollmentStatus, *, name: str | None = None) -> RosterLine:
    return RosterLine(
        user_id=f"U0LEARN{i:04}",
        name=name or f"Learner {i:04}",
        email=f"learner{i:04}@acme.test",
        status=status,
        minutes=0 if status is EnrollmentStatus.NOT_ATTENDED else 45 + i % 30,
        polls_answered=3 if status is EnrollmentStatus.COMPLETE else 1,
        polls_total=3,
    )


def report(roster: Sequence[RosterLine] = (), **changes: object) -> CompletionReport:
    base = CompletionReport(
        workspace_id="T0ACME0001",
        session_id=12,
        title="Negotiation <!here> & *basics*",
        location_name="Webinar Room & Co",
        product=LocationKind.GOTOWEBINAR,
        team_channel_id="C0TRAINING",
        instructor_id="U0CLAIRE01",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        timezone="Europe/Berlin",
        tracking=TrackingRule.ALL_POLLS_ANSWERED,
        polls_total=3,
        roster=tuple(roster),
        walk_ins=(),
        sync_runs=1,
        last_synced_at=START + timedelta(hours=3),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def many(count: int) -> list[RosterLine]:
    return [learner(i, CYCLE[i % 3]) for i in range(count)]


def render(value: CompletionReport) -> list[SlackMessage]:
    messages = BlockKitReportRenderer().messages(value)
    for message in messages:
        assert_within_slack_limits(message)
    return messages


def assert_within_slack_limits(message: SlackMessage) -> None:
    """Slack's own models accept every block again (lengths, fields); at most 50 a message."""
    assert 0 < len(message.blocks) <= 50
    assert message.text.strip()
    for raw in message.blocks:
        block = Block.parse(dict(raw))
        assert block is not None
        assert block.to_dict() == raw  # to_dict validates every limit slack_sdk knows
        if raw["type"] == "section":
            assert len(raw.get("fields", [])) <= 10  # type: ignore[arg-type]


def texts(message: SlackMessage) -> str:
    """Everything the message shows, as one string."""
    return json.dumps(list(message.blocks), ensure_ascii=False)


def all_text(message: SlackMessage) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("text"), str):
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(message.blocks))
    return found


def test_an_empty_roster_still_reports_the_session() -> None:
    (message,) = render(report())
    shown = texts(message)
    assert "*0 of 0 complete (0%)*" in shown
    assert "Roster" not in shown
    buttons = [b for b in message.blocks if b["type"] == "actions"]
    assert len(buttons) == 1
    assert message.text.startswith("Completion report for Negotiation")


def test_one_learner_in_progress_says_why() -> None:
    (message,) = render(report([learner(1, EnrollmentStatus.IN_PROGRESS, name="Ann")]))
    shown = "\n".join(all_text(message))
    assert "*0 of 1 complete (0%)*" in shown
    assert "*Still in progress (1)*\n• Ann — answered 1 of 3 polls" in shown
    assert "• Ann — in progress · 46 min" in shown
    # Emails stay out of Slack messages; the roster CSV has them.
    assert "@acme.test" not in shown
    assert "*Roster (1 learner)*" in shown


def test_after_the_final_run_in_progress_reads_did_not_complete() -> None:
    (message,) = render(report([learner(1, EnrollmentStatus.IN_PROGRESS, name="Ann")], final=True))
    shown = "\n".join(all_text(message))
    assert "*Did not complete (1)*\n• Ann — answered 1 of 3 polls" in shown
    assert "• Ann — did not complete · 46 min" in shown
    assert "*Did not complete*\n1" in shown
    assert "in progress" not in shown.lower()


def test_three_learners_snapshot() -> None:
    roster = [
        learner(1, EnrollmentStatus.COMPLETE, name="Ann Able"),
        learner(2, EnrollmentStatus.IN_PROGRESS, name="Ben Busy"),
        learner(3, EnrollmentStatus.NOT_ATTENDED, name="Cy Absent"),
    ]
    walk_ins = (WalkInLine(name="Wanda Walk-in", email="wanda@elsewhere.test", minutes=30),)
    (message,) = render(report(roster, walk_ins=walk_ins))
    shown = "\n".join(all_text(message))
    assert "*1 of 3 complete (33%)*" in shown
    assert "*Attended without registering (1)*\n• Wanda Walk-in · 30 min" in (shown)
    assert message.text == (
        "Completion report for Negotiation &lt;!here&gt; &amp; *basics* (session #12): "
        "1 of 3 complete (33%), 1 in progress, 1 not attended, 1 attended without registering. "
        "More syncs to come."
    )
    assert_snapshot("report-three-learners", {"text": message.text, "blocks": message.blocks})


def test_hostile_names_cannot_mention_or_link() -> None:
    roster = [learner(1, EnrollmentStatus.IN_PROGRESS, name=HOSTILE)]
    walk_ins = (WalkInLine(name="<@U0BOSS0001>", email="a&b@x.test", minutes=5),)
    (message,) = render(report(roster, walk_ins=walk_ins, location_name="<https://evil.test|Room>"))
    for text in [*all_text(message), message.text]:
        # The only `<` the bot writes itself are its `<!date^…>` times.
        assert "<!channel>" not in text and "<!here>" not in text and "<@" not in text
        assert "<https" not in text
    shown = texts(message)
    assert "&lt;!channel&gt; Tom &amp; *Jerry*" in shown
    assert "&lt;@U0BOSS0001&gt; · 5 min" in shown


def test_no_polls_means_attending_was_enough() -> None:
    (message,) = render(report([learner(1, EnrollmentStatus.COMPLETE)], polls_total=0))
    assert "GoTo reported no polls for this session, so attending was enough." in texts(message)
    (other,) = render(report([learner(1, EnrollmentStatus.COMPLETE)]))
    assert "no polls" not in texts(other)


def test_final_or_as_of_and_the_latest_sync_error() -> None:
    (syncing,) = render(report(sync_error="GoTo answered 503 Service Unavailable"))
    shown = texts(syncing)
    assert "As of <!date^" in shown and "more syncs to come." in shown
    assert ":warning: The latest sync could not read GoTo: GoTo answered 503" in shown
    (final,) = render(report(final=True))
    assert "Final: these statuses will not change." in texts(final)
    assert "could not read GoTo" not in texts(final)
    assert final.text.endswith("Final.")


def test_the_button_downloads_this_sessions_roster() -> None:
    (message,) = render(report())
    (actions,) = [b for b in message.blocks if b["type"] == "actions"]
    elements: list[dict[str, Any]] = actions["elements"]  # type: ignore[assignment]
    (button,) = elements
    assert button["action_id"] == REPORT_CSV_ACTION and button["value"] == "12"
    assert button["text"]["text"] == "Download roster (CSV)"


def test_times_are_slack_dates() -> None:
    (message,) = render(report())
    assert f"<!date^{int(START.timestamp())}^{{date_short_pretty}} {{time}}|" in texts(message)


@pytest.mark.parametrize("count", [1000])
def test_a_thousand_learners_split_within_limits(count: int) -> None:
    messages = render(report(many(count), walk_ins=(WalkInLine("Late Larry", "l@x.test", 9),)))
    assert len(messages) > 1
    first = messages[0]
    assert [b["type"] for b in first.blocks][:2] == ["header", "section"]
    assert sum(1 for m in messages for b in m.blocks if b["type"] == "actions") == 1
    for number, message in enumerate(messages[1:], start=2):
        heading = message.blocks[0]["text"]["text"]  # type: ignore[index]
        assert heading == f"*Roster, continued ({number} of {len(messages)})*"
        assert message.text.endswith(f"roster, continued ({number} of {len(messages)})")
    everything = "\n".join(t for m in messages for t in all_text(m))
    # Every learner is listed in the roster exactly once, in order, and the walk-in at the end.
    roster_lines = [
        line for line in everything.split("\n") if line.startswith("• Learner ") and " min" in line
    ]
    assert len(roster_lines) == count
    assert roster_lines[0].startswith("• Learner 0000") and "Learner 0999" in roster_lines[-1]
    assert everything.rstrip().endswith("• Late Larry · 9 min")
    assert "*334 of 1000 complete (33%)*" in everything
