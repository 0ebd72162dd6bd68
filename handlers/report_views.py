"""How completion results read in Slack outside the report itself: the CSV's answer, App Home's
"Recent results" lines."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from domain import mrkdwn
from domain.completion_report import REPORTED, status_label
from domain.models import EnrollmentStatus
from domain.services.home import Result

# The action of the report's "Download roster (CSV)" button; its value is the session's id.
REPORT_CSV_ACTION = "report_csv"
CSV_BUTTON = "Download roster (CSV)"


def csv_filename(session_id: int) -> str:
    """The roster file's name."""
    return f"session-{session_id}-roster.csv"


def csv_comment(title: str, session_id: int) -> str:
    """What the DM with the roster file says."""
    return (
        f"The roster of {mrkdwn.bold(title)} (session `#{session_id}`) as it stands now: "
        "registered learners and people who attended without registering."
    )


def csv_sent(title: str, session_id: int) -> str:
    """The answer once the roster is in the asker's DM."""
    return (
        f":white_check_mark: The roster of {mrkdwn.bold(title)} (session `#{session_id}`) "
        "is in your direct messages with viltbot, as a CSV file."
    )


def result_line(result: Result) -> str:
    """ "7 of 10 complete (70%) · 2 in progress · 1 not attended"."""
    counts = result.counts
    parts = [
        f"{counts[EnrollmentStatus.COMPLETE]} of {result.total} complete "
        f"({result.percent_complete}%)"
    ]
    parts += [
        f"{counts[status]} {status_label(status, final=result.final)}"
        for status in REPORTED
        if status is not EnrollmentStatus.COMPLETE and counts[status]
    ]
    return " · ".join(parts)


def result_blocks(results: list[Result] | None) -> list[Block]:
    """App Home's "Recent results" (the active team's, for its admins, and the sessions the reader
    taught); nothing when there are none."""
    if not results:
        return []
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text="*Recent results*")),
    ]
    for result in results:
        state = "final" if result.final else "syncing"
        lines = [
            f"{mrkdwn.bold(result.title)} · session `#{result.session_id}` · ended "
            + mrkdwn.date(result.ends_at, "{date_short_pretty} {time}"),
            f"{result_line(result)} · {state}",
        ]
        if result.sync_error:
            lines.append(
                f":warning: The latest sync could not read GoTo: {mrkdwn.escape(result.sync_error)}"
            )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text="\n".join(lines)[:3000]),
                accessory=ButtonElement(
                    text=CSV_BUTTON, action_id=REPORT_CSV_ACTION, value=str(result.session_id)
                ),
            )
        )
    return blocks
