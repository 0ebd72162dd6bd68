"""Contract: every path served is one of GoTo's, and every answer matches GoTo's published specs.

The ContractRecorder hook on the `client` fixture validates *every* /G2W and /G2T answer in every
test of this folder (status documented for that operation, body valid against the response
schema when the spec gives one). This file adds a tour that makes each served operation answer at
least one success and one error, and checks the tour really covered them all.

/oauth/*, /identity/* and /_sandbox/* are not checked here: the specs do not describe them (the
OAuth host moved, identity is a separate GoTo API, /_sandbox is the sandbox's own), see
docs/goto.md.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from sandbox.goto import SandboxState

from .contract import ContractRecorder, specs
from .helpers import (
    ALICE,
    CANCELLED_TRAINING,
    CANCELLED_WEBINAR,
    EXCEL_TRAINING,
    G2T,
    G2W,
    PAST_TRAINING,
    PAST_WEBINAR,
    POLL_WEBINAR,
    TRUDY,
)

NOT_IN_SPECS = ("/oauth/", "/identity/", "/_sandbox/")


def z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def served_api_routes(app: Starlette) -> set[tuple[str, str]]:
    """(METHOD, path template) of every GoTo product route the sandbox serves."""
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        assert isinstance(route, Route)
        if route.path.startswith(NOT_IN_SPECS):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                served.add((method, route.path))
    return served


def test_every_served_path_exists_in_the_specs(app: Starlette) -> None:
    in_specs = set().union(*(spec.templates() for spec in specs()))
    served = served_api_routes(app)
    assert served, "no product routes found"
    assert served <= in_specs, sorted(served - in_specs)
    for route in app.routes:
        assert isinstance(route, Route)
        assert route.path.startswith((G2W + "/", G2T + "/", *NOT_IN_SPECS)), route.path


async def test_every_api_route_checks_the_bearer_token(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    for method, template in served_api_routes(app):
        path = re.sub(r"\{[^}]+\}", "1", template)
        response = await client.request(method, path, headers={"Authorization": "Bearer x"})
        assert response.status_code == 403, (method, template)
        assert response.json() == {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}


async def test_tour_of_every_operation_success_and_error(
    client: httpx.AsyncClient,
    app: Starlette,
    alice: dict[str, str],
    trudy: dict[str, str],
    contract: ContractRecorder,
    sandbox: SandboxState,
) -> None:
    async def call(method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return await client.request(method, path, headers=headers, **kw)

    # ---- GoToWebinar
    org = f"{G2W}/organizers/{ALICE}"
    web = f"{org}/webinars/{POLL_WEBINAR}"
    past = f"{org}/webinars/{PAST_WEBINAR}"
    gone = f"{org}/webinars/{CANCELLED_WEBINAR}"
    window = {"fromTime": "2025-01-01T00:00:00Z", "toTime": "2025-12-31T00:00:00Z"}
    await call("GET", f"{org}/webinars", alice, params=window)
    await call("GET", f"{org}/webinars", alice)  # 400: no range
    soon = sandbox.clock.now() + timedelta(days=2)
    one_time = [{"startTime": z(soon), "endTime": z(soon + timedelta(hours=1))}]
    await call("POST", f"{org}/webinars", alice, json={"subject": "Tour", "times": one_time})
    await call("POST", f"{org}/webinars", alice, json={"times": one_time})  # 400: no subject
    await call("GET", web, alice)
    await call("GET", gone, alice)  # 404
    await call("GET", f"{web}/registrants", alice)
    await call("GET", f"{gone}/registrants", alice)
    person = {"firstName": "Tour", "lastName": "Guide", "email": "tour@example.org"}
    created = await call("POST", f"{web}/registrants", alice, json=person)
    rk = created.json()["registrantKey"]
    await call("POST", f"{web}/registrants", alice, json=person)  # 409
    await call("POST", f"{web}/registrants", alice, json={"email": "x@example.org"})  # 400
    await call("POST", f"{gone}/registrants", alice, json=person)  # 404
    await call("GET", f"{web}/registrants/fields", alice)
    await call("GET", f"{gone}/registrants/fields", alice)
    await call("GET", f"{web}/registrants/{rk}", alice)
    await call("GET", f"{web}/registrants/1", alice)
    await call("DELETE", f"{web}/registrants/{rk}", alice)
    await call("DELETE", f"{web}/registrants/{rk}", alice)  # 404 now
    await call("GET", f"{past}/attendees", alice)
    await call("GET", f"{past}/attendees", alice, params={"size": 201})
    await call("GET", f"{past}/performance", alice)
    await call("GET", f"{gone}/performance", alice)
    await call("GET", f"{past}/sessions", alice)
    await call("GET", f"{past}/sessions", alice, params={"page": -1})
    [session] = sandbox.webinars[int(PAST_WEBINAR)].sessions
    ses = f"{past}/sessions/{session.session_key}"
    attendee = next(iter(session.attendance))
    for tail in ("/attendees", f"/attendees/{attendee}", f"/attendees/{attendee}/polls"):
        await call("GET", ses + tail, alice)
        await call("GET", f"{past}/sessions/1" + tail, alice)
    for tail in ("/polls", "/performance"):
        await call("GET", ses + tail, alice)
        await call("GET", f"{past}/sessions/1" + tail, alice)

    # ---- GoToTraining
    torg = f"{G2T}/organizers/{TRUDY}"
    tr = f"{torg}/trainings/{EXCEL_TRAINING}"
    tgone = f"{torg}/trainings/{CANCELLED_TRAINING}"
    await call("GET", f"{torg}/trainings", trudy)
    await call("GET", f"{G2T}/organizers/2000000002/trainings", trudy)  # 403: not hers
    await call("GET", tr, trudy)
    new_training = {
        "name": "Tour",
        "timeZone": "Europe/London",
        "times": [{"startDate": z(soon), "endDate": z(soon + timedelta(hours=1))}],
    }
    await call("POST", f"{torg}/trainings", trudy, json=new_training)
    await call("POST", f"{torg}/trainings", trudy, json={**new_training, "timeZone": "Mars/Base"})
    await call("GET", tgone, trudy)
    await call("GET", f"{tr}/registrants", trudy)
    await call("GET", f"{tgone}/registrants", trudy)
    trainee = {"email": "tour@example.org", "givenName": "Tour", "surname": "Guide"}
    tk = (await call("POST", f"{tr}/registrants", trudy, json=trainee)).json()["registrantKey"]
    await call("POST", f"{tr}/registrants", trudy, json=trainee)  # 409
    await call("POST", f"{tr}/registrants", trudy, json={"email": "x@example.org"})  # 400
    await call("GET", f"{tr}/registrants/{tk}", trudy)
    await call("GET", f"{tr}/registrants/1", trudy)
    await call("DELETE", f"{tr}/registrants/{tk}", trudy)
    await call("DELETE", f"{tr}/registrants/{tk}", trudy)
    reports = f"{G2T}/reports/organizers/{TRUDY}"
    await call("GET", f"{reports}/trainings/{PAST_TRAINING}", trudy)
    await call("GET", f"{reports}/trainings/1", trudy)
    [tsession] = sandbox.trainings[int(PAST_TRAINING)].sessions
    await call("GET", f"{reports}/sessions/{tsession.session_key}/attendees", trudy)
    await call("GET", f"{reports}/sessions/1/attendees", trudy)

    # Every served operation answered both a success and an error, each checked against the spec.
    by_route: dict[tuple[str, str], set[int]] = {}
    for method, template, status in contract.seen:
        by_route.setdefault((method, template), set()).add(status)
    for route in served_api_routes(app):
        statuses = by_route.get(route, set())
        assert any(200 <= s < 300 for s in statuses), (route, statuses)
        assert any(400 <= s < 500 for s in statuses), (route, statuses)
        if route[0] != "DELETE":  # 204 has no body to check
            assert any(v[:2] == route for v in contract.validated), route
