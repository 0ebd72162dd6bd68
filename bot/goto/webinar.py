"""GoToWebinar REST v2 client: webinars, registrants, sessions, attendees and polls."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.goto.base import Key, ProductClient, clean_key, iso_utc
from bot.goto.errors import EventFull, GoToError, RegistrationNeedsFields, RegistrationRefused
from bot.goto.models import (
    CreatedWebinar,
    Poll,
    PollAnswer,
    Registrant,
    RegistrationFields,
    SessionPerformance,
    Webinar,
    WebinarAttendee,
    WebinarSession,
    parse,
    parse_list,
)
from bot.goto.responses import json_body, json_or_none, raise_for_status, refusal_reason

log = logging.getLogger(__name__)


class WebinarClient(ProductClient):
    """The GoToWebinar calls the bot needs (base `{api_url}/G2W/rest/v2`)."""

    base_path = "/G2W/rest/v2"
    event_kind = "webinar"
    event_segment = "webinars"

    async def get_webinar(self, organizer_key: Key, webinar_key: Key) -> Webinar:
        """A webinar; NotFound when the key is wrong or the webinar was cancelled."""
        key = clean_key(webinar_key, "webinar")
        body = await self._get_json(
            self._event_url(organizer_key, key), f"webinar {key}", kind="webinar", key=key
        )
        return parse(Webinar, body, "webinar")

    async def upcoming_webinars(
        self, organizer_key: Key, from_time: datetime, to_time: datetime
    ) -> list[Webinar]:
        """The organizer's webinars with a session between the two times, all pages.

        GoTo leaves cancelled webinars out of this list. List items carry no
        registrationLimit: get_webinar has it.
        """
        if to_time <= from_time:
            raise ValueError("to_time must be after from_time")
        okey = clean_key(organizer_key, "organizer")
        items = await self._get_all_pages(
            self._url("organizers", okey, "webinars"),
            "the list of webinars",
            collection="webinars",
            kind="organizer",
            key=okey,
            declared_paging=True,
            params={"fromTime": iso_utc(from_time), "toTime": iso_utc(to_time)},
        )
        webinars = parse_list(Webinar, items, "webinar list")
        return sorted(webinars, key=lambda w: min((t.start for t in w.times), default=to_time))

    async def create_webinar(
        self,
        organizer_key: Key,
        *,
        subject: str,
        start: datetime,
        end: datetime,
        time_zone: str,
        description: str | None = None,
    ) -> str:
        """Create a single-session webinar and return its key (sent once, never resent)."""
        okey = clean_key(organizer_key, "organizer")
        body: dict[str, Any] = {
            "subject": subject,
            "times": [{"startTime": iso_utc(start), "endTime": iso_utc(end)}],
            "timeZone": time_zone,
            "type": "single_session",
        }
        if description:
            body["description"] = description
        response = await self._create(self._url("organizers", okey, "webinars"), body, subject)
        raise_for_status(response, "a new webinar", kind="organizer", key=okey)
        created = parse(CreatedWebinar, json_body(response, "new webinar"), "new webinar")
        return clean_key(created.webinar_key, "webinar")

    async def registration_fields(self, organizer_key: Key, webinar_key: Key) -> RegistrationFields:
        """Standard fields and custom questions of the registration form, with `required`."""
        key = clean_key(webinar_key, "webinar")
        body = await self._get_json(
            self._event_url(organizer_key, key, "registrants", "fields"),
            f"the registration form of webinar {key}",
            kind="webinar",
            key=key,
        )
        return parse(RegistrationFields, body, "registration form")

    async def create_registrant(
        self,
        organizer_key: Key,
        webinar_key: Key,
        *,
        first_name: str,
        last_name: str,
        email: str,
        extra_fields: Mapping[str, Any] | None = None,
    ) -> Registrant:
        """Register someone; an earlier registration (409) is returned with duplicate=True.

        `extra_fields` holds further RegistrantFields, e.g. {"organization": "…"} or
        {"responses": [{"questionKey": 1, "responseText": "…"}]} for custom questions.
        """
        key = clean_key(webinar_key, "webinar")
        body: dict[str, Any] = dict(extra_fields or {})
        body.update({"firstName": first_name, "lastName": last_name, "email": email})
        response = await self._request(
            "POST", self._event_url(organizer_key, key, "registrants"), json=body
        )
        what = f"a registration for webinar {key}"
        if response.status_code in (200, 201):
            created = parse(Registrant, json_body(response, "registration"), "registration")
            return created.model_copy(
                update={"email": email, "first_name": first_name, "last_name": last_name}
            )
        if response.status_code == 409:
            return await self._existing_registrant(
                organizer_key, key, email, json_or_none(response)
            )
        if response.status_code == 400:
            raise await self._missing_fields(organizer_key, key, body, json_or_none(response))
        raise_for_status(response, what, kind="webinar", key=key)
        raise GoToError(f"GoTo answered {what} with HTTP {response.status_code}.")

    async def _existing_registrant(
        self, organizer_key: Key, webinar_key: str, email: str, conflict: Any
    ) -> Registrant:
        # GoTo's 409 carries registrantKey/joinUrl when it can; otherwise look the person up.
        conflict_key = conflict.get("registrantKey") if isinstance(conflict, dict) else None
        if isinstance(conflict, dict) and conflict_key and conflict.get("joinUrl"):
            found = parse(Registrant, conflict, "duplicate registration")
            return found.model_copy(update={"duplicate": True, "email": found.email or email})
        if not conflict_key:
            match = await self.find_registrant(organizer_key, webinar_key, email)
            if match is None:
                raise GoToError(
                    f"GoTo says {email} is already registered for webinar {webinar_key}, "
                    "but the registration could not be found."
                )
            conflict_key = match.registrant_key
        full = await self.get_registrant(organizer_key, webinar_key, conflict_key)
        return full.model_copy(update={"duplicate": True})

    async def _missing_fields(
        self, organizer_key: Key, webinar_key: str, sent: Mapping[str, Any], answer: Any
    ) -> GoToError:
        form = await self.registration_fields(organizer_key, webinar_key)
        answered = {
            str(r.get("questionKey")) for r in sent.get("responses") or [] if isinstance(r, dict)
        }
        missing = [f.field for f in form.fields if f.required and not sent.get(f.field)]
        missing += [
            q.question for q in form.questions if q.required and q.question_key not in answered
        ]
        if missing:
            return RegistrationNeedsFields(missing)
        # GoTo's 400 for a full webinar has no documented code: the webinar's own
        # registrationLimit and numberOfRegistrants tell.
        webinar = await self.get_webinar(organizer_key, webinar_key)
        if webinar.full:
            return EventFull("webinar", webinar_key, webinar.registration_limit)
        return RegistrationRefused(webinar_key, refusal_reason(answer))

    async def sessions(self, organizer_key: Key, webinar_key: Key) -> list[WebinarSession]:
        """Past sessions of a webinar, all pages."""
        key = clean_key(webinar_key, "webinar")
        items = await self._get_all_pages(
            self._event_url(organizer_key, key, "sessions"),
            f"the sessions of webinar {key}",
            collection="sessionInfoResources",
            kind="webinar",
            key=key,
            declared_paging=True,
        )
        return parse_list(WebinarSession, items, "webinar session")

    async def webinar_attendees(
        self, organizer_key: Key, webinar_key: Key
    ) -> list[WebinarAttendee]:
        """Attendees of all sessions of a webinar, all pages."""
        key = clean_key(webinar_key, "webinar")
        items = await self._get_all_pages(
            self._event_url(organizer_key, key, "attendees"),
            f"the attendees of webinar {key}",
            collection="attendeeParticipationResponses",
            kind="webinar",
            key=key,
            declared_paging=True,
        )
        return parse_list(WebinarAttendee, items, "webinar attendee")

    async def session_attendees(
        self, organizer_key: Key, webinar_key: Key, session_key: Key
    ) -> list[WebinarAttendee]:
        """Attendees of one session with attendance time (all pages if GoTo pages it)."""
        skey = clean_key(session_key, "webinar session")
        items = await self._get_all_pages(
            self._event_url(organizer_key, webinar_key, "sessions", skey, "attendees"),
            f"the attendees of webinar session {skey}",
            collection="attendeeParticipationResponses",
            kind="webinar session",
            key=skey,
            declared_paging=False,
        )
        return parse_list(WebinarAttendee, items, "webinar attendee")

    async def session_polls(
        self, organizer_key: Key, webinar_key: Key, session_key: Key
    ) -> list[Poll]:
        """Polls of a session with their collated responses."""
        skey = clean_key(session_key, "webinar session")
        body = await self._get_json(
            self._event_url(organizer_key, webinar_key, "sessions", skey, "polls"),
            f"the polls of webinar session {skey}",
            kind="webinar session",
            key=skey,
        )
        return parse_list(Poll, body, "poll")

    async def session_poll_count(
        self, organizer_key: Key, webinar_key: Key, session_key: Key
    ) -> int:
        """Number of polls launched in a session (performance `pollsAndSurveys.pollCount`).

        The session list already carries the same figure as `totalPollCount`; use this
        when only the session key is at hand.
        """
        skey = clean_key(session_key, "webinar session")
        body = await self._get_json(
            self._event_url(organizer_key, webinar_key, "sessions", skey, "performance"),
            f"the performance of webinar session {skey}",
            kind="webinar session",
            key=skey,
        )
        return parse(SessionPerformance, body, "session performance").polls_and_surveys.poll_count

    async def attendee_poll_answers(
        self, organizer_key: Key, webinar_key: Key, session_key: Key, registrant_key: Key
    ) -> list[PollAnswer]:
        """One attendee's poll answers in a session; match them to polls by question text."""
        skey = clean_key(session_key, "webinar session")
        rkey = clean_key(registrant_key, "attendee")
        body = await self._get_json(
            self._event_url(
                organizer_key, webinar_key, "sessions", skey, "attendees", rkey, "polls"
            ),
            f"the poll answers of attendee {rkey}",
            kind="attendee",
            key=rkey,
        )
        return parse_list(PollAnswer, body, "poll answer")


def question_key(text: str) -> str:
    """Normalised poll question text, the only way to tell polls apart."""
    return " ".join(text.split()).casefold()


def answered_polls(polls: list[Poll], answers: list[PollAnswer]) -> set[str]:
    """Question keys of the session's polls that the attendee answered."""
    asked = {question_key(p.question) for p in polls}
    return {question_key(a.question) for a in answers if a.answers} & asked
