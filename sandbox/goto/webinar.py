"""GoToWebinar REST v2 (/G2W/rest/v2): webinars, registrants, sessions, attendees, polls.

WebinarApi serves the routes; the registrant and report handlers live in webinar_registrants.py
and webinar_reports.py, the lookups they share in webinar_base.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    authorize_product,
    goto_error,
    json_body,
    json_object,
    new_event_text,
    new_event_times,
    paged,
    paging,
    time_zone_or_400,
)
from .records import Webinar, iso
from .webinar_registrants import WebinarRegistrants
from .webinar_reports import WebinarReports

PREFIX = "/G2W/rest/v2"


class WebinarApi(WebinarRegistrants, WebinarReports):
    """Handlers for the GoToWebinar paths the bot uses."""

    def routes(self) -> list[Route]:
        """Starlette routes; every path exists in gotowebinar-v2.openapi.yml."""
        org = PREFIX + "/organizers/{organizerKey}"
        web = org + "/webinars/{webinarKey}"
        ses = web + "/sessions/{sessionKey}"
        return [
            Route(org + "/webinars", self.list_webinars, methods=["GET"]),
            Route(org + "/webinars", self.create_webinar, methods=["POST"]),
            Route(web, self.get_webinar, methods=["GET"]),
            Route(web + "/registrants", self.list_registrants, methods=["GET"]),
            Route(web + "/registrants", self.create_registrant, methods=["POST"]),
            # Before {registrantKey}, which would otherwise swallow "fields".
            Route(web + "/registrants/fields", self.registration_fields, methods=["GET"]),
            Route(web + "/registrants/{registrantKey}", self.get_registrant, methods=["GET"]),
            Route(web + "/registrants/{registrantKey}", self.delete_registrant, methods=["DELETE"]),
            Route(web + "/attendees", self.webinar_attendees, methods=["GET"]),
            Route(web + "/performance", self.webinar_performance, methods=["GET"]),
            Route(web + "/sessions", self.list_sessions, methods=["GET"]),
            Route(ses + "/attendees", self.session_attendees, methods=["GET"]),
            Route(ses + "/attendees/{registrantKey}", self.session_attendee, methods=["GET"]),
            Route(ses + "/attendees/{registrantKey}/polls", self.attendee_polls, methods=["GET"]),
            Route(ses + "/polls", self.session_polls, methods=["GET"]),
            Route(ses + "/performance", self.session_performance, methods=["GET"]),
        ]

    async def list_webinars(self, request: Request) -> Response:
        """GET …/organizers/{ok}/webinars?fromTime&toTime: paged, required time range."""
        caller = authorize_product(
            self.state, request, "webinar", request.path_params["organizerKey"]
        )
        window = []
        for name in ("fromTime", "toTime"):
            raw = request.query_params.get(name)
            parsed = _parse_time(raw) if raw else None
            if parsed is None:
                raise goto_error(
                    self.state, 400, "InvalidRequest", f"{name} must be an ISO 8601 UTC time."
                )
            window.append(parsed)
        page, size = paging(self.state, request)
        webinars = sorted(
            (
                w
                for w in self.state.webinars.values()
                if w.organizer_key == caller.account.organizer_key
                and not w.cancelled
                and any(start < window[1] and end > window[0] for start, end in w.times)
            ),
            key=lambda w: min(start for start, _ in w.times),
        )
        items = [self._webinar_summary(w) for w in webinars]
        return json_body(paged(self.state, items, "webinars", page, size))

    async def create_webinar(self, request: Request) -> Response:
        """POST …/organizers/{ok}/webinars: 201 CreatedWebinar {"webinarKey": "…"}.

        Single-session webinars only (the spec's default type); sequences and series
        answer 400 here.
        """
        caller = authorize_product(
            self.state, request, "webinar", request.path_params["organizerKey"]
        )
        body = await json_object(self.state, request)
        subject, description = new_event_text(self.state, body, "subject")
        kind = body.get("type", "single_session")
        if kind != "single_session":
            raise goto_error(
                self.state,
                400,
                "InvalidRequest",
                "The sandbox creates single_session webinars only.",
            )
        times = new_event_times(self.state, body.get("times"), "startTime", "endTime")
        if len(times) != 1:
            raise goto_error(
                self.state,
                400,
                "InvalidRequest",
                "A single_session webinar takes exactly one startTime and endTime.",
            )
        zone = body.get("timeZone")
        # "If this parameter is not passed, the timezone of the organizer's profile will be used."
        time_zone = caller.account.time_zone if zone is None else time_zone_or_400(self.state, zone)
        webinar = self.state.add_webinar(
            caller.account.organizer_key,
            subject=subject,
            description=description,
            times=times,
            time_zone=time_zone,
        )
        return json_body({"webinarKey": str(webinar.webinar_key)}, 201)

    async def get_webinar(self, request: Request) -> Response:
        """GET …/webinars/{wk}: WebinarByKey."""
        _, webinar = self._webinar(request)
        organizer = self.state.account_by_organizer(webinar.organizer_key)
        assert organizer is not None
        kind = "single_session" if len(webinar.times) == 1 else "sequence"
        return json_body(
            {
                "webinarKey": webinar.webinar_key,
                "webinarID": webinar.webinar_id,
                "subject": webinar.subject,
                "description": webinar.description,
                "organizerKey": webinar.organizer_key,
                "organizerEmail": organizer.email,
                "organizerName": organizer.name,
                "times": _times(webinar),
                "registrationUrl": _registration_url(webinar),
                "inSession": webinar.live_session() is not None,
                "impromptu": False,
                "type": kind,
                "timeZone": webinar.time_zone,
                "numberOfRegistrants": len(webinar.registrants),
                "registrationLimit": webinar.registration_limit,
                "locale": webinar.locale,
                "accountKey": str(organizer.account_key),
                "recurrencePeriod": kind,
                "experienceType": "CLASSIC",
                "isPasswordProtected": False,
                "isOndemand": False,
            }
        )

    def _webinar_summary(self, webinar: Webinar) -> dict[str, Any]:
        organizer = self.state.account_by_organizer(webinar.organizer_key)
        assert organizer is not None
        return {
            "webinarKey": str(webinar.webinar_key),
            "webinarID": webinar.webinar_id,
            "organizerKey": str(webinar.organizer_key),
            "accountKey": str(organizer.account_key),
            "subject": webinar.subject,
            "description": webinar.description,
            "times": _times(webinar),
            "timeZone": webinar.time_zone,
            "locale": webinar.locale,
            "approvalType": "AUTOMATIC",
            "registrationUrl": _registration_url(webinar),
            "impromptu": False,
            "isPasswordProtected": False,
            "recurrenceType": "single_session" if len(webinar.times) == 1 else "sequence",
            "experienceType": "CLASSIC",
        }


def _times(webinar: Webinar) -> list[dict[str, str]]:
    return [{"startTime": iso(start), "endTime": iso(end)} for start, end in webinar.times]


def _registration_url(webinar: Webinar) -> str:
    return f"https://attendee.gotowebinar.com/register/{webinar.webinar_key}"


def _parse_time(raw: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
