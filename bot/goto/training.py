"""GoToTraining REST client: trainings, registrants and the reports API for attendance."""

from __future__ import annotations

from bot.goto.base import Key, ProductClient, clean_key, same_email
from bot.goto.errors import GoToError, NotFound, RegistrationPending
from bot.goto.models import (
    Registrant,
    RegistrantSummary,
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

    def _training_url(self, organizer_key: Key, training_key: Key, *rest: str) -> str:
        return self._url(
            "organizers",
            clean_key(organizer_key, "organizer"),
            "trainings",
            clean_key(training_key, "training"),
            *rest,
        )

    async def get_training(self, organizer_key: Key, training_key: Key) -> Training:
        """A training; NotFound when the key is wrong or the training was deleted."""
        key = clean_key(training_key, "training")
        body = await self._get_json(
            self._training_url(organizer_key, key), f"training {key}", kind="training", key=key
        )
        return parse(Training, body, "training")

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
            self._training_url(organizer_key, key, "registrants"),
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

    async def list_registrants(
        self, organizer_key: Key, training_key: Key
    ) -> list[RegistrantSummary]:
        """All registrants of a training (GoTo's copy can lag by up to two hours)."""
        key = clean_key(training_key, "training")
        body = await self._get_json(
            self._training_url(organizer_key, key, "registrants"),
            f"the registrants of training {key}",
            kind="training",
            key=key,
        )
        return parse_list(RegistrantSummary, body, "registrant list")

    async def find_registrant(
        self, organizer_key: Key, training_key: Key, email: str
    ) -> RegistrantSummary | None:
        """The registrant with this email (case-insensitive), if any."""
        registrants = await self.list_registrants(organizer_key, training_key)
        return next((r for r in registrants if same_email(r.email, email)), None)

    async def get_registrant(
        self, organizer_key: Key, training_key: Key, registrant_key: Key
    ) -> Registrant:
        """One registrant with join URL and status."""
        rkey = clean_key(registrant_key, "registrant")
        body = await self._get_json(
            self._training_url(organizer_key, training_key, "registrants", rkey),
            f"registrant {rkey}",
            kind="registrant",
            key=rkey,
        )
        return parse(Registrant, body, "registrant")

    async def delete_registrant(
        self, organizer_key: Key, training_key: Key, registrant_key: Key
    ) -> bool:
        """Cancel a registration; False when GoTo no longer knows it (already gone)."""
        rkey = clean_key(registrant_key, "registrant")
        response = await self._request(
            "DELETE", self._training_url(organizer_key, training_key, "registrants", rkey)
        )
        if response.status_code == 404:
            # A retried DELETE whose first attempt went through also lands here.
            return False
        raise_for_status(response, f"registrant {rkey}", kind="registrant", key=rkey)
        return True

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
