"""GoToWebinar reports: ended sessions, attendees, poll answers and performance."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .common import goto_error, json_body, paged, paging, parse_key
from .records import Session, Webinar, iso
from .webinar_base import WebinarLookups


class WebinarReports(WebinarLookups):
    """Handlers for what GoTo reports about a webinar's sessions once they ended."""

    def _attendee_json(
        self, webinar: Webinar, session: Session, registrant_key: int
    ) -> dict[str, Any]:
        entry = session.attendance[registrant_key]
        registrant = webinar.registrants.get(registrant_key)
        end = session.end or self.state.clock.now()
        return {
            "registrantKey": registrant_key,
            "firstName": registrant.first_name if registrant else "",
            "lastName": registrant.last_name if registrant else "",
            "email": registrant.email if registrant else "",
            "attendanceTimeInSeconds": entry.seconds(end),
            "sessionKey": session.session_key,
            "attendance": [
                {"joinTime": iso(join), "leaveTime": iso(leave)}
                for join, leave in entry.closed_parts(end)
            ],
        }

    async def list_sessions(self, request: Request) -> Response:
        """GET …/webinars/{wk}/sessions: paged list of ended sessions (ReportingSessionsResponse)."""
        _, webinar = self._webinar(request)
        page, size = paging(self.state, request)
        organizer = self.state.account_by_organizer(webinar.organizer_key)
        assert organizer is not None
        items = []
        for session in self.state.reported_sessions(webinar):
            assert session.end is not None
            starter = self.state.account_by_organizer(session.starting_organizer_key) or organizer
            items.append(
                {
                    "sessionKey": str(session.session_key),
                    "webinarKey": str(webinar.webinar_key),
                    "webinarName": webinar.subject,
                    "startTime": iso(session.start),
                    "endTime": iso(session.end),
                    "registrantsAttended": len(session.attendance),
                    "registrantCount": len(webinar.registrants),
                    "accountKey": str(organizer.account_key),
                    "creatingOrganizerKey": str(organizer.organizer_key),
                    "creatingOrganizerName": organizer.name,
                    "startingOrganizerKey": str(starter.organizer_key),
                    "startingOrganizerName": starter.name,
                    "totalPollCount": len(session.polls),
                    "timeZone": webinar.time_zone,
                    "experienceType": "CLASSIC",
                    "webinarID": webinar.webinar_id,
                }
            )
        return json_body(paged(self.state, items, "sessionInfoResources", page, size))

    async def webinar_attendees(self, request: Request) -> Response:
        """GET …/webinars/{wk}/attendees: every session's attendees, paged."""
        _, webinar = self._webinar(request)
        page, size = paging(self.state, request)
        items = [
            self._attendee_json(webinar, session, key)
            for session in self.state.reported_sessions(webinar)
            for key in session.attendance
        ]
        return json_body(paged(self.state, items, "attendeeParticipationResponses", page, size))

    async def session_attendees(self, request: Request) -> Response:
        """GET …/sessions/{sk}/attendees: a plain array of Attendee."""
        _, webinar, session = self._session(request)
        return json_body([self._attendee_json(webinar, session, k) for k in session.attendance])

    async def session_attendee(self, request: Request) -> Response:
        """GET …/sessions/{sk}/attendees/{rk}: the registrant plus their attendance."""
        _, webinar, session = self._session(request)
        key = parse_key(request.path_params["registrantKey"])
        registrant = webinar.registrants.get(key) if key is not None else None
        if key is None or registrant is None or key not in session.attendance:
            raise goto_error(self.state, 404, "NotFound", "Attendee not found in this session.")
        body = self._registrant_json(request, webinar, registrant)
        body.update(self._attendee_json(webinar, session, key))
        return json_body(body)

    async def attendee_polls(self, request: Request) -> Response:
        """GET …/attendees/{rk}/polls: the polls this attendee answered (matched by question)."""
        _, _, session = self._session(request)
        key = parse_key(request.path_params["registrantKey"])
        entry = session.attendance.get(key) if key is not None else None
        if entry is None:
            raise goto_error(self.state, 404, "NotFound", "Attendee not found in this session.")
        return json_body(
            [
                {"question": question, "answers": list(entry.poll_answers[question])}
                for question in session.polls
                if question in entry.poll_answers
            ]
        )

    async def session_polls(self, request: Request) -> Response:
        """GET …/sessions/{sk}/polls: each launched poll with response percentages."""
        _, webinar, session = self._session(request)
        polls = []
        for question in session.polls:
            poll = webinar.poll(question)
            answers = [
                a.poll_answers[question]
                for a in session.attendance.values()
                if question in a.poll_answers
            ]
            count = len(answers)
            polls.append(
                {
                    "question": question,
                    "numberOfResponses": count,
                    "responses": [
                        {
                            "text": option,
                            "percentage": round(
                                100.0 * sum(option in chosen for chosen in answers) / count, 2
                            )
                            if count
                            else 0.0,
                        }
                        for option in (poll.answers if poll else [])
                    ],
                }
            )
        return json_body(polls)

    def _performance(self, webinar: Webinar, session: Session) -> dict[str, Any]:
        end = session.end or self.state.clock.now()
        attendees = list(session.attendance.values())
        registrants = len(webinar.registrants)
        poll_count = len(session.polls)
        answered = sum(
            1 for a in attendees for question in session.polls if question in a.poll_answers
        )
        return {
            "attendance": {
                "registrantCount": registrants,
                "percentageAttendance": round(100.0 * len(attendees) / registrants, 2)
                if registrants
                else 0.0,
                "averageInterestRating": 0.0,
                "averageAttentiveness": 0.0,
                "averageAttendanceTimeSeconds": round(
                    sum(a.seconds(end) for a in attendees) / len(attendees), 2
                )
                if attendees
                else 0.0,
            },
            "pollsAndSurveys": {
                "pollCount": poll_count,
                "surveyCount": 0,
                "questionsAsked": 0,
                "percentagePollsCompleted": round(
                    100.0 * answered / (poll_count * len(attendees)), 2
                )
                if poll_count and attendees
                else 0.0,
                "percentageSurveysCompleted": 0.0,
            },
        }

    async def session_performance(self, request: Request) -> Response:
        """GET …/sessions/{sk}/performance: SessionPerformance (pollCount is the poll total)."""
        _, webinar, session = self._session(request)
        return json_body(self._performance(webinar, session))

    async def webinar_performance(self, request: Request) -> Response:
        """GET …/webinars/{wk}/performance: {sessionKey: SessionPerformance}."""
        _, webinar = self._webinar(request)
        return json_body(
            {
                str(s.session_key): self._performance(webinar, s)
                for s in self.state.reported_sessions(webinar)
            }
        )
