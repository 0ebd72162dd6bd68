"""GoToWebinar REST v2 client: webinars, registrants, sessions, attendees and polls."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.goto.base import Key, ProductClient, clean_key
from bot.goto.errors import GoToError, RegistrationNeedsFields, RegistrationRefused
from bot.goto.models import (
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
from bot.goto.responses import json_body, json_or_none, raise_for_status

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
        if not missing:
            return RegistrationRefused(webinar_key, _reason(answer))
        return RegistrationNeedsFields(missing)

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


def _reason(answer: Any) -> str | None:
    """GoTo's own words for a refusal (its error bodies use several field names)."""
    if not isinstance(answer, dict):
        return None
    for name in ("description", "msg", "message", "errorMessage"):
        value = answer.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None
