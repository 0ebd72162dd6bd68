"""What a completion report says about one session: counts, the roster, walk-ins (no I/O).

The scheduled sync queues it once per session after its final run (or once every enrollment is
final); `/vilt report` shows the same at any time. Rendering it for Slack is the
`ReportRenderer` port's job; the roster's CSV is made here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.models import EnrollmentStatus, LocationKind, TrackingRule

# The statuses a report counts, in the order it lists them.
REPORTED: tuple[EnrollmentStatus, ...] = (
    EnrollmentStatus.COMPLETE,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.REGISTERED,
    EnrollmentStatus.NOT_ATTENDED,
    EnrollmentStatus.PENDING,
)

STATUS_LABELS: Mapping[EnrollmentStatus, str] = {
    EnrollmentStatus.PENDING: "pending",
    EnrollmentStatus.REGISTERED: "registered",
    EnrollmentStatus.IN_PROGRESS: "in progress",
    EnrollmentStatus.COMPLETE: "complete",
    EnrollmentStatus.NOT_ATTENDED: "not attended",
    EnrollmentStatus.CANCELLED: "cancelled",
}


def status_label(status: EnrollmentStatus, *, final: bool) -> str:
    """How a report names a status; once no sync follows, `in_progress` did not complete."""
    if final and status is EnrollmentStatus.IN_PROGRESS:
        return "did not complete"
    return STATUS_LABELS[status]


@dataclass(frozen=True)
class RosterLine:
    """One registered learner as the report shows them."""

    user_id: str
    name: str
    email: str | None
    status: EnrollmentStatus
    minutes: int
    polls_answered: int
    polls_total: int

    @property
    def why_in_progress(self) -> str | None:
        """Why the learner is not complete yet ("answered 2 of 3 polls"), for `in_progress`."""
        if self.status is not EnrollmentStatus.IN_PROGRESS:
            return None
        noun = "poll" if self.polls_total == 1 else "polls"
        return f"answered {self.polls_answered} of {self.polls_total} {noun}"


@dataclass(frozen=True)
class WalkInLine:
    """Someone who attended without registering through viltbot."""

    name: str
    email: str
    minutes: int


@dataclass(frozen=True)
class CompletionReport:
    """The state of one session's learners after the latest sync run."""

    workspace_id: str
    session_id: int
    title: str
    location_name: str
    product: LocationKind | None
    team_channel_id: str
    instructor_id: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    tracking: TrackingRule
    # Polls GoTo reported for the session; None while no run has found its GoTo session.
    polls_total: int | None
    roster: tuple[RosterLine, ...]
    walk_ins: tuple[WalkInLine, ...]
    sync_runs: int = 0
    last_synced_at: datetime | None = None
    # The final run is done (or every enrollment is final): the statuses will not change.
    final: bool = False
    # Why the latest run could not read GoTo, if it could not.
    sync_error: str | None = None
    # Why sync waits (mrkdwn): the location's GoTo connection lapsed or failed.
    sync_paused: str | None = None

    @property
    def counts(self) -> dict[EnrollmentStatus, int]:
        """Learners by status, every reported status present (zero when none)."""
        counted = {status: 0 for status in REPORTED}
        for line in self.roster:
            if line.status in counted:
                counted[line.status] += 1
        return counted

    @property
    def percent_complete(self) -> int:
        """Complete learners as a whole percentage of the roster (0 for an empty roster)."""
        if not self.roster:
            return 0
        complete = sum(1 for line in self.roster if line.status is EnrollmentStatus.COMPLETE)
        return round(100 * complete / len(self.roster))

    @property
    def completes_on_attendance_for_want_of_polls(self) -> bool:
        """An `all_polls_answered` session GoTo reports without polls: attending was enough."""
        return self.tracking is TrackingRule.ALL_POLLS_ANSWERED and self.polls_total == 0

    @property
    def in_progress(self) -> tuple[RosterLine, ...]:
        """Learners still in progress, each with `why_in_progress`."""
        return tuple(line for line in self.roster if line.status is EnrollmentStatus.IN_PROGRESS)


CSV_HEADER = (
    "name",
    "email",
    "slack_user_id",
    "status",
    "attended_minutes",
    "polls_answered",
    "polls_total",
    "registered_through_viltbot",
)


def roster_csv(report: CompletionReport) -> str:
    """The roster and walk-ins as CSV (UTF-8 text, one header row, cells safe for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in report.roster:
        writer.writerow(
            [
                _cell(line.name),
                _cell(line.email or ""),
                line.user_id,
                line.status.value,
                line.minutes,
                line.polls_answered,
                line.polls_total,
                "yes",
            ]
        )
    for walk_in in report.walk_ins:
        writer.writerow(
            [
                _cell(walk_in.name),
                _cell(walk_in.email),
                "",
                "walk_in",
                walk_in.minutes,
                "",
                "",
                "no",
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ (or a tab / carriage return) runs as a formula in
    # spreadsheets; a leading apostrophe keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class SlackMessage:
    """One message ready for the outbox: a text fallback and Block Kit blocks (as JSON dicts)."""

    text: str
    blocks: Sequence[Mapping[str, object]]


class ReportRenderer(Protocol):
    """Turns a completion report into Slack messages within Slack's limits."""

    def messages(self, report: CompletionReport) -> list[SlackMessage]:
        """The report as one message, or several when the roster is long (the first has the
        counts and the CSV button)."""
        ...
