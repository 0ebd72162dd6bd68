"""Pure rules of completion: statuses move forward only, matching, fewest requests, schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from domain.completion_rules import (
    FINAL_RUN_AFTER_END,
    RUN_AFTER_END,
    AttendanceFacts,
    Attendee,
    Learner,
    WalkIn,
    attendance_minutes,
    is_final,
    is_final_run,
    match_attendee,
    needs_poll_answers,
    next_status,
    sync_may_change,
    sync_schedule,
    why_in_progress,
)
from domain.models import Enrollment, EnrollmentStatus, TrackingRule

S = EnrollmentStatus
ATTENDED = TrackingRule.ATTENDED
ALL_POLLS = TrackingRule.ALL_POLLS_ANSWERED
END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)

ABSENT = None
SHOWED_UP = AttendanceFacts(attended=True, minutes=55)
SOME_POLLS = AttendanceFacts(attended=True, minutes=55, polls_answered=2, polls_total=3)
ALL_POLLS_DONE = AttendanceFacts(attended=True, minutes=55, polls_answered=3, polls_total=3)
LISTED_NOT_ATTENDED = AttendanceFacts(attended=False)


# --- next_status: every status, every kind of fact, before and at the final run ---------------

# (current, tracking, facts, final_run) → expected, for the statuses sync moves.
MOVES = [
    # registered, attended rule
    (S.REGISTERED, ATTENDED, SHOWED_UP, False, S.COMPLETE),
    (S.REGISTERED, ATTENDED, SHOWED_UP, True, S.COMPLETE),
    (S.REGISTERED, ATTENDED, SOME_POLLS, False, S.COMPLETE),
    (S.REGISTERED, ATTENDED, ABSENT, False, S.REGISTERED),
    (S.REGISTERED, ATTENDED, ABSENT, True, S.NOT_ATTENDED),
    (S.REGISTERED, ATTENDED, LISTED_NOT_ATTENDED, False, S.REGISTERED),
    (S.REGISTERED, ATTENDED, LISTED_NOT_ATTENDED, True, S.NOT_ATTENDED),
    # registered, every poll answered rule
    (S.REGISTERED, ALL_POLLS, SOME_POLLS, False, S.IN_PROGRESS),
    (S.REGISTERED, ALL_POLLS, SOME_POLLS, True, S.IN_PROGRESS),
    (S.REGISTERED, ALL_POLLS, ALL_POLLS_DONE, False, S.COMPLETE),
    (S.REGISTERED, ALL_POLLS, ALL_POLLS_DONE, True, S.COMPLETE),
    (S.REGISTERED, ALL_POLLS, SHOWED_UP, False, S.COMPLETE),  # a session without polls
    (S.REGISTERED, ALL_POLLS, ABSENT, False, S.REGISTERED),
    (S.REGISTERED, ALL_POLLS, ABSENT, True, S.NOT_ATTENDED),
    # in progress: only on to complete
    (S.IN_PROGRESS, ALL_POLLS, SOME_POLLS, False, S.IN_PROGRESS),
    (S.IN_PROGRESS, ALL_POLLS, SOME_POLLS, True, S.IN_PROGRESS),
    (S.IN_PROGRESS, ALL_POLLS, ALL_POLLS_DONE, False, S.COMPLETE),
    (S.IN_PROGRESS, ALL_POLLS, ALL_POLLS_DONE, True, S.COMPLETE),
    (S.IN_PROGRESS, ATTENDED, SOME_POLLS, False, S.COMPLETE),
    (S.IN_PROGRESS, ALL_POLLS, ABSENT, False, S.IN_PROGRESS),
    (S.IN_PROGRESS, ALL_POLLS, ABSENT, True, S.IN_PROGRESS),  # seen attending: never absent
]


@pytest.mark.parametrize(("current", "tracking", "facts", "final_run", "expected"), MOVES)
def test_sync_moves_an_enrollment_by_what_goto_says(
    current, tracking, facts, final_run, expected
) -> None:
    assert next_status(current, tracking, facts, final_run=final_run) is expected


ALL_FACTS = [ABSENT, SHOWED_UP, SOME_POLLS, ALL_POLLS_DONE, LISTED_NOT_ATTENDED]


@pytest.mark.parametrize("current", [S.COMPLETE, S.NOT_ATTENDED, S.PENDING, S.CANCELLED])
@pytest.mark.parametrize("tracking", list(TrackingRule))
@pytest.mark.parametrize("facts", ALL_FACTS)
@pytest.mark.parametrize("final_run", [False, True])
def test_final_pending_and_cancelled_enrollments_are_never_touched(
    current, tracking, facts, final_run
) -> None:
    assert next_status(current, tracking, facts, final_run=final_run) is current


@pytest.mark.parametrize("tracking", list(TrackingRule))
def test_later_runs_never_move_a_status_back(tracking) -> None:
    """Whatever later runs see, in any order, the status never returns to an earlier one."""
    rank = {S.REGISTERED: 0, S.IN_PROGRESS: 1, S.COMPLETE: 2, S.NOT_ATTENDED: 2}
    for first in ALL_FACTS:
        for later in ALL_FACTS:
            for final in (False, True):
                status = next_status(S.REGISTERED, tracking, first, final_run=False)
                after = next_status(status, tracking, later, final_run=final)
                assert rank[after] >= rank[status], (first, later, final)
                if is_final(status):
                    assert after is status


def test_data_appearing_only_on_a_later_run_still_completes() -> None:
    status = next_status(S.REGISTERED, ATTENDED, ABSENT, final_run=False)
    assert status is S.REGISTERED
    assert next_status(status, ATTENDED, SHOWED_UP, final_run=False) is S.COMPLETE


def test_polls_answered_over_runs_complete_the_learner() -> None:
    status = next_status(S.REGISTERED, ALL_POLLS, SOME_POLLS, final_run=False)
    assert status is S.IN_PROGRESS
    assert next_status(status, ALL_POLLS, ALL_POLLS_DONE, final_run=False) is S.COMPLETE


def test_only_outcomes_are_final_and_sync_changes_only_registered_or_in_progress() -> None:
    assert {s for s in S if is_final(s)} == {S.COMPLETE, S.NOT_ATTENDED}
    assert {s for s in S if sync_may_change(s)} == {S.REGISTERED, S.IN_PROGRESS}


# --- The facts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"minutes": -1},
        {"polls_answered": -1, "polls_total": 2},
        {"polls_total": -1},
        {"polls_answered": 4, "polls_total": 3},
    ],
)
def test_impossible_facts_are_refused(fields) -> None:
    with pytest.raises(ValueError):
        AttendanceFacts(attended=True, **fields)


def test_a_session_without_polls_counts_as_every_poll_answered() -> None:
    assert AttendanceFacts(attended=True).answered_every_poll
    assert not SOME_POLLS.answered_every_poll


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        (SOME_POLLS, "answered 2 of 3 polls"),
        (AttendanceFacts(attended=True, polls_answered=0, polls_total=1), "answered 0 of 1 poll"),
        (LISTED_NOT_ATTENDED, "not in GoTo's attendance yet"),
    ],
)
def test_the_report_says_why_a_learner_is_in_progress(facts, text) -> None:
    assert why_in_progress(facts) == text


# --- Fewest requests: whose poll answers are fetched ----------------------------------------


@pytest.mark.parametrize(
    ("current", "tracking", "attended", "polls_total", "expected"),
    [
        (S.REGISTERED, ALL_POLLS, True, None, True),
        (S.REGISTERED, ALL_POLLS, True, 3, True),
        (S.IN_PROGRESS, ALL_POLLS, True, 3, True),
        (S.REGISTERED, ALL_POLLS, True, 0, False),  # the session has no polls
        (S.REGISTERED, ALL_POLLS, False, 3, False),  # absent: nothing to ask
        (S.REGISTERED, ATTENDED, True, 3, False),  # attending is enough
        (S.IN_PROGRESS, ATTENDED, True, 3, False),
        (S.COMPLETE, ALL_POLLS, True, 3, False),
        (S.NOT_ATTENDED, ALL_POLLS, True, 3, False),
        (S.PENDING, ALL_POLLS, True, 3, False),
        (S.CANCELLED, ALL_POLLS, True, 3, False),
    ],
)
def test_poll_answers_are_fetched_only_for_attendees_still_short_of_every_poll(
    current, tracking, attended, polls_total, expected
) -> None:
    assert needs_poll_answers(current, tracking, attended, polls_total=polls_total) is expected


# --- Matching attendees to enrollments ------------------------------------------------------

ADA = Learner(enrollment_id=1, registrant_key="1001", email="ada@example.com")
BOB = Learner(enrollment_id=2, registrant_key="1002", email="Bob@Example.com")
CY = Learner(enrollment_id=3, registrant_key=None, email="cy@example.com")


def test_attendees_match_by_registrant_key_before_email() -> None:
    # Ada's key, but Bob's email (say, Ada joined from Bob's invitation): the key decides.
    record = Attendee(email="bob@example.com", registrant_key="1001", seconds=600)
    match = match_attendee([ADA, BOB], [record])
    assert match.records(1) == (record,)
    assert match.records(2) == ()
    assert match.walk_ins == ()


def test_attendees_without_a_known_key_match_by_email_ignoring_case() -> None:
    bob = Attendee(email="  BOB@example.COM ", registrant_key="9999", seconds=60)
    cy = Attendee(email="Cy@Example.com", seconds=120)  # GoToTraining gives no key
    match = match_attendee([ADA, BOB, CY], [bob, cy])
    assert match.records(2) == (bob,)
    assert match.records(3) == (cy,)
    assert match.records(1) == ()


def test_a_training_attended_in_two_parts_adds_up() -> None:
    parts = [
        Attendee(email="cy@example.com", seconds=40 * 60, session_key="s1"),
        Attendee(email="CY@example.com", seconds=50 * 60, session_key="s2"),
    ]
    match = match_attendee([CY], parts)
    assert match.records(3) == tuple(parts)
    assert match.facts(3, polls_answered=1, polls_total=2) == AttendanceFacts(
        attended=True, minutes=90, polls_answered=1, polls_total=2
    )
    assert match.facts(1) is None  # not listed: absent


def test_walk_ins_are_reported_once_per_person() -> None:
    records = [
        Attendee(email="eve@example.com", name="", seconds=30 * 60),
        Attendee(email="ada@example.com", registrant_key="1001", seconds=60),
        Attendee(email="Eve@Example.com", name="Eve Adams", seconds=15 * 60),
        Attendee(email="", registrant_key="777", name="Keyed", seconds=90),
        Attendee(email="", registrant_key="777", seconds=30),
        Attendee(email="", name="Nobody A", seconds=60),
        Attendee(email=" ", name="Nobody B", seconds=60),
    ]
    match = match_attendee([ADA], records)
    assert match.walk_ins == (
        WalkIn(name="Eve Adams", email="eve@example.com", minutes=45),
        WalkIn(name="Keyed", email="", minutes=2),
        WalkIn(name="Nobody A", email="", minutes=1),
        WalkIn(name="Nobody B", email="", minutes=1),
    )
    assert match.records(1) == (records[1],)


def test_learners_without_key_or_email_match_nothing() -> None:
    blank = Learner(enrollment_id=4, registrant_key=" ", email="")
    record = Attendee(email="", registrant_key="", name="Ghost", seconds=60)
    match = match_attendee([blank], [record])
    assert match.attended == {}
    assert match.walk_ins == (WalkIn(name="Ghost", email="", minutes=1),)


def test_learners_sharing_an_email_go_to_the_first_listed() -> None:
    twin = Learner(enrollment_id=5, registrant_key=None, email="ADA@example.com")
    record = Attendee(email="ada@example.com", seconds=60)
    assert match_attendee([ADA, twin], [record]).records(1) == (record,)
    assert match_attendee([twin, ADA], [record]).records(5) == (record,)


def test_a_stored_enrollment_is_matched_by_its_key_and_email() -> None:
    row = Enrollment(
        id=7,
        workspace_id="T1",
        session_id=1,
        user_id="U0ADA00001",
        email="ada@example.com",
        goto_registrant_key="1001",
    )
    assert Learner.of(row) == Learner(7, "1001", "ada@example.com")
    row.id = None
    with pytest.raises(ValueError):
        Learner.of(row)


@pytest.mark.parametrize(
    ("seconds", "minutes"), [([], 0), ([29], 0), ([30], 1), ([89, 1], 2), ([-5, 60], 1)]
)
def test_attendance_minutes_round_to_the_nearest_minute(seconds, minutes) -> None:
    records = [Attendee(email="a@example.com", seconds=s) for s in seconds]
    assert attendance_minutes(records) == minutes


# --- When sync runs -------------------------------------------------------------------------


def test_the_schedule_backs_off_to_a_final_run_two_days_after_the_end() -> None:
    assert timedelta(days=2) == FINAL_RUN_AFTER_END
    assert list(RUN_AFTER_END) == sorted(RUN_AFTER_END)
    assert RUN_AFTER_END[0] <= timedelta(hours=1)
    gaps = [b - a for a, b in pairwise(RUN_AFTER_END)]
    assert gaps == sorted(gaps)  # back-off: each wait at least as long as the one before


def test_runs_follow_the_schedule_until_the_final_one() -> None:
    due = sync_schedule(END, END - timedelta(hours=1), 0)
    seen: list[datetime] = []
    for runs in range(1, 2 * len(RUN_AFTER_END)):
        if due is None:
            break
        seen.append(due)
        due = sync_schedule(END, due, runs)
    assert seen == [END + after for after in RUN_AFTER_END]
    assert [is_final_run(END, at) for at in seen] == [False] * (len(seen) - 1) + [True]


def test_the_first_run_is_due_at_once_when_its_time_has_passed() -> None:
    late = END + timedelta(days=5)
    assert sync_schedule(END, late, 0) == END + RUN_AFTER_END[0]
    # That run, five days on, is the final one: nothing follows it.
    assert is_final_run(END, late)
    assert sync_schedule(END, late, 1) is None


def test_missed_runs_are_not_made_up() -> None:
    # The latest run started 10 hours after the end: the next is the 24-hour run, not the 8-hour.
    assert sync_schedule(END, END + timedelta(hours=10), 2) == END + timedelta(hours=24)


def test_a_run_before_the_first_scheduled_one_still_leaves_it() -> None:
    assert sync_schedule(END, END + timedelta(minutes=5), 1) == END + RUN_AFTER_END[0]


def test_the_final_run_starts_two_days_after_the_end() -> None:
    assert not is_final_run(END, END + FINAL_RUN_AFTER_END - timedelta(seconds=1))
    assert is_final_run(END, END + FINAL_RUN_AFTER_END)


def test_sync_times_must_be_timezone_aware_and_runs_counted() -> None:
    naive = datetime(2026, 11, 30, 16, 0)
    with pytest.raises(ValueError):
        sync_schedule(naive, END, 0)
    with pytest.raises(ValueError):
        is_final_run(END, naive)
    with pytest.raises(ValueError):
        sync_schedule(END, END, -1)
