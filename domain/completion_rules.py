"""Pure rules of completion: what attendance sync makes of GoTo's data (PRODUCT.md rules 3 and 7).

Nothing here reads the database or calls GoTo; the scheduled sync gathers the facts and asks:
- `match_attendee`: whose enrollment each GoTo attendance record is, and who walked in;
- `needs_poll_answers`: whether an attendee's poll answers are worth a request;
- `next_status`: where an enrollment moves, forward only (`FORWARD`);
- `sync_schedule` / `is_final_run`: when sync runs for a finished session (`RUN_AFTER_END`).
Status changes to `complete` happen only there, in the scheduled sync, never at once (rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.models import Enrollment, EnrollmentStatus, TrackingRule

# When sync runs, counted from the session's end. GoTo's reports lag, so the first run waits a
# little and later runs back off; the last one, about two days after the end, is the final run:
# who is still absent then is `not_attended`, and no run follows it.
RUN_AFTER_END: tuple[timedelta, ...] = (
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
    timedelta(hours=24),
    timedelta(hours=48),
)
FINAL_RUN_AFTER_END = RUN_AFTER_END[-1]

# The order of statuses: where sync may move each one; every other move is backwards or
# sideways and never happens. `pending` (not on GoTo yet) and `cancelled` are no business of
# sync; `complete` and `not_attended` are final. A learner seen attending is never later made
# `not_attended`: `in_progress` only moves on to `complete`.
FORWARD: Mapping[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    EnrollmentStatus.REGISTERED: frozenset(
        {
            EnrollmentStatus.IN_PROGRESS,
            EnrollmentStatus.COMPLETE,
            EnrollmentStatus.NOT_ATTENDED,
        }
    ),
    EnrollmentStatus.IN_PROGRESS: frozenset({EnrollmentStatus.COMPLETE}),
}
FINAL: frozenset[EnrollmentStatus] = frozenset(
    {EnrollmentStatus.COMPLETE, EnrollmentStatus.NOT_ATTENDED}
)


@dataclass(frozen=True)
class AttendanceFacts:
    """What GoTo says of one learner on one session, all its parts taken together."""

    attended: bool
    minutes: int = 0
    polls_answered: int = 0
    # The session's polls (0: the session had none, so attending is enough).
    polls_total: int = 0

    def __post_init__(self) -> None:
        if min(self.minutes, self.polls_answered, self.polls_total) < 0:
            raise ValueError(f"attendance facts cannot be negative: {self}")
        if self.polls_answered > self.polls_total:
            raise ValueError(
                f"{self.polls_answered} polls answered of only {self.polls_total}: "
                "count only answers to the session's polls"
            )

    @property
    def answered_every_poll(self) -> bool:
        """Whether no poll of the session is left unanswered (true when there were none)."""
        return self.polls_answered >= self.polls_total


def moves_forward(current: EnrollmentStatus, target: EnrollmentStatus) -> bool:
    """Whether going from `current` to `target` follows the order of statuses (`FORWARD`)."""
    return target in FORWARD.get(current, frozenset())


def sync_may_change(status: EnrollmentStatus) -> bool:
    """Whether sync still has anything to decide for an enrollment with this status.

    False for final statuses and for `pending` and `cancelled`, which sync never touches: such
    learners cost no GoTo request.
    """
    return status in FORWARD


def is_final(status: EnrollmentStatus) -> bool:
    """Whether the status is an outcome no later run changes (`complete`, `not_attended`)."""
    return status in FINAL


def next_status(
    current: EnrollmentStatus,
    tracking: TrackingRule,
    facts: AttendanceFacts | None,
    *,
    final_run: bool,
) -> EnrollmentStatus:
    """The status an enrollment takes after a sync run; `current` unless that is a move forward.

    `facts` is None when GoTo does not list the learner (absent, or GoTo's report not there yet).
    Attended: `complete` under the `attended` rule; under `all_polls_answered`, `complete` once
    every poll is answered (a session without polls completes on attendance), `in_progress`
    until then. Absent: `not_attended` at the final run, unchanged before it. Statuses sync
    does not move (`FORWARD`) stay as they are.
    """
    target = _outcome(tracking, facts, final_run=final_run)
    if target is None or not moves_forward(current, target):
        return current
    return target


def _outcome(
    tracking: TrackingRule, facts: AttendanceFacts | None, *, final_run: bool
) -> EnrollmentStatus | None:
    """What the facts alone say, or None when they say nothing yet."""
    if facts is None or not facts.attended:
        return EnrollmentStatus.NOT_ATTENDED if final_run else None
    if tracking is TrackingRule.ATTENDED or facts.answered_every_poll:
        return EnrollmentStatus.COMPLETE
    return EnrollmentStatus.IN_PROGRESS


def needs_poll_answers(
    current: EnrollmentStatus,
    tracking: TrackingRule,
    facts_attended: bool,
    *,
    polls_total: int | None = None,
) -> bool:
    """Whether an attendee's poll answers are worth fetching from GoTo (the fewest requests).

    Only under `all_polls_answered`, only for learners who attended and whom sync may still
    move (not yet complete, nor pending, cancelled or final), and never when the session is
    known to have no polls (`polls_total` 0; None when not known).
    """
    return (
        tracking is TrackingRule.ALL_POLLS_ANSWERED
        and facts_attended
        and sync_may_change(current)
        and polls_total != 0
    )


def why_in_progress(facts: AttendanceFacts) -> str:
    """Why a learner is not complete yet, for the completion report: "answered 2 of 3 polls"."""
    if not facts.attended:
        return "not in GoTo's attendance yet"
    noun = "poll" if facts.polls_total == 1 else "polls"
    return f"answered {facts.polls_answered} of {facts.polls_total} {noun}"


# --- Matching GoTo's attendees to enrollments ---------------------------------------------


@dataclass(frozen=True)
class Learner:
    """An enrollment as matching sees it: its id, GoTo registrant key and email."""

    enrollment_id: int
    registrant_key: str | None
    email: str | None

    @classmethod
    def of(cls, enrollment: Enrollment) -> Learner:
        """The matching view of a stored enrollment."""
        if enrollment.id is None:
            raise ValueError("only stored enrollments can be matched")
        return cls(enrollment.id, enrollment.goto_registrant_key, enrollment.email)


@dataclass(frozen=True)
class Attendee:
    """One attendance record from GoTo: an attendee of a webinar session, or of a training part.

    GoToTraining gives no registrant key. One person may have several records (a training
    attended in two parts, a webinar with several sessions).
    """

    email: str
    registrant_key: str | None = None
    name: str = ""
    seconds: int = 0
    # The GoTo session the record belongs to (to fetch that attendee's poll answers there).
    session_key: str | None = None


@dataclass(frozen=True)
class WalkIn:
    """Someone who attended without a viltbot registration, all their records together."""

    name: str
    email: str
    minutes: int


@dataclass(frozen=True)
class AttendeeMatch:
    """Whose each attendance record is: enrollment id → its records, and the walk-ins."""

    attended: Mapping[int, tuple[Attendee, ...]]
    walk_ins: tuple[WalkIn, ...]

    def records(self, enrollment_id: int) -> tuple[Attendee, ...]:
        """The records of one enrollment, in GoTo's order (none when absent)."""
        return self.attended.get(enrollment_id, ())

    def facts(
        self, enrollment_id: int, *, polls_answered: int = 0, polls_total: int = 0
    ) -> AttendanceFacts | None:
        """The attendance facts of one enrollment, or None when GoTo does not list it."""
        records = self.records(enrollment_id)
        if not records:
            return None
        return AttendanceFacts(
            attended=True,
            minutes=attendance_minutes(records),
            polls_answered=polls_answered,
            polls_total=polls_total,
        )


def attendance_minutes(records: Sequence[Attendee]) -> int:
    """Minutes attended over all records, to the nearest minute."""
    seconds = sum(max(record.seconds, 0) for record in records)
    return (seconds + 30) // 60


def _email_key(email: str | None) -> str | None:
    text = (email or "").strip().casefold()
    return text or None


def _registrant_key(key: str | None) -> str | None:
    text = (key or "").strip()
    return text or None


def match_attendee(learners: Sequence[Learner], attendees: Sequence[Attendee]) -> AttendeeMatch:
    """Match each attendance record to an enrollment: by registrant key first, then by email.

    Emails match case-insensitively. When several learners share an email the first listed
    wins. Records matching no enrollment are walk-ins, one per person (same email, or same
    registrant key when GoTo gives no email), in the order GoTo first lists them.
    """
    by_key: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for learner in learners:
        key = _registrant_key(learner.registrant_key)
        if key is not None:
            by_key.setdefault(key, learner.enrollment_id)
        email = _email_key(learner.email)
        if email is not None:
            by_email.setdefault(email, learner.enrollment_id)
    attended: dict[int, list[Attendee]] = {}
    strangers: dict[str, list[Attendee]] = {}
    for index, record in enumerate(attendees):
        key = _registrant_key(record.registrant_key)
        email = _email_key(record.email)
        owner = by_key.get(key) if key is not None else None
        if owner is None and email is not None:
            owner = by_email.get(email)
        if owner is not None:
            attended.setdefault(owner, []).append(record)
            continue
        person = email or (f"key:{key}" if key is not None else f"record:{index}")
        strangers.setdefault(person, []).append(record)
    walk_ins = tuple(
        WalkIn(
            name=next((r.name for r in records if r.name.strip()), ""),
            email=records[0].email.strip(),
            minutes=attendance_minutes(records),
        )
        for records in strangers.values()
    )
    return AttendeeMatch(
        attended={owner: tuple(records) for owner, records in attended.items()},
        walk_ins=walk_ins,
    )


# --- When sync runs -------------------------------------------------------------------------


def _aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None:
            raise ValueError("sync times must be timezone-aware")


def is_final_run(ends_at: datetime, now: datetime) -> bool:
    """Whether a run starting at `now` is the session's final run (about two days after its end)."""
    _aware(ends_at, now)
    return now >= ends_at + FINAL_RUN_AFTER_END


def sync_schedule(ends_at: datetime, now: datetime, runs_done: int) -> datetime | None:
    """When the next sync run of a session is due, or None when no run is left.

    With `runs_done` 0 nothing has run: the first run is due shortly after the end (at once,
    if that has passed). Otherwise `now` is when the latest run started: the next is the first
    time of `RUN_AFTER_END` after it (runs missed while nothing ran are not made up), and none
    follows a final run (`is_final_run`).
    """
    _aware(ends_at, now)
    if runs_done < 0:
        raise ValueError(f"runs done cannot be negative: {runs_done}")
    if runs_done == 0:
        return ends_at + RUN_AFTER_END[0]
    if is_final_run(ends_at, now):
        return None
    return next(ends_at + after for after in RUN_AFTER_END if ends_at + after > now)
