"""Block Kit of the session modal, built without Slack: new, at a GoTo location, edit; its state
read back; the event picker's and time zone options; the cancel confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.models import LearningElement, Location, LocationKind
from domain.ports import EventFacts
from domain.session_rules import SessionForm
from handlers.session_modal_views import (
    SessionModalMeta,
    cancel_prompt,
    event_label,
    event_options,
    form_from_state,
    session_modal,
    timezone_options,
)
from sandbox.slack.blockkit import check_blocks, check_view
from sandbox.slack.view_state import build_state
from tests.handlers.snapshots import assert_snapshot
from tests.handlers.support import WS

RESPONSE_URL = "https://hooks.slack.com/commands/T0ACME0001/1/abc"
START = datetime(2030, 3, 4, 14, 0, tzinfo=UTC)
END = datetime(2030, 3, 4, 16, 0, tzinfo=UTC)


def element(element_id: int, title: str) -> LearningElement:
    return LearningElement(
        id=element_id,
        workspace_id=WS,
        owner_team_id=1,
        title=title,
        title_key=title.casefold(),
        created_by="U0ANN00001",
    )


def location(location_id: int, name: str, kind: LocationKind, max_learners: int | None) -> Location:
    return Location(
        id=location_id,
        workspace_id=WS,
        name=name,
        name_key=name.casefold(),
        kind=kind,
        owner_team_id=1,
        max_learners=max_learners,
        created_by="U0ANN00001",
    )


ELEMENTS = [element(1, "Negotiation"), element(2, "Cold Calling <basics>")]
LOCATIONS = [
    location(10, "Room 1", LocationKind.CLASSROOM, 30),
    location(11, "Webinar Room", LocationKind.GOTOWEBINAR, None),
    location(12, "Training Room", LocationKind.GOTOTRAINING, 50),
]


def modal(form: SessionForm, *, session_id: int | None = None, create: bool = False) -> Any:
    view = session_modal(
        form=form,
        create_event=create,
        elements=ELEMENTS,
        locations=LOCATIONS,
        meta=SessionModalMeta(session_id=session_id, response_url=RESPONSE_URL),
        team_name="Sales",
    )
    assert check_view(view) == []
    return view


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"]]


def test_a_new_session_modal_asks_the_basics_first() -> None:
    view = modal(SessionForm(timezone="Europe/Oslo"))
    assert block_ids(view) == [
        "element",
        "new_element",
        "location",
        "instructor",
        "starts_at",
        "ends_at",
        "timezone",
        "max_learners",
    ]
    assert_snapshot("session-modal-new", view)


def test_a_webinar_location_adds_the_event_picker_creation_and_every_tracking_rule() -> None:
    view = modal(SessionForm(location_id=11, timezone="UTC"), create=True)
    assert block_ids(view)[-3:] == ["goto_event", "goto_create", "tracking"]
    assert_snapshot("session-modal-webinar-create", view)


def test_a_training_location_tracks_attendance_only() -> None:
    view = modal(SessionForm(location_id=12, timezone="UTC"))
    tracking = next(b for b in view["blocks"] if b["block_id"] == "tracking")
    assert [o["value"] for o in tracking["element"]["options"]] == ["attended"]
    assert "At most 50, the location's limit" in str(view)


def test_the_edit_modal_is_prefilled_and_adds_no_new_element() -> None:
    form = SessionForm(
        element_id=1,
        location_id=11,
        instructor_id="U0CLAIRE01",
        starts_at=START,
        ends_at=END,
        timezone="Europe/Berlin",
        max_learners="12",
        goto_event="1234500005",
        tracking="all_polls_answered",
    )
    view = modal(form, session_id=7)
    assert "new_element" not in block_ids(view)
    assert_snapshot("session-modal-edit-webinar", view)
    read, create = form_from_state(build_state(view["blocks"])["values"])
    assert (read, create) == (form, False)


def test_the_state_reads_back_with_the_creation_choice() -> None:
    view = modal(SessionForm(location_id=11, timezone="UTC"))
    state = build_state(
        view["blocks"],
        {
            "new_element": "Closing",
            "instructor": "U0CLAIRE01",
            "starts_at": int(START.timestamp()),
            "goto_create": ["create"],
            "tracking": "all_polls_answered",
        },
    )
    form, create = form_from_state(state["values"])
    assert create is True
    assert (form.element_id, form.new_element, form.location_id) == (None, "Closing", 11)
    assert (form.starts_at, form.ends_at, form.timezone) == (START, None, "UTC")
    assert form.tracking == "all_polls_answered" and form.goto_event == ""


def test_event_options_show_subject_date_and_key_and_offer_a_typed_key() -> None:
    long = EventFacts(
        product=LocationKind.GOTOWEBINAR,
        key="1234500005",
        subject="Leadership 101: " + "a very long subject " * 5,
        starts_at=START,
        ends_at=END,
        timezone="Europe/Berlin",
    )
    label = event_label(long)
    assert len(label) == 75 and label.endswith(" · Mon 04 Mar 2030 15:00 CET · 1234500005")
    options = [o.to_dict() for o in event_options([long], "98765", LocationKind.GOTOWEBINAR)]
    assert [o["value"] for o in options] == ["98765", "1234500005"]
    assert options[0]["text"]["text"] == "Use key 98765 (checked when you save)"
    assert [o.value for o in event_options([long], "4500005", LocationKind.GOTOWEBINAR)] == [
        "1234500005"
    ]
    assert event_options([], "leader", LocationKind.GOTOWEBINAR) == []


def test_any_iana_zone_is_reachable_by_typing() -> None:
    assert [o.value for o in timezone_options("oslo")] == ["Europe/Oslo"]
    assert [o.value for o in timezone_options("new york")] == ["America/New_York"]
    assert len(timezone_options("")) == 100


def test_cancelling_asks_for_confirmation() -> None:
    summary = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Negotiation*"}}]
    text, blocks = cancel_prompt(7, summary)
    assert check_blocks(blocks) == []
    assert text == "Cancel session `#7`? Its registered learners are told."
    assert_snapshot("session-cancel-prompt", blocks)
