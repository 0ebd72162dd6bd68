"""GoToWebinar REST v2 (/G2W/rest/v2): webinars, registrants, sessions, attendees, polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .common import (
    EMAIL,
    Caller,
    authorize_product,
    goto_error,
    json_body,
    paged,
    paging,
    parse_key,
    registration_body,
    sandbox_url,
)
from .scenario import STANDARD_FIELDS
from .state import Registrant, SandboxState, Session, Webinar, iso

PREFIX = "/G2W/rest/v2"
BASIC_ACCEPT = "application/vnd.citrix.g2wapi-v1.1+json"


class WebinarApi:
    """Handlers for the GoToWebinar paths the bot uses."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Starlette routes; every path exists in gotowebinar-v2.openapi.yml."""
        org = PREFIX + "/organizers/{organizerKey}"
        web = org + "/webinars/{webinarKey}"
        ses = web + "/sessions/{sessionKey}"
        return [
            Route(org + "/webinars", self.list_webinars, methods=["GET"]),
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

    # ------------------------------------------------------------------ lookups

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

    # ------------------------------------------------------------------ webinars

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

    # ------------------------------------------------------------------ registrants

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
            "joinUrl": _join_url(request, webinar, registrant),
            "timeZone": webinar.time_zone,
        }

    async def list_registrants(self, request: Request) -> Response:
        """GET …/registrants: a plain array (this list is not paged)."""
        _, webinar = self._webinar(request)
        return json_body(
            [self._registrant_json(request, webinar, r) for r in webinar.registrants.values()]
        )

    async def get_registrant(self, request: Request) -> Response:
        """GET …/registrants/{rk}: RegistrantDetailed."""
        _, webinar = self._webinar(request)
        registrant = self._registrant(webinar, request.path_params["registrantKey"])
        body = self._registrant_json(request, webinar, registrant)
        body.update(registrant.fields)
        body["type"] = "LATE" if registrant.late else "REGULAR"
        body["unsubscribed"] = False
        body["responses"] = [{"question": q, "answer": a} for q, a in registrant.responses]
        return json_body(body)

    async def delete_registrant(self, request: Request) -> Response:
        """DELETE …/registrants/{rk}: only while the webinar is still ahead (spec)."""
        _, webinar = self._webinar(request)
        registrant = self._registrant(webinar, request.path_params["registrantKey"])
        if self.state.clock.now() >= max(end for _, end in webinar.times):
            raise goto_error(
                self.state,
                400,
                "InvalidRequest",
                "Registrants can only be removed from scheduled, future webinars.",
            )
        del webinar.registrants[registrant.registrant_key]
        return Response(status_code=204)

    async def registration_fields(self, request: Request) -> Response:
        """GET …/registrants/fields: default fields and custom questions, with `required`."""
        _, webinar = self._webinar(request)
        fields: list[dict[str, Any]] = [
            {"field": name, "required": True, "maxSize": 128}
            for name in ("firstName", "lastName", "email")
        ]
        for f in webinar.fields:
            entry: dict[str, Any] = {
                "field": f.field,
                "required": f.required,
                "maxSize": f.max_size,
            }
            if f.answers:
                entry["answers"] = list(f.answers)
            fields.append(entry)
        questions: list[dict[str, Any]] = []
        for q in webinar.questions:
            item: dict[str, Any] = {
                "questionKey": q.question_key,
                "question": q.question,
                "required": q.required,
                "type": q.type,
                "maxSize": q.max_size,
            }
            if q.type == "multipleChoice":
                item["answers"] = [
                    {"answer": text, "answerKey": _answer_key(q.question_key, i)}
                    for i, text in enumerate(q.answers)
                ]
            questions.append(item)
        return json_body({"fields": fields, "questions": questions})

    async def create_registrant(self, request: Request) -> Response:
        """POST …/registrants: 201, 400 (missing/required fields, limit), 409 duplicate."""
        _, webinar = self._webinar(request)
        state = self.state
        body = await registration_body(state, request, ("firstName", "lastName", "email"))
        # The v1.1 media type registers with the three basic fields only and ignores the rest.
        basic = BASIC_ACCEPT in request.headers.get("accept", "")
        email = body["email"].strip()
        if not EMAIL.match(email):
            raise goto_error(state, 400, "InvalidRequest", "The email address is not valid.")
        existing = webinar.registrant_by_email(email)
        if existing is not None:
            raise goto_error(
                state,
                409,
                "DuplicateRegistrant",
                "The user is already registered.",
                registrantKey=existing.registrant_key,
                joinUrl=_join_url(request, webinar, existing),
            )
        extra = {} if basic else body
        fields, responses, problems = self._check_fields(webinar, extra)
        if problems:
            raise goto_error(state, 400, "InvalidRequest", "; ".join(problems))
        if len(webinar.registrants) >= webinar.registration_limit:
            raise goto_error(
                state,
                400,
                "RegistrationLimitReached",
                "The webinar has reached its registration limit.",
            )
        now = state.clock.now()
        registrant = Registrant(
            registrant_key=state.new_key(19),
            email=email,
            first_name=body["firstName"].strip(),
            last_name=body["lastName"].strip(),
            registration_date=now,
            fields=fields,
            responses=responses,
            late=now >= max(end for _, end in webinar.times),
        )
        webinar.registrants[registrant.registrant_key] = registrant
        return JSONResponse(
            {
                "registrantKey": registrant.registrant_key,
                "joinUrl": _join_url(request, webinar, registrant),
                "status": registrant.status,
            },
            status_code=201,
        )

    def _check_fields(
        self, webinar: Webinar, body: dict[str, Any]
    ) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
        """Validate standard fields and custom answers; returns (fields, responses, problems)."""
        problems: list[str] = []
        missing: list[str] = []
        fields: dict[str, str] = {}
        for spec in webinar.fields:
            value = body.get(spec.field)
            text = value.strip() if isinstance(value, str) else ""
            if not text:
                if spec.required:
                    missing.append(spec.field)
                continue
            if len(text) > spec.max_size:
                problems.append(f"{spec.field} is longer than {spec.max_size} characters")
            elif spec.answers and text not in spec.answers:
                problems.append(f"{spec.field} must be one of: {', '.join(spec.answers)}")
            fields[spec.field] = text
        # Standard fields the organizer did not put on the form are accepted and kept, like GoTo.
        for name in STANDARD_FIELDS:
            value = body.get(name)
            if name not in fields and isinstance(value, str) and value.strip():
                fields[name] = value.strip()
        answered: dict[int, str] = {}
        raw_responses = body.get("responses") or []
        if not isinstance(raw_responses, list):
            raw_responses = []
            problems.append("responses must be an array")
        questions = {q.question_key: q for q in webinar.questions}
        for item in raw_responses:
            key = item.get("questionKey") if isinstance(item, dict) else None
            question = questions.get(key) if isinstance(key, int) else None
            if question is None:
                problems.append(f"unknown questionKey {key}")
                continue
            assert isinstance(item, dict)
            if question.type == "multipleChoice":
                keys = {
                    _answer_key(question.question_key, i): t for i, t in enumerate(question.answers)
                }
                choice = item.get("answerKey")
                if choice not in keys:
                    problems.append(f"answerKey is not a choice of '{question.question}'")
                    continue
                answered[question.question_key] = keys[choice]
            else:
                reply = item.get("responseText")
                if not isinstance(reply, str) or not reply.strip():
                    continue
                if len(reply) > question.max_size:
                    problems.append(f"the answer to '{question.question}' is too long")
                    continue
                answered[question.question_key] = reply.strip()
        missing += [
            q.question for q in webinar.questions if q.required and q.question_key not in answered
        ]
        if missing:
            problems.insert(0, "Missing required fields: " + ", ".join(missing))
        responses = [(questions[k].question, v) for k, v in answered.items()]
        return fields, responses, problems

    # ------------------------------------------------------------------ sessions & reports

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


def _answer_key(question_key: int, index: int) -> int:
    # Stable, unique per question: scenario files list choices as plain strings.
    return question_key * 100 + index + 1


def _times(webinar: Webinar) -> list[dict[str, str]]:
    return [{"startTime": iso(start), "endTime": iso(end)} for start, end in webinar.times]


def _registration_url(webinar: Webinar) -> str:
    return f"https://attendee.gotowebinar.com/register/{webinar.webinar_key}"


def _join_url(request: Request, webinar: Webinar, registrant: Registrant) -> str:
    # Points back into the sandbox so a try-it user can "join" the live session.
    return sandbox_url(
        request, f"/_sandbox/join/webinar/{webinar.webinar_key}/{registrant.registrant_key}"
    )


def _parse_time(raw: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
