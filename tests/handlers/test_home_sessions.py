"""App Home's sessions: registrations with join links, sessions taught, the team's with a
Register people button; escaped, capped, within Slack's 100 blocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.actor import Actor
from domain.models import EnrollmentStatus, LocationKind, SessionStatus, TrackingRule
from domain.services.home import HomeSessions, Listed, Registration
from domain.services.locations import LocationPage
from domain.services.session_rows import SessionView
from handlers.home import HOME_LOCATIONS, home_view
from handlers.home_sessions import HOME_SESSIONS
from handlers.session_views import REGISTER_PEOPLE_ACTION
from sandbox.slack.blockkit import check_view
from tests.handlers.locations_data import classroom
from tests.handlers.snapshots import assert_snapshot
from tests.handlers.support import instructor, learner, team_admin

MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
CLAIRE = "U0CLAIRE01"
EMPTY = LocationPage(views=[], total=0)
NOTHING = HomeSessions(registrations=Listed(), teaching=Listed(), team=None)


def view(session_id: int = 7, **changes: Any) -> SessionView:
    values: dict[str, Any] = {
        "id": session_id,
        "element_id": 1,
        "element_title": "Negotiation",
        "team": "Sales",
        "location_id": 3,
        "location_name": "Webinar Room",
        "location_kind": LocationKind.GOTOWEBINAR,
        "location_active": True,
        "instructor_id": CLAIRE,
        "starts_at": MONDAY,
        "ends_at": MONDAY + timedelta(hours=2),
        "timezone": "Europe/Oslo",
        "max_learners": 12,
        "location_max_learners": None,
        "goto_product": LocationKind.GOTOWEBINAR,
        "goto_event_key": "1234567890",
        "tracking": TrackingRule.ATTENDED,
        "status": SessionStatus.SCHEDULED,
        "registered": 3,
    }
    values.update(changes)
    return SessionView(**values)


def room(session_id: int, **changes: Any) -> SessionView:
    return view(
        session_id,
        element_title="First aid",
        location_name="Oslo Room 3",
        location_kind=LocationKind.CLASSROOM,
        goto_product=None,
        goto_event_key=None,
        max_learners=None,
        location_max_learners=30,
        starts_at=MONDAY + timedelta(days=1),
        ends_at=MONDAY + timedelta(days=1, hours=3),
        **changes,
    )


def home(who: Actor, found: HomeSessions, page: LocationPage = EMPTY) -> dict[str, Any]:
    shown = home_view(who, page, found)
    assert check_view(shown) == []
    return shown


def texts(shown: dict[str, Any]) -> list[str]:
    lines = []
    for block in shown["blocks"]:
        if block["type"] == "context":
            lines += [e["text"] for e in block["elements"]]
        elif block["type"] == "divider":
            lines.append("---")
        else:
            lines.append(block["text"]["text"])
    return lines


def buttons(shown: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (b["accessory"]["action_id"], b["accessory"]["value"])
        for b in shown["blocks"]
        if "accessory" in b
    ]


def test_a_team_admin_sees_the_teams_sessions_with_seats_and_register_people() -> None:
    found = HomeSessions(
        registrations=Listed(),
        teaching=Listed(),
        team=Listed([view(7), room(8, registered=30)], 2),
    )
    shown = home(team_admin(), found)
    assert_snapshot("home-admin-sessions", shown)
    assert buttons(shown) == [(REGISTER_PEOPLE_ACTION, "7"), (REGISTER_PEOPLE_ACTION, "8")]
    lines = texts(shown)
    assert lines[3] == "*Upcoming sessions of team Sales*"
    assert lines[4].endswith("\n3 registered of 12")
    assert lines[5].endswith("\n30 registered of 30")


def test_an_instructor_sees_the_sessions_they_teach_without_register_people() -> None:
    found = HomeSessions(registrations=Listed(), teaching=Listed([view(7), room(8)], 2), team=None)
    shown = home(instructor(), found)
    assert_snapshot("home-instructor-sessions", shown)
    assert buttons(shown) == []
    assert texts(shown)[3] == "*Sessions you teach*"


def test_a_learner_sees_join_links_and_pending_registrations() -> None:
    found = HomeSessions(
        registrations=Listed(
            [
                Registration(view(7), EnrollmentStatus.REGISTERED, "https://goto.test/join/7"),
                Registration(room(8), EnrollmentStatus.REGISTERED, None),
                Registration(view(9), EnrollmentStatus.PENDING, None),
            ],
            3,
        ),
        teaching=Listed(),
        team=None,
    )
    shown = home(learner(), found)
    assert_snapshot("home-learner-registrations", shown)
    lines = texts(shown)
    assert lines[3] == "*Your registrations*"
    assert lines[4].endswith("\nRegistered · <https://goto.test/join/7|Join the session>")
    assert lines[5].endswith("\nRegistered")
    assert lines[6].endswith("\n_Pending_: GoTo has not confirmed your registration yet")
    assert buttons(shown) == []


def test_titles_names_and_join_links_cannot_break_out_of_their_text() -> None:
    hostile = view(7, element_title="Deals <!channel> & co", location_name="Room <@U0BEN00001>")
    found = HomeSessions(
        registrations=Listed(
            [Registration(hostile, EnrollmentStatus.REGISTERED, "https://x.test/a|b>c")], 1
        ),
        teaching=Listed([hostile], 1),
        team=Listed([hostile], 1),
    )
    raw = json.dumps(home(team_admin(), found))
    assert "<!channel>" not in raw and "<@U0BEN00001>" not in raw
    assert "Deals &lt;!channel&gt; &amp; co" in raw
    assert "<https://x.test/a%7Cb&gt;c|Join the session>" in raw


def test_an_admin_of_a_team_without_sessions_is_told_how_to_schedule_one() -> None:
    found = HomeSessions(registrations=Listed(), teaching=Listed(), team=Listed())
    assert texts(home(team_admin(), found))[3:5] == [
        "*Upcoming sessions of team Sales*",
        "No upcoming sessions yet: schedule one with `/vilt session new`.",
    ]
    # Someone with nothing to show sees no session headings at all.
    assert not any("session" in line for line in texts(home(learner(), NOTHING))[:-1])


def test_long_lists_are_capped_and_the_fullest_home_stays_within_100_blocks() -> None:
    many = [view(i) for i in range(HOME_SESSIONS)]
    found = HomeSessions(
        registrations=Listed(
            [Registration(v, EnrollmentStatus.REGISTERED, "https://goto.test/j") for v in many],
            57,
        ),
        teaching=Listed(many, 12),
        team=Listed(many, 340),
    )
    locations = LocationPage(
        views=[classroom(id=i, name=f"Room {i}") for i in range(HOME_LOCATIONS)], total=40
    )
    shown = home(team_admin(), found, locations)
    assert len(shown["blocks"]) <= 100
    lines = texts(shown)
    assert "…and 47 more: `/vilt sessions`" in lines
    assert "…and 2 more: `/vilt sessions`" in lines
    assert "…and 330 more: `/vilt session list`" in lines
    assert "…and 25 more: `/vilt location list`" in lines
