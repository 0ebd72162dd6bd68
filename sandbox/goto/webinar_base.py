"""What every part of the GoToWebinar API shares: finding the webinar, session and registrant."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from .common import Caller, authorize_product, goto_error, parse_key, sandbox_url
from .records import Registrant, Session, Webinar, iso
from .state import SandboxState


class WebinarLookups:
    """The webinar, session and registrant a request names, or GoTo's 404 for each."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _webinar(self, request: Request) -> tuple[Caller, Webinar]:
        params = request.path_params
        caller = authorize_product(self.state, request, "webinar", params["organizerKey"])
        key = parse_key(params["webinarKey"])
        webinar = self.state.webinars.get(key) if key is not None else None
        # GoTo answers 404 for cancelled webinars too (spec: "Get webinar").
        if (
            webinar is None
            or webinar.cancelled
            or webinar.organizer_key != caller.account.organizer_key
        ):
            raise goto_error(
                self.state, 404, "NotFound", "Webinar with specified key does not exist."
            )
        return caller, webinar

    def _session(self, request: Request) -> tuple[Caller, Webinar, Session]:
        caller, webinar = self._webinar(request)
        key = parse_key(request.path_params["sessionKey"])
        session = self.state.find_session(webinar, key) if key is not None else None
        if session is None or session not in self.state.reported_sessions(webinar):
            raise goto_error(self.state, 404, "NotFound", "Session with specified key not found.")
        return caller, webinar, session

    def _registrant(self, webinar: Webinar, value: str) -> Registrant:
        key = parse_key(value)
        registrant = webinar.registrants.get(key) if key is not None else None
        if registrant is None:
            raise goto_error(
                self.state, 404, "NotFound", "Registrant with specified key does not exist."
            )
        return registrant

    def _registrant_json(
        self, request: Request, webinar: Webinar, registrant: Registrant
    ) -> dict[str, Any]:
        return {
            "lastName": registrant.last_name,
            "email": registrant.email,
            "firstName": registrant.first_name,
            "registrantKey": registrant.registrant_key,
            "registrationDate": iso(registrant.registration_date),
            "status": registrant.status,
            "joinUrl": join_url(request, webinar, registrant),
            "timeZone": webinar.time_zone,
        }


def join_url(request: Request, webinar: Webinar, registrant: Registrant) -> str:
    # Points back into the sandbox so a try-it user can "join" the live session.
    return sandbox_url(
        request, f"/_sandbox/join/webinar/{webinar.webinar_key}/{registrant.registrant_key}"
    )
