"""`/vilt session new` in the try-it console: the modal, a location that rebuilds it, the time zone
searched through the bot, an instructor, date-times, and the private answer once scheduled."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.models import Session
from domain.rules import LocationForm
from domain.services import locations
from domain.services.identity import resolve_actor
from sandbox.console.fields import Fields
from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM
from sandbox.slack.blockkit import interactive_elements
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_http import send, visible

IAN = "U0SANDINS1"


async def classroom(sandbox: Sandbox) -> int:
    """Room 1, a classroom of Ada's team Sales."""
    runtime = sandbox.runtime
    async with SqlUnitOfWork(runtime.factory) as uow:
        ada = await resolve_actor(uow, SANDBOX_TEAM, SANDBOX_ADMIN, first_admins=[SANDBOX_ADMIN])
        team = ada.require_admin_of_active()
        form = LocationForm(name="Room 1", kind="classroom", owner_team_id=team.id)
        form.team_ids = [team.id] if team.id is not None else []
        location = await locations.create_location(uow, ada, form, sealer=runtime.box)
        await uow.commit()
    assert location.id is not None
    return location.id


def modal_form(sandbox: Sandbox, chosen: dict[str, str]) -> dict[str, Any]:
    """The open modal's form as the page posts it: every field present, `chosen` filled in."""
    view = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert view is not None
    data: dict[str, Any] = {
        "user": SANDBOX_ADMIN,
        "channel": GENERAL,
        "view_id": view["id"],
        "view_hash": view["hash"],
        "ref": f"v:{view['id']}",
        "present": [],
    }
    for block, element in interactive_elements(view["blocks"]):
        name = Fields.name(block, element)
        data["present"].append(name)
        if block["block_id"] in chosen:
            data[name] = chosen[block["block_id"]]
    return data


def field(sandbox: Sandbox, block_id: str) -> str:
    view = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert view is not None
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return Fields.name(block, block["element"])


async def test_an_admin_schedules_a_classroom_session_in_the_console(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    await send(http, SANDBOX_ADMIN, "team new Sales #training")
    await send(http, SANDBOX_ADMIN, "element new Negotiation")
    room = await classroom(sandbox)
    page = await send(http, SANDBOX_ADMIN, "session new")
    assert '<h2 id="modal-title">New session</h2>' in page
    assert 'type="datetime-local"' in page and "Ian Instructor" in page

    # Choosing the location dispatches block_actions; the bot rebuilds the modal.
    chosen = {"location": str(room)}
    picked = await http.post(
        "/sandbox/action",
        data={**modal_form(sandbox, chosen), "dispatch": field(sandbox, "location")},
    )
    assert picked.status_code == 200
    # The time zone is searched: the console asks the bot (block_suggestion) for the options.
    zone = field(sandbox, "timezone")
    searched = await http.post(
        "/sandbox/suggest",
        data={**modal_form(sandbox, chosen), "suggest": zone, f"q:{zone}": "oslo"},
    )
    assert '<option value="Europe/Oslo"' in searched.text

    view = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert view is not None
    element = next(b for b in view["blocks"] if b["block_id"] == "element")["element"]
    everything = {
        **chosen,
        "element": element["options"][0]["value"],
        "instructor": IAN,
        "starts_at": "2031-05-06T09:00",
        "ends_at": "2031-05-06T12:00",
        "timezone": "Europe/Oslo",
    }
    done = await http.post("/sandbox/view/submit", data=modal_form(sandbox, everything))
    assert done.status_code == 200
    assert sandbox.console.open_modal(SANDBOX_ADMIN) is None
    async with sandbox.runtime.factory() as db:
        (session,) = (await db.execute(select(Session))).scalars().all()
    assert (session.instructor_id, session.timezone) == (IAN, "Europe/Oslo")
    # Typed in Ada's own zone (Europe/Oslo, UTC+2 in May), as in Slack's picker.
    assert session.starts_at.isoformat() == "2031-05-06T07:00:00+00:00"
    page = (await http.get("/sandbox", params={"user": SANDBOX_ADMIN})).text
    assert f"Session #{session.id} scheduled." in visible(page)
    assert sandbox.console.standin.violations == []
