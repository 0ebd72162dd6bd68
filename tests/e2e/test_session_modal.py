"""`/vilt session new|edit|cancel` over HTTP: the modal, its GoTo event picker and the submit
check against the GoTo sandbox, creating the event on GoTo, editing and cancelling."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Notice,
    Session,
    SessionStatus,
)
from handlers.session_modal_views import CANCEL_ACTION, GOTO_EVENT_ACTION, LOCATION_ACTION
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, WS, Stack
from tests.e2e.locations_flow import (
    TRAINING_KEY,
    TRAINING_SECRET,
    admin_with_teams,
    block_ids,
    consent,
    create_goto_location,
    open_modal,
    submit,
)
from tests.e2e.test_goto_connection import linked_location
from tests.handlers.sessions_data import place

BOBS_WEBINAR = "1234500005"  # Leadership 101, in two days at 16:00 UTC
BOBS_OTHER = "1234500008"  # Giving Feedback Well, in nine days
TRUDYS_TRAINING = "2234500001"
GOTO_FIELDS = ["goto_event", "goto_create", "tracking"]


async def webinar_room(stack: Stack) -> tuple[Location, int]:
    """BOSS administers Sales (active) with element Negotiation and a webinar room linked to
    bob's GoToWebinar account; returns the room and the element's id."""
    location = await linked_location(stack)
    await stack.command("element new Negotiation")
    (element,) = await stack.rows(LearningElement)
    return location, element.id


async def choose_location(
    stack: Stack, view: dict[str, Any], location_id: int | None
) -> dict[str, Any]:
    """Pick a location (dispatch_action): the bot updates the modal; return it as Slack holds it."""
    before = len(stack.standin.calls_to("views.update"))
    response = await stack.slack.block_action(
        LOCATION_ACTION,
        user_id=BOSS,
        team_id=WS,
        view=view,
        value=str(location_id),
        state_values={"location": str(location_id)},
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    assert calls[before].args.get("hash"), "views.update must carry the view's hash"
    updated = stack.standin.view(calls[before].args["view_id"])
    assert updated is not None
    return updated


async def event_options(stack: Stack, view: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    """Type into the GoTo event picker; the options the bot answers."""
    response = await stack.slack.block_suggestion(
        GOTO_EVENT_ACTION, typed, view=view, user_id=BOSS, team_id=WS
    )
    assert response.status_code == 200, response.text
    options = response.json()["options"]
    assert isinstance(options, list)
    return options


def values(element_id: int, location_id: int | None, **changes: Any) -> dict[str, Any]:
    chosen: dict[str, Any] = {
        "element": str(element_id),
        "location": str(location_id),
        "instructor": CLAIRE,
        "timezone": "Europe/Berlin",
        "goto_event": BOBS_WEBINAR,
        "tracking": "attended",
    }
    chosen.update(changes)
    return {k: v for k, v in chosen.items() if v is not None}


async def told(stack: Stack, before: int) -> dict[str, Any]:
    """The private message the admin got after the modal closed."""
    calls = await stack.standin.wait_for("response_url", count=before + 1)
    args = calls[before].args
    assert args["response_type"] == "ephemeral"
    return args


def texts(args: dict[str, Any]) -> str:
    blocks = args.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    parts = [str(args.get("text", ""))]
    for block in blocks:
        if "text" in block:
            parts.append(str(block["text"]["text"]))
        for element in block.get("elements", []):
            parts.append(str(element.get("text", "")))
    return "\n".join(parts)


async def test_the_modal_adds_goto_fields_lists_events_and_saves_a_picked_webinar(
    stack: Stack,
) -> None:
    location, element_id = await webinar_room(stack)
    view = await open_modal(stack, "session new")
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
    # The admin's own time zone, as Slack's users.info tells it, is the default.
    zone = next(b for b in view["blocks"] if b["block_id"] == "timezone")
    assert zone["element"]["initial_option"]["value"] == "Europe/Oslo"
    view = await choose_location(stack, view, location.id)
    assert block_ids(view)[-3:] == GOTO_FIELDS
    tracking = next(b for b in view["blocks"] if b["block_id"] == "tracking")
    assert [o["value"] for o in tracking["element"]["options"]] == [
        "attended",
        "all_polls_answered",
    ]

    listed = await event_options(stack, view, "")
    assert [o["value"] for o in listed] == [BOBS_WEBINAR, BOBS_OTHER]
    assert listed[0]["text"]["text"].startswith("Leadership 101 · ")
    assert listed[0]["text"]["text"].endswith(f" · {BOBS_WEBINAR}")
    assert [o["value"] for o in await event_options(stack, view, "feedback")] == [BOBS_OTHER]
    assert [o["value"] for o in await event_options(stack, view, "4500005")] == [BOBS_WEBINAR]
    # A key typed in full that is not listed can still be chosen: it is checked on submit.
    (typed,) = await event_options(stack, view, "9999999999")
    assert typed["value"] == "9999999999" and "checked when you save" in typed["text"]["text"]

    before = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, values(element_id, location.id)) == {}
    (session,) = await stack.rows(Session)
    assert (session.goto_event_key, session.instructor_id, session.location_id) == (
        BOBS_WEBINAR,
        CLAIRE,
        location.id,
    )
    # Times left blank came from GoTo's webinar.
    assert session.ends_at - session.starts_at == timedelta(hours=1)
    message = texts(await told(stack, before))
    assert f"Session `#{session.id}` scheduled." in message
    assert "Times left blank were taken from GoTo's webinar." in message


async def test_goto_refusals_are_field_errors_and_save_nothing(stack: Stack) -> None:
    location, element_id = await webinar_room(stack)
    view = await choose_location(stack, await open_modal(stack, "session new"), location.id)

    unknown = await submit(stack, view, values(element_id, location.id, goto_event="987654321"))
    assert unknown["response_action"] == "errors"
    assert unknown["errors"]["goto_event"] == (
        "The GoToWebinar account linked to Webinar Room has no webinar with key 987654321; "
        "enter the digits of the webinar's URL, not the registration URL."
    )
    training = await submit(
        stack, view, values(element_id, location.id, goto_event=TRUDYS_TRAINING)
    )
    # bob's webinar app cannot see trainings: the key is simply not one of its webinars.
    assert "has no webinar with key 2234500001" in training["errors"]["goto_event"]
    assert await stack.rows(Session) == []

    # Thirty-one days on, the connection has lapsed: re-linking is named.
    stack.goto_clock.advance(31 * 24 * 3600)
    lapsed = await submit(stack, view, values(element_id, location.id))
    assert lapsed["errors"]["goto_event"] == (
        "The GoTo connection of Webinar Room has lapsed; link it again with "
        "/vilt location link Webinar Room, then save the session."
    )
    assert await stack.rows(Session) == []


async def test_creating_a_new_webinar_on_goto(stack: Stack) -> None:
    location, element_id = await webinar_room(stack)
    view = await choose_location(stack, await open_modal(stack, "session new"), location.id)
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0, second=0)
    chosen = values(
        element_id,
        location.id,
        goto_event=None,
        goto_create=["create"],
        starts_at=int(start.timestamp()),
        ends_at=int((start + timedelta(hours=2)).timestamp()),
    )
    before = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, chosen) == {}
    message = texts(await told(stack, before))
    (session,) = await stack.rows(Session)
    assert session.goto_event_key and session.starts_at == start
    assert f"GoTo created the webinar `{session.goto_event_key}` (Negotiation)" in message
    # GoTo's own list of bob's upcoming webinars has it now.
    reopened = await choose_location(stack, await open_modal(stack, "session new"), location.id)
    listed = await event_options(stack, reopened, "negotiation")
    assert [o["value"] for o in listed] == [session.goto_event_key]


async def test_edit_then_cancel_tells_the_registered_learners_once(stack: Stack) -> None:
    location, element_id = await webinar_room(stack)
    view = await choose_location(stack, await open_modal(stack, "session new"), location.id)
    assert await submit(stack, view, values(element_id, location.id)) == {}
    (session,) = await stack.rows(Session)

    edit = await open_modal(stack, f"session edit {session.id}")
    assert "new_element" not in block_ids(edit)
    assert block_ids(edit)[-3:] == GOTO_FIELDS
    picked = next(b for b in edit["blocks"] if b["block_id"] == "goto_event")
    assert picked["element"]["initial_option"]["value"] == BOBS_WEBINAR
    # Labelled like the picker's options, from the saved session (GoTo is not asked to open it).
    start = session.starts_at.astimezone(ZoneInfo(session.timezone))
    assert picked["element"]["initial_option"]["text"]["text"] == (
        f"Negotiation · {start:%a %d %b %Y %H:%M} {start.tzname()} · {BOBS_WEBINAR}"
    )
    before = len(stack.standin.calls_to("response_url"))
    changed = values(element_id, location.id, instructor=ANN, max_learners="12")
    changed["starts_at"] = int(session.starts_at.timestamp())
    changed["ends_at"] = int(session.ends_at.timestamp())
    assert await submit(stack, edit, changed) == {}
    assert f"Session `#{session.id}` saved." in texts(await told(stack, before))
    (edited,) = await stack.rows(Session)
    assert (edited.instructor_id, edited.max_learners) == (ANN, 12)

    async with stack.runtime.factory() as db:
        for user in (BEN, CLAIRE):
            db.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session.id,
                    user_id=user,
                    status=EnrollmentStatus.REGISTERED,
                )
            )
        await db.commit()
    moved = await submit(stack, edit, {**changed, "goto_event": BOBS_OTHER})
    assert "2 learners are registered" in moved["errors"]["goto_event"]

    before = len(stack.standin.calls_to("response_url"))
    prompt = await stack.command(f"session cancel {session.id}")
    assert prompt == f"Cancel session `#{session.id}`? Its registered learners are told."
    message = (await stack.standin.wait_for("response_url", count=before + 1))[before].args
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    for _ in range(2):  # a double click cancels once
        response = await stack.slack.block_action(
            CANCEL_ACTION,
            user_id=BOSS,
            team_id=WS,
            message={"blocks": blocks, "text": prompt},
            is_ephemeral=True,
        )
        assert response.status_code == 200
    (cancelled,) = await stack.rows(Session)
    assert cancelled.status is SessionStatus.CANCELLED
    enrollments = await stack.rows(Enrollment)
    assert {e.status for e in enrollments} == {EnrollmentStatus.CANCELLED}
    notices = [n for n in await stack.rows(Notice) if n.kind == "registration_cancelled"]
    assert sorted(n.channel for n in notices) == [BEN, CLAIRE]
    # Its instructor is told in an alert of their own.
    (alert,) = [n for n in await stack.rows(Notice) if n.kind == "session_cancelled"]
    assert alert.channel == cancelled.instructor_id
    await stack.runtime.outbox.deliver_due()
    posted = [
        c
        for c in stack.standin.calls_to("chat.postMessage")
        if "cancelled by" in str(c.args.get("text"))
    ]
    assert sorted(c.args["channel"] for c in posted) == [BEN, CLAIRE]


async def goto_fails(stack: Stack, status: int = 503, count: int = 100) -> None:
    """The next GoTo API requests about webinars fail."""
    fault = {"status": status, "count": count, "path_contains": "/webinars"}
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=fault)).is_success


async def test_goto_down_answers_the_picker_and_the_submit_in_time_and_saves_nothing(
    stack: Stack,
) -> None:
    location, element_id = await webinar_room(stack)
    view = await choose_location(stack, await open_modal(stack, "session new"), location.id)
    await goto_fails(stack)
    (why,) = await event_options(stack, view, "lead")
    assert why["value"] == "-" and "type the webinar's key" in why["text"]["text"]
    # Typing the key's digits still works while GoTo is away.
    assert [o["value"] for o in await event_options(stack, view, BOBS_WEBINAR)] == [BOBS_WEBINAR]
    refused = await submit(stack, view, values(element_id, location.id))
    assert refused["errors"]["goto_event"] in {
        "GoTo did not answer in time, so nothing was saved. Submit again in a minute.",
        "GoTo did not answer; nothing was saved. Try again in a minute.",
    }
    # Choosing the explanation instead of an event is refused as no key.
    chose_why = await submit(stack, view, values(element_id, location.id, goto_event="-"))
    assert "digits only" in chose_why["errors"]["goto_event"]
    assert await stack.rows(Session) == []


async def test_a_classroom_session_with_a_new_learning_element(stack: Stack) -> None:
    await admin_with_teams(stack)
    room = await place(stack, "Room 1", available_to=["Sales"], max_learners="30")
    view = await open_modal(stack, "session new")
    assert "element" not in block_ids(view)  # the catalog is empty: only a new title
    view = await choose_location(stack, view, room)
    assert "goto_event" not in block_ids(view)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    chosen = {
        "new_element": "Closing Deals",
        "location": str(room),
        "instructor": CLAIRE,
        "starts_at": int(start.timestamp()),
        "ends_at": int((start + timedelta(hours=3)).timestamp()),
        "timezone": "Europe/Oslo",
        "max_learners": "31",
    }
    too_many = await submit(stack, view, chosen)
    assert too_many["errors"] == {
        "max_learners": "Enter a whole number from 1 to 30, or leave it empty."
    }
    assert await stack.rows(LearningElement) == []
    before = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, {**chosen, "max_learners": "20"}) == {}
    (element,) = await stack.rows(LearningElement)
    (session,) = await stack.rows(Session)
    assert element.title == "Closing Deals" and session.element_id == element.id
    assert (session.starts_at, session.timezone, session.max_learners) == (start, "Europe/Oslo", 20)
    assert "Closing Deals" in texts(await told(stack, before))


async def test_only_team_admins_open_the_modal(stack: Stack) -> None:
    await admin_with_teams(stack)
    await stack.command(f"team add <@{BEN}> learner")
    answer = await stack.command("session new", user=BEN)
    assert answer.startswith(":no_entry: `/vilt session new` is for")
    edit = await stack.command("session edit 12x")
    assert edit.startswith(":warning: Usage: `/vilt session edit <number>`"), edit


async def test_a_training_session_from_the_picker(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    link = await create_goto_location(
        stack,
        teams,
        kind="gototraining",
        name="Training Room",
        consumer_key=TRAINING_KEY,
        consumer_secret=TRAINING_SECRET,
    )
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, link, account="trudy@example.com")
    (location,) = await stack.rows(Location)
    await stack.command("element new Onboarding")
    (element,) = await stack.rows(LearningElement)
    view = await choose_location(stack, await open_modal(stack, "session new"), location.id)
    tracking = next(b for b in view["blocks"] if b["block_id"] == "tracking")
    assert [o["value"] for o in tracking["element"]["options"]] == ["attended"]
    listed = await event_options(stack, view, "")
    assert listed and all(o["value"].startswith("22345") for o in listed)
    key = listed[0]["value"]
    webinar_key = await submit(
        stack, view, values(element.id, location.id, goto_event=BOBS_WEBINAR)
    )
    assert "has no training with key 1234500005" in webinar_key["errors"]["goto_event"]
    assert await submit(stack, view, values(element.id, location.id, goto_event=key)) == {}
    (session,) = await stack.rows(Session)
    assert (session.goto_event_key, session.goto_product) == (key, LocationKind.GOTOTRAINING)
