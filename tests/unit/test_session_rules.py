"""Pure rules of the session form: each field's error, keyed by the modal's block id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.limits import GOTO_EVENT_KEY_MAX, MAX_LEARNERS_MAX
from domain.models import LearningElement, Location, LocationKind, TrackingRule
from domain.session_rules import (
    FIELDS,
    SessionForm,
    event_matches,
    is_timezone,
    parse_max_learners,
    validate_session,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
END = START + timedelta(hours=2)
TEAM = 1
OTHER_TEAM = 2
IVY = "U0IVY00001"


def element(owner: int = TEAM) -> LearningElement:
    return LearningElement(
        id=10,
        workspace_id="T1",
        owner_team_id=owner,
        title="Negotiation",
        title_key="negotiation",
        created_by="U0ADA00001",
    )


def location(kind: LocationKind = LocationKind.GOTOWEBINAR, **changes: Any) -> Location:
    row = Location(
        id=20,
        workspace_id="T1",
        owner_team_id=TEAM,
        name="Webinar <Room>",
        name_key="webinar <room>",
        kind=kind,
        created_by="U0ADA00001",
    )
    for key, value in changes.items():
        setattr(row, key, value)
    return row


def form(**changes: Any) -> SessionForm:
    base = SessionForm(
        element_id=10,
        location_id=20,
        instructor_id=IVY,
        starts_at=START,
        ends_at=END,
        timezone="Europe/Berlin",
        goto_event="1234567890",
    )
    for key, value in changes.items():
        assert hasattr(base, key), key
        setattr(base, key, value)
    return base


def errors_of(
    f: SessionForm,
    *,
    el: LearningElement | None = None,
    loc: Location | None = None,
    teams: set[int] | None = None,
    no_element: bool = False,
    no_location: bool = False,
) -> dict[str, str]:
    _, errors = validate_session(
        f,
        element=None if no_element else (el or element()),
        location=None if no_location else (loc or location()),
        location_team_ids={TEAM} if teams is None else teams,
        active_team_id=TEAM,
        now=NOW,
    )
    return errors


def test_a_good_webinar_form_is_cleaned() -> None:
    clean, errors = validate_session(
        form(
            instructor_id=f" {IVY} ",
            timezone=" America/New_York ",
            max_learners=" 1,000 ",
            goto_event=" 1234567890 ",
            tracking="all_polls_answered",
        ),
        element=element(),
        location=location(),
        location_team_ids={TEAM, OTHER_TEAM},
        active_team_id=TEAM,
        now=NOW,
    )
    assert errors == {}
    assert clean is not None
    assert (clean.element_id, clean.location_id, clean.instructor_id) == (10, 20, IVY)
    assert (clean.starts_at, clean.ends_at, clean.timezone) == (START, END, "America/New_York")
    assert (clean.max_learners, clean.goto_product, clean.goto_event_key) == (
        1000,
        LocationKind.GOTOWEBINAR,
        "1234567890",
    )
    assert clean.tracking is TrackingRule.ALL_POLLS_ANSWERED


def test_a_classroom_session_has_no_goto_event_and_tracks_attendance() -> None:
    clean, errors = validate_session(
        form(goto_event="whatever", tracking=""),
        element=element(),
        location=location(LocationKind.CLASSROOM),
        location_team_ids={TEAM},
        active_team_id=TEAM,
        now=NOW,
    )
    assert errors == {}
    assert clean is not None
    assert (clean.goto_product, clean.goto_event_key, clean.tracking) == (
        None,
        None,
        TrackingRule.ATTENDED,
    )


def test_the_element_must_be_one_of_the_active_team() -> None:
    expected = {"element": "Choose a learning element of your active team."}
    assert errors_of(form(), no_element=True) == expected
    assert errors_of(form(), el=element(owner=OTHER_TEAM)) == expected


def test_the_location_must_be_active_and_available_to_the_active_team() -> None:
    assert errors_of(form(), no_location=True) == {"location": "Choose a location."}
    assert errors_of(form(), loc=location(active=False)) == {
        "location": "*Webinar &lt;Room&gt;* is inactive; choose an active location."
    }
    assert errors_of(form(), teams={OTHER_TEAM}) == {
        "location": "*Webinar &lt;Room&gt;* is not available to your active team; "
        "choose one of its locations."
    }


@pytest.mark.parametrize(
    ("instructor", "expected"),
    [
        ("", "Choose the instructor: every session has one."),
        ("   ", "Choose the instructor: every session has one."),
        ("ivy", "Choose the instructor from Slack's list of people."),
        ("<@U0IVY00001>", "Choose the instructor from Slack's list of people."),
        ("C0CHANNEL1", "Choose the instructor from Slack's list of people."),
        ("U" + "A" * 32, "Choose the instructor from Slack's list of people."),
    ],
)
def test_the_instructor_is_required_and_a_slack_user(instructor: str, expected: str) -> None:
    assert errors_of(form(instructor_id=instructor)) == {"instructor": expected}


def test_a_classroom_session_needs_both_times() -> None:
    classroom = location(LocationKind.CLASSROOM)
    assert errors_of(form(starts_at=None, ends_at=None), loc=classroom) == {
        "starts_at": "Choose when the session starts.",
        "ends_at": "Choose when the session ends.",
    }


def test_a_goto_session_may_leave_its_times_to_goto() -> None:
    assert errors_of(form(starts_at=None, ends_at=None)) == {}
    assert errors_of(form(starts_at=None)) == {}


def test_the_end_comes_after_the_start_which_lies_ahead() -> None:
    ends_before = {"ends_at": "The session must end after it starts."}
    assert errors_of(form(ends_at=START)) == ends_before
    assert errors_of(form(ends_at=START - timedelta(minutes=1))) == ends_before
    assert errors_of(form(ends_at=START + timedelta(minutes=1))) == {}
    passed = {"starts_at": "That time has passed; choose when the session will start."}
    assert errors_of(form(starts_at=NOW, ends_at=END)) == passed
    assert errors_of(form(starts_at=NOW + timedelta(seconds=1), ends_at=END)) == {}


def test_naive_times_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        errors_of(form(starts_at=datetime(2027, 1, 1, 9, 0)))


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("", "Choose the session's time zone."),
        (
            "Mars/Olympus_Mons",
            "`Mars/Olympus_Mons` is not a time zone; choose one such as Europe/Berlin or "
            "America/New_York.",
        ),
        (
            "europe/berlin",
            "`europe/berlin` is not a time zone; choose one such as Europe/Berlin or "
            "America/New_York.",
        ),
        (
            "<!here>",
            "`&lt;!here&gt;` is not a time zone; choose one such as Europe/Berlin or "
            "America/New_York.",
        ),
        (
            "../../etc/passwd",
            "`../../etc/passwd` is not a time zone; choose one such as Europe/Berlin or "
            "America/New_York.",
        ),
    ],
)
def test_the_time_zone_is_a_real_iana_zone(zone: str, expected: str) -> None:
    assert errors_of(form(timezone=zone)) == {"timezone": expected}


def test_known_zones_are_accepted() -> None:
    for zone in ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"):
        assert is_timezone(zone), zone
    assert not is_timezone("Europe/" + "x" * 100)


def test_max_learners_lies_within_the_locations_limit() -> None:
    capped = location(max_learners=50)
    assert errors_of(form(max_learners="50"), loc=capped) == {}
    assert errors_of(form(max_learners=""), loc=capped) == {}
    rule = "Enter a whole number from 1 to 50, or leave it empty."
    for bad in ("51", "0", "-1", "ten", "1.5", "²"):
        assert errors_of(form(max_learners=bad), loc=capped) == {"max_learners": rule}, bad


def test_max_learners_without_a_location_limit_stops_at_the_products() -> None:
    assert parse_max_learners(f"{MAX_LEARNERS_MAX:,}", MAX_LEARNERS_MAX) == (
        MAX_LEARNERS_MAX,
        None,
    )
    rule = f"Enter a whole number from 1 to {MAX_LEARNERS_MAX:,}, or leave it empty."
    assert errors_of(form(max_learners=str(MAX_LEARNERS_MAX + 1))) == {"max_learners": rule}
    # Huge input is refused before it is read as a number.
    assert errors_of(form(max_learners="9" * 5000)) == {"max_learners": rule}


@pytest.mark.parametrize(
    ("kind", "key", "expected"),
    [
        (
            LocationKind.GOTOWEBINAR,
            "",
            "Enter the GoToWebinar key: the digits of the webinar's URL, not the registration URL.",
        ),
        (
            LocationKind.GOTOTRAINING,
            "  ",
            "Enter the GoToTraining key: the digits of the training's URL, "
            "not the registration URL.",
        ),
        (
            LocationKind.GOTOWEBINAR,
            "123-456-789",
            "A GoToWebinar key is digits only: the digits of the webinar's URL, "
            "not the registration URL.",
        ),
        (
            LocationKind.GOTOWEBINAR,
            "https://register.gotowebinar.com/register/123",
            "A GoToWebinar key is digits only: the digits of the webinar's URL, "
            "not the registration URL.",
        ),
        (
            LocationKind.GOTOTRAINING,
            "١٢٣",  # Arabic-Indic digits are digits to Python, not to GoTo
            "A GoToTraining key is digits only: the digits of the training's URL, "
            "not the registration URL.",
        ),
        (
            LocationKind.GOTOWEBINAR,
            "1" * (GOTO_EVENT_KEY_MAX + 1),
            "A GoToWebinar key is digits only: the digits of the webinar's URL, "
            "not the registration URL.",
        ),
    ],
)
def test_a_goto_location_needs_a_key_of_digits(kind: LocationKind, key: str, expected: str) -> None:
    assert errors_of(form(goto_event=key), loc=location(kind)) == {"goto_event": expected}


def test_the_longest_key_is_accepted() -> None:
    assert errors_of(form(goto_event="1" * GOTO_EVENT_KEY_MAX)) == {}


def test_every_poll_answered_is_for_gotowebinar_only() -> None:
    polls = form(tracking="all_polls_answered")
    assert errors_of(polls) == {}
    assert errors_of(polls, loc=location(LocationKind.GOTOTRAINING)) == {
        "tracking": "Only GoToWebinar sessions can require every poll answered; "
        "*Webinar &lt;Room&gt;* is a GoToTraining location."
    }
    assert errors_of(polls, loc=location(LocationKind.CLASSROOM)) == {
        "tracking": "Only GoToWebinar sessions can require every poll answered; "
        "*Webinar &lt;Room&gt;* is a Classroom location."
    }
    assert errors_of(form(tracking="completed")) == {
        "tracking": "Choose when a learner completes: attended, or answered every poll."
    }


def test_errors_are_keyed_by_the_modals_block_ids() -> None:
    errors = errors_of(
        SessionForm(
            max_learners="x",
            tracking="bogus",
            starts_at=NOW,
            ends_at=NOW - timedelta(hours=1),
        ),
        no_element=True,
        loc=location(active=False),
    )
    # A new element's title is checked by the service, against the team's catalog.
    assert set(errors) == set(FIELDS) - {"new_element"}


def test_creating_the_event_needs_both_times_and_no_key() -> None:
    def creating(f: SessionForm) -> dict[str, str]:
        _, errors = validate_session(
            f,
            element=element(),
            location=location(),
            location_team_ids={TEAM},
            active_team_id=TEAM,
            now=NOW,
            create_event=True,
        )
        return errors

    assert creating(form(goto_event="")) == {}
    assert creating(form(goto_event="", starts_at=None, ends_at=None)) == {
        "starts_at": "Choose when the session starts.",
        "ends_at": "Choose when the session ends.",
    }
    assert set(creating(form(goto_event="123"))) == {"goto_event"}


def test_an_edited_session_may_keep_a_start_that_has_passed() -> None:
    past = NOW - timedelta(hours=1)
    kept = form(starts_at=past, ends_at=NOW + timedelta(hours=1))
    _, errors = validate_session(
        kept,
        element=element(),
        location=location(),
        location_team_ids={TEAM},
        active_team_id=TEAM,
        now=NOW,
        saved_start=past,
    )
    assert errors == {}
    assert errors_of(kept) == {
        "starts_at": "That time has passed; choose when the session will start."
    }


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("", True),
        ("leader", True),
        ("LEADERSHIP 101", True),
        ("leadership onboarding", False),
        ("4500005", True),
        ("1234-500-005", True),
        ("999", False),
    ],
)
def test_the_event_picker_matches_subject_words_and_key_digits(query: str, matches: bool) -> None:
    assert event_matches("Leadership 101", "1234500005", query) is matches
