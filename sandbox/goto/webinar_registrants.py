"""GoToWebinar registrants: list, get, delete, registration fields, and registering with checks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .common import EMAIL, goto_error, json_body, registration_body
from .records import Registrant, Webinar
from .scenario import STANDARD_FIELDS
from .webinar_base import WebinarLookups, join_url

BASIC_ACCEPT = "application/vnd.citrix.g2wapi-v1.1+json"


class WebinarRegistrants(WebinarLookups):
    """Handlers for a webinar's registrants and its registration form."""

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
                joinUrl=join_url(request, webinar, existing),
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
                "joinUrl": join_url(request, webinar, registrant),
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


def _answer_key(question_key: int, index: int) -> int:
    # Stable, unique per question: scenario files list choices as plain strings.
    return question_key * 100 + index + 1
