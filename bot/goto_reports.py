"""GoToReports port: what GoTo's reports say of a session, read with the fewest requests."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.goto.client import GoToClient
from bot.goto.errors import (
    GoToError,
    NotFound,
    goto_unavailable,
    needs_relink,
)
from bot.goto.models import Poll, TrainingAttendee, WebinarAttendee, WebinarSession
from bot.goto.webinar import answered_polls, question_key
from bot.goto_connections import GoToConnections
from domain.completion_rules import Attendee
from domain.errors import AttendanceUnavailable, DomainError, SyncProblem
from domain.models import Location, LocationKind, Session
from domain.ports import GoToAttendance

log = logging.getLogger(__name__)

# Organizers start early and run late; a GoTo session this near the session's time is its own.
# A recurring event's sessions on other days stay outside.
TIME_SLACK = timedelta(hours=1)


class GoToReportReader:
    """Reads attendance and poll answers from GoTo; every failure is an AttendanceUnavailable."""

    def __init__(self, connections: GoToConnections) -> None:
        self._connections = connections
        # GoTo API requests this reader sent, both methods, retries included (not token refreshes).
        self.requests = 0

    async def attendance(
        self, location: Location, session: Session, *, with_polls: bool
    ) -> GoToAttendance:
        """GoTo's ended sessions of the session's event in its time, with every attendee."""
        event_key = _event_key(session)
        client = self._client(location)
        organizer = str(location.goto_organizer_key)
        try:
            async with client:
                if _product(location, session) is LocationKind.GOTOTRAINING:
                    found = await _training_attendance(client, organizer, event_key, session)
                else:
                    found = await _webinar_attendance(
                        client, organizer, event_key, session, with_polls=with_polls
                    )
        except GoToError as exc:
            raise _unavailable(location, exc) from exc
        finally:
            self.requests += client.http.requests_sent
        keys, attendees, polls = found
        return GoToAttendance(
            session_keys=keys,
            attendees=attendees,
            polls=polls,
            requests=client.http.requests_sent,
        )

    async def polls_answered(
        self,
        location: Location,
        session: Session,
        attendance: GoToAttendance,
        records: Sequence[Attendee],
    ) -> int:
        """Polls of the session one attendee answered: one request per record with polls."""
        asked = list(
            dict.fromkeys(
                (record.session_key, record.registrant_key)
                for record in records
                if record.registrant_key
                and record.session_key
                and attendance.polls.get(record.session_key)
            )
        )
        if not asked or _product(location, session) is LocationKind.GOTOTRAINING:
            return 0
        event_key = _event_key(session)
        client = self._client(location)
        organizer = str(location.goto_organizer_key)
        # Per GoTo session, so that one person's two records there count each poll once.
        answered: dict[str, set[str]] = {}
        try:
            async with client:
                for session_key, registrant_key in asked:
                    try:
                        answers = await client.webinar.attendee_poll_answers(
                            organizer, event_key, session_key, registrant_key
                        )
                    except NotFound:
                        continue  # GoTo knows no answers of theirs in that session
                    launched = [Poll(question=q) for q in attendance.polls[session_key]]
                    found = answered_polls(launched, answers)
                    answered.setdefault(session_key, set()).update(found)
        except GoToError as exc:
            raise _unavailable(location, exc) from exc
        finally:
            self.requests += client.http.requests_sent
        return sum(len(questions) for questions in answered.values())

    def _client(self, location: Location) -> GoToClient:
        try:
            return self._connections.client_for(location)
        except DomainError as exc:  # not linked: nothing to ask
            raise AttendanceUnavailable(SyncProblem.NEEDS_RELINK, exc.message) from exc


async def _webinar_attendance(
    client: GoToClient, organizer: str, webinar_key: str, session: Session, *, with_polls: bool
) -> tuple[tuple[str, ...], tuple[Attendee, ...], dict[str, tuple[str, ...]]]:
    """The webinar's reported sessions in the session's time, their attendees and polls."""
    webinar = client.webinar
    reported = await webinar.sessions(organizer, webinar_key)
    kept = [s for s in reported if _in_time(session, s.start_time, s.end_time)]
    if not kept:
        return (), (), {}
    keys = tuple(s.session_key for s in kept)
    rows: list[WebinarAttendee] = []
    if len(kept) == len(reported):
        # Every reported session counts: the webinar-wide list costs one request per 200.
        listed = await webinar.webinar_attendees(organizer, webinar_key)
        # A session reported after the list of sessions was read is not this run's.
        rows = [a for a in listed if a.session_key is None or a.session_key in keys]
    else:
        for found in kept:
            listed = await webinar.session_attendees(organizer, webinar_key, found.session_key)
            rows.extend(a.model_copy(update={"session_key": found.session_key}) for a in listed)
    attendees = tuple(_webinar_attendee(a, keys[0] if len(keys) == 1 else None) for a in rows)
    polls: dict[str, tuple[str, ...]] = {}
    if with_polls:
        for found in kept:
            polls[found.session_key] = await _session_polls(client, organizer, webinar_key, found)
    return keys, attendees, polls


async def _session_polls(
    client: GoToClient, organizer: str, webinar_key: str, found: WebinarSession
) -> tuple[str, ...]:
    """A session's launched polls as question keys; none asked when the list says there are none."""
    if found.total_poll_count == 0:
        return ()
    polls = await client.webinar.session_polls(organizer, webinar_key, found.session_key)
    return tuple(dict.fromkeys(question_key(p.question) for p in polls))


def _webinar_attendee(row: WebinarAttendee, only_session: str | None) -> Attendee:
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return Attendee(
        email=row.email,
        registrant_key=row.registrant_key or None,
        name=name,
        seconds=max(row.attendance_time_in_seconds, 0),
        session_key=row.session_key or only_session,
    )


async def _training_attendance(
    client: GoToClient, organizer: str, training_key: str, session: Session
) -> tuple[tuple[str, ...], tuple[Attendee, ...], dict[str, tuple[str, ...]]]:
    """The training's completed sessions in the session's time and who attended them."""
    training = client.training
    reported = await training.sessions(organizer, training_key)
    kept = [s for s in reported if _in_time(session, s.start_time, s.end_time)]
    attendees: list[Attendee] = []
    for found in kept:
        for row in await training.session_attendees(organizer, found.session_key):
            if row.time_in_session_minutes <= 0 and not row.in_session_times:
                continue  # GoToTraining lists registrants who never came with 0 minutes
            attendees.append(_training_attendee(row, found.session_key))
    return tuple(s.session_key for s in kept), tuple(attendees), {}


def _training_attendee(row: TrainingAttendee, session_key: str) -> Attendee:
    parts = [p.time_in_part_of_session for p in row.in_session_times]
    minutes = (
        sum(p for p in parts if p is not None)
        if parts and all(p is not None for p in parts)
        else row.time_in_session_minutes
    )
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return Attendee(
        email=row.email,
        registrant_key=None,
        name=name,
        seconds=max(minutes, 0) * 60,
        session_key=session_key,
    )


def _in_time(session: Session, start: datetime, end: datetime) -> bool:
    """Whether a GoTo session overlaps the session's time, give or take TIME_SLACK."""
    return start < session.ends_at + TIME_SLACK and end > session.starts_at - TIME_SLACK


def _product(location: Location, session: Session) -> LocationKind:
    return session.goto_product or location.kind


def _event_key(session: Session) -> str:
    if not session.goto_event_key:
        raise AttendanceUnavailable(
            SyncProblem.REFUSED, "The session has no GoTo webinar or training to read."
        )
    return session.goto_event_key


def _unavailable(location: Location, exc: GoToError) -> AttendanceUnavailable:
    log.info("attendance at location %s: %s", location.id, type(exc).__name__)
    if needs_relink(exc):
        return AttendanceUnavailable(SyncProblem.NEEDS_RELINK, exc.message)
    if goto_unavailable(exc):
        return AttendanceUnavailable(SyncProblem.UNAVAILABLE, exc.message)
    return AttendanceUnavailable(SyncProblem.REFUSED, exc.message)
