"""GoToTraining REST (/G2T/rest): trainings, registrants and the attendance reports."""

from __future__ import annotations

from datetime import timedelta
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
    json_object,
    new_event_text,
    new_event_times,
    parse_key,
    registration_body,
    sandbox_url,
    time_zone_or_400,
)
from .records import Registrant, Session, Training, iso
from .state import SandboxState

PREFIX = "/G2T/rest"


class TrainingApi:
    """Handlers for the GoToTraining paths the bot uses."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Starlette routes; every path exists in gototraining-v1.openapi.yml."""
        org = PREFIX + "/organizers/{organizerKey}"
        tr = org + "/trainings/{trainingKey}"
        reports = PREFIX + "/reports/organizers/{organizerKey}"
        return [
            Route(org + "/trainings", self.list_trainings, methods=["GET"]),
            Route(org + "/trainings", self.create_training, methods=["POST"]),
            Route(tr, self.get_training, methods=["GET"]),
            Route(tr + "/registrants", self.list_registrants, methods=["GET"]),
            Route(tr + "/registrants", self.create_registrant, methods=["POST"]),
            Route(tr + "/registrants/{registrantKey}", self.get_registrant, methods=["GET"]),
            Route(tr + "/registrants/{registrantKey}", self.delete_registrant, methods=["DELETE"]),
            Route(reports + "/trainings/{trainingKey}", self.training_sessions, methods=["GET"]),
            Route(
                reports + "/sessions/{sessionKey}/attendees",
                self.session_attendees,
                methods=["GET"],
            ),
        ]

    # ------------------------------------------------------------------ lookups

    def _caller(self, request: Request) -> Caller:
        return authorize_product(
            self.state, request, "training", request.path_params["organizerKey"]
        )

    def _training(self, request: Request, *, include_cancelled: bool = False) -> Training:
        caller = self._caller(request)
        key = parse_key(request.path_params["trainingKey"])
        training = self.state.trainings.get(key) if key is not None else None
        if (
            training is None
            or training.organizer_key != caller.account.organizer_key
            or (training.cancelled and not include_cancelled)
        ):
            raise goto_error(self.state, 404, "NotFound", "Training not found.")
        return training

    def _registrant(self, training: Training, value: str) -> Registrant:
        key = parse_key(value)
        registrant = training.registrants.get(key) if key is not None else None
        if registrant is None or registrant not in self.state.visible_registrants(training):
            raise goto_error(self.state, 404, "NotFound", "Registrant not found.")
        return registrant

    # ------------------------------------------------------------------ representations

    def _organizers(self, training: Training) -> list[dict[str, str]]:
        organizer = self.state.account_by_organizer(training.organizer_key)
        if organizer is None:
            return []
        return [
            {
                "organizerKey": str(organizer.organizer_key),
                "email": organizer.email,
                "givenName": organizer.first_name,
                "surname": organizer.last_name,
            }
        ]

    def _training_json(self, training: Training) -> dict[str, Any]:
        return {
            "trainingKey": str(training.training_key),
            "trainingId": training.training_id,
            "name": training.name,
            "description": training.description,
            "timeZone": training.time_zone,
            "times": [{"startDate": iso(s), "endDate": iso(e)} for s, e in training.times],
            "organizers": self._organizers(training),
            "registrationSettings": {
                "disableConfirmationEmail": False,
                "disableWebRegistration": False,
            },
        }

    def _registrant_json(
        self, request: Request, training: Training, registrant: Registrant
    ) -> dict[str, Any]:
        join, confirmation = _urls(request, training, registrant)
        return {
            "email": registrant.email,
            "givenName": registrant.first_name,
            "surname": registrant.last_name,
            "status": registrant.status,
            "registrationDate": iso(registrant.registration_date),
            "joinUrl": join,
            "confirmationUrl": confirmation,
            "registrantKey": str(registrant.registrant_key),
        }

    # ------------------------------------------------------------------ trainings

    async def list_trainings(self, request: Request) -> Response:
        """GET …/trainings: scheduled (not completed, not cancelled) trainings."""
        caller = self._caller(request)
        now = self.state.clock.now()
        return json_body(
            [
                self._training_json(t)
                for t in self.state.trainings.values()
                if t.organizer_key == caller.account.organizer_key
                and not t.cancelled
                and max(end for _, end in t.times) > now
            ]
        )

    async def create_training(self, request: Request) -> Response:
        """POST …/organizers/{ok}/trainings: 201 with the new trainingKey as a JSON string."""
        caller = self._caller(request)
        body = await json_object(self.state, request)
        name, description = new_event_text(self.state, body, "name")
        # timeZone is required here (TrainingReqCreate), unlike for a webinar.
        time_zone = time_zone_or_400(self.state, body.get("timeZone"))
        times = new_event_times(self.state, body.get("times"), "startDate", "endDate")
        training = self.state.add_training(
            caller.account.organizer_key,
            name=name,
            description=description,
            times=times,
            time_zone=time_zone,
        )
        return json_body(str(training.training_key), 201)

    async def get_training(self, request: Request) -> Response:
        """GET …/trainings/{tk}: Training (404 once deleted)."""
        return json_body(self._training_json(self._training(request)))

    # ------------------------------------------------------------------ registrants

    async def list_registrants(self, request: Request) -> Response:
        """GET …/registrants (subject to GoTo's registrant cache lag)."""
        training = self._training(request)
        return json_body(
            [
                self._registrant_json(request, training, r)
                for r in self.state.visible_registrants(training)
            ]
        )

    async def get_registrant(self, request: Request) -> Response:
        """GET …/registrants/{rk}."""
        training = self._training(request)
        registrant = self._registrant(training, request.path_params["registrantKey"])
        return json_body(self._registrant_json(request, training, registrant))

    async def delete_registrant(self, request: Request) -> Response:
        """DELETE …/registrants/{rk}: cancels the registration."""
        training = self._training(request)
        registrant = self._registrant(training, request.path_params["registrantKey"])
        del training.registrants[registrant.registrant_key]
        return Response(status_code=204)

    async def create_registrant(self, request: Request) -> Response:
        """POST …/registrants: 201 {joinUrl, confirmationUrl, registrantKey}; 409 duplicate."""
        training = self._training(request)
        state = self.state
        body = await registration_body(state, request, ("email", "givenName", "surname"))
        email = body["email"].strip()
        if not EMAIL.match(email):
            raise goto_error(state, 400, "InvalidEmail", "The email address is not valid.")
        existing = training.registrant_by_email(email)
        if existing is not None:
            # GoToTraining's duplicate answer has the key (a number) but no join URL.
            raise goto_error(
                state,
                409,
                "DuplicateRegistrant",
                "Registration failed, email address already in use.",
                registrantKey=existing.registrant_key,
            )
        now = state.clock.now()
        registrant = Registrant(
            registrant_key=state.new_key(19),
            email=email,
            first_name=body["givenName"].strip(),
            last_name=body["surname"].strip(),
            registration_date=now,
            visible_from=now + timedelta(seconds=state.settings.training_registrant_lag_seconds),
        )
        training.registrants[registrant.registrant_key] = registrant
        join, confirmation = _urls(request, training, registrant)
        return JSONResponse(
            {
                "joinUrl": join,
                "confirmationUrl": confirmation,
                "registrantKey": str(registrant.registrant_key),
            },
            status_code=201,
        )

    # ------------------------------------------------------------------ reports

    async def training_sessions(self, request: Request) -> Response:
        """GET /reports/…/trainings/{tk}: the training's completed sessions."""
        # Reports outlive deletion: "for completed trainings, the sessions remain".
        training = self._training(request, include_cancelled=True)
        items = []
        for session in self.state.reported_sessions(training):
            assert session.end is not None
            items.append(
                {
                    "sessionKey": str(session.session_key),
                    "trainingName": training.name,
                    "sessionStartTime": iso(session.start),
                    "sessionEndTime": iso(session.end),
                    "attendanceCount": sum(
                        1 for a in session.attendance.values() if a.seconds(session.end) > 0
                    ),
                    "duration": int((session.end - session.start).total_seconds() // 60),
                    "organizers": self._organizers(training),
                }
            )
        return json_body(items)

    async def session_attendees(self, request: Request) -> Response:
        """GET /reports/…/sessions/{sk}/attendees: by email, minutes; no registrant key."""
        caller = self._caller(request)
        key = parse_key(request.path_params["sessionKey"])
        found: tuple[Training, Session] | None = None
        for training in self.state.trainings.values():
            if training.organizer_key != caller.account.organizer_key:
                continue
            for session in self.state.reported_sessions(training):
                if session.session_key == key:
                    found = (training, session)
        if found is None:
            raise goto_error(self.state, 404, "NotFound", "Session not found.")
        training, session = found
        end = session.end
        assert end is not None
        rows: list[dict[str, Any]] = []
        absent: list[dict[str, Any]] = []
        for registrant in training.registrants.values():
            entry = session.attendance.get(registrant.registrant_key)
            parts = entry.closed_parts(end) if entry else []
            row = {
                "givenName": registrant.first_name,
                "surname": registrant.last_name,
                "email": registrant.email,
                "timeInSession": (entry.seconds(end) // 60) if entry else 0,
                "inSessionTimes": [
                    {
                        "joinTime": iso(join),
                        "leaveTime": iso(leave),
                        "timeInPartOfSession": int((leave - join).total_seconds() // 60),
                    }
                    for join, leave in parts
                ],
            }
            if entry and parts:
                rows.append(row)
            elif registrant.registration_date <= end:
                absent.append(row)
        # "If a registrant does not attend, they appear at the bottom with timeInSession = 0."
        return json_body(rows + absent)


def _urls(request: Request, training: Training, registrant: Registrant) -> tuple[str, str]:
    tail = f"/training/{training.training_key}/{registrant.registrant_key}"
    return sandbox_url(request, "/_sandbox/join" + tail), sandbox_url(
        request, "/_sandbox/confirmation" + tail
    )
