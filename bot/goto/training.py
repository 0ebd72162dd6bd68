"""GoToTraining REST client: trainings, registrants and the reports API for attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.goto.base import Key, ProductClient, clean_key, iso_utc
from bot.goto.errors import GoToError, NotFound, RegistrationPending, UnexpectedResponse
from bot.goto.models import (
    Registrant,
    Training,
    TrainingAttendee,
    TrainingSession,
    parse,
    parse_list,
)
from bot.goto.responses import json_body, json_or_none, raise_for_status


class TrainingClient(ProductClient):
    """The GoToTraining calls the bot needs (base `{api_url}/G2T/rest`)."""

    base_path = "/G2T/rest"
    event_kind = "training"
    event_segment = "trainings"

    async def get_training(self, organizer_key: Key, training_key: Key) -> Training:
        """A training; NotFound when the key is wrong or the training was deleted."""
        key = clean_key(training_key, "training")
        body = await self._get_json(
            self._event_url(organizer_key, key), f"training {key}", kind="training", key=key
        )
        return parse(Training, body, "training")

    async def upcoming_trainings(self, organizer_key: Key) -> list[Training]:
        """The organizer's scheduled trainings, soonest first.

        GoToTraining lists scheduled trainings only (not completed, not deleted); the list
        is neither paged nor limited to a time range.
        """
        okey = clean_key(organizer_key, "organizer")
        body = await self._get_json(
            self._url("organizers", okey, "trainings"),
            "the list of trainings",
            kind="organizer",
            key=okey,
        )
        trainings = parse_list(Training, body, "training list")
        return sorted(trainings, key=_first_start)

    async def create_training(
        self,
        organizer_key: Key,
        *,
        name: str,
        start: datetime,
        end: datetime,
        time_zone: str,
        description: str | None = None,
        confirmation_email: bool = True,
    ) -> str:
        """Schedule a one-session training and return its key (sent once, never resent).

        `confirmation_email=False` sets GoTo's API-only `disableConfirmationEmail`.
        """
        okey = clean_key(organizer_key, "organizer")
        body: dict[str, Any] = {
            "name": name,
            "timeZone": time_zone,
            "times": [{"startDate": iso_utc(start), "endDate": iso_utc(end)}],
            "registrationSettings": {
                "disableConfirmationEmail": not confirmation_email,
                "disableWebRegistration": False,
            },
        }
        if description:
            body["description"] = description
        response = await self._create(self._url("organizers", okey, "trainings"), body, name)
        raise_for_status(response, "a new training", kind="organizer", key=okey)
        # The spec's 201 answer is the key itself, as a JSON string.
        created = json_body(response, "new training")
        if not isinstance(created, str | int) or isinstance(created, bool):
            raise UnexpectedResponse("new training", "trainingKey")
        return clean_key(created, "training")

    async def register(
        self,
        organizer_key: Key,
        training_key: Key,
        *,
        first_name: str,
        last_name: str,
        email: str,
    ) -> Registrant:
        """Register someone; an earlier registration (409) is returned with duplicate=True."""
        key = clean_key(training_key, "training")
        response = await self._request(
            "POST",
            self._event_url(organizer_key, key, "registrants"),
            json={"email": email, "givenName": first_name, "surname": last_name},
        )
        what = f"a registration for training {key}"
        if response.status_code in (200, 201):
            created = parse(Registrant, json_body(response, "registration"), "registration")
            return created.model_copy(
                update={"email": email, "first_name": first_name, "last_name": last_name}
            )
        if response.status_code == 409:
            # GoToTraining's 409 (DuplicateRegistrant) names the registrant but not the join
            # URL, so the registrant is fetched.
            conflict = json_or_none(response)
            registrant_key = conflict.get("registrantKey") if isinstance(conflict, dict) else None
            if not registrant_key:
                match = await self.find_registrant(organizer_key, key, email)
                if match is None:
                    raise GoToError(
                        f"GoTo says {email} is already registered for training {key}, "
                        "but the registration could not be found."
                    )
                registrant_key = match.registrant_key
            try:
                existing = await self.get_registrant(organizer_key, key, str(registrant_key))
            except NotFound as exc:
                # GoToTraining publishes new registrants with a delay of up to two hours.
                raise RegistrationPending(str(registrant_key)) from exc
            return existing.model_copy(update={"duplicate": True})
        raise_for_status(response, what, kind="training", key=key)
        raise GoToError(f"GoTo answered {what} with HTTP {response.status_code}.")

    async def sessions(self, organizer_key: Key, training_key: Key) -> list[TrainingSession]:
        """Completed sessions of a training (reports API)."""
        key = clean_key(training_key, "training")
        body = await self._get_json(
            self._url(
                "reports", "organizers", clean_key(organizer_key, "organizer"), "trainings", key
            ),
            f"the sessions of training {key}",
            kind="training",
            key=key,
        )
        return parse_list(TrainingSession, body, "training session")

    async def session_attendees(
        self, organizer_key: Key, session_key: Key
    ) -> list[TrainingAttendee]:
        """Attendance of a completed session; no registrant key, `timeInSession` in minutes."""
        skey = clean_key(session_key, "training session")
        body = await self._get_json(
            self._url(
                "reports",
                "organizers",
                clean_key(organizer_key, "organizer"),
                "sessions",
                skey,
                "attendees",
            ),
            f"the attendees of training session {skey}",
            kind="training session",
            key=skey,
        )
        return parse_list(TrainingAttendee, body, "training attendee")


def _first_start(training: Training) -> tuple[int, datetime | None]:
    starts = [t.start for t in training.times]
    return (0, min(starts)) if starts else (1, None)
