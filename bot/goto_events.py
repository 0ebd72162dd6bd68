"""GoToEvents port: the session modal asks GoTo, through the location's linked account."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.goto.check import EventStatus
from bot.goto.client import GoToClient
from bot.goto.errors import (
    CreationOutcomeUnknown,
    EventNotCreated,
    GoToError,
    NoAnswer,
    Product,
    Unavailable,
    needs_relink,
)
from bot.goto.models import GoToEvent
from bot.goto_connections import GoToConnections
from domain.errors import DomainError, EventProblem, EventRejected
from domain.models import Location, LocationKind
from domain.ports import EventFacts
from domain.session_rules import event_matches
from domain.types import utcnow

log = logging.getLogger(__name__)

# How GoTo's answer about a key reads to the session check.
_PROBLEMS = {
    EventStatus.NOT_FOUND: EventProblem.NOT_FOUND,
    EventStatus.WRONG_PRODUCT: EventProblem.OTHER_PRODUCT,
    EventStatus.ENDED: EventProblem.CANCELLED,
}
# A connection GoTo no longer accepts: the admin re-links the location.


class GoToEventChecker:
    """Asks the location's account about events; every failure is an EventRejected."""

    def __init__(
        self, connections: GoToConnections, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._connections = connections
        self._clock = clock

    async def check_event(self, location: Location, key: str) -> EventFacts:
        """The event's facts when it is upcoming; else why not (see GoToEvents)."""
        kind = LocationKind(location.kind)
        client = self._client(location)
        try:
            async with client:
                check = await client.check_event(
                    _product(kind), str(location.goto_organizer_key), key, now=self._clock()
                )
        except GoToError as exc:
            raise _rejected(location, "event check", exc) from exc
        if check.status is not EventStatus.UPCOMING or check.event is None:
            raise EventRejected(_PROBLEMS.get(check.status, EventProblem.NOT_FOUND), check.message)
        return _facts(kind, check.event)

    async def upcoming_events(self, location: Location, query: str) -> list[EventFacts]:
        """The account's upcoming events of the location's product that match `query`."""
        kind = LocationKind(location.kind)
        client = self._client(location)
        try:
            async with client:
                events = await client.upcoming_events(
                    _product(kind), str(location.goto_organizer_key), now=self._clock()
                )
        except GoToError as exc:
            raise _rejected(location, "event list", exc) from exc
        facts = [_facts(kind, event) for event in events]
        return [f for f in facts if event_matches(f.subject, f.key, query)]

    async def create_event(
        self,
        location: Location,
        *,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
    ) -> EventFacts:
        """Create the event on GoTo (sent once) and return what the session saves of it."""
        kind = LocationKind(location.kind)
        client = self._client(location)
        try:
            async with client:
                key = await client.create_event(
                    _product(kind),
                    str(location.goto_organizer_key),
                    subject=subject,
                    start=starts_at,
                    end=ends_at,
                    time_zone=timezone,
                )
        except EventNotCreated as exc:
            log.info("event creation for location %s refused", location.id)
            raise EventRejected(EventProblem.NOT_CREATED, str(exc)) from exc
        except CreationOutcomeUnknown as exc:
            log.warning("event creation for location %s: no answer (%s)", location.id, exc.reason)
            raise EventRejected(EventProblem.OUTCOME_UNKNOWN, str(exc)) from exc
        except GoToError as exc:
            raise _rejected(location, "event creation", exc) from exc
        return EventFacts(
            product=kind,
            key=key,
            subject=subject,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
        )

    def _client(self, location: Location) -> GoToClient:
        try:
            return self._connections.client_for(location)
        except DomainError as exc:  # not linked: nothing to ask
            raise EventRejected(EventProblem.NEEDS_RELINK, exc.message) from exc


def _product(kind: LocationKind) -> Product:
    return "webinar" if kind is LocationKind.GOTOWEBINAR else "training"


def _rejected(location: Location, what: str, exc: GoToError) -> EventRejected:
    """The EventRejected for a GoTo failure: re-link, or GoTo not answering (logged by class)."""
    log.info("%s for location %s: %s", what, location.id, type(exc).__name__)
    if needs_relink(exc):
        return EventRejected(EventProblem.NEEDS_RELINK, str(exc))
    if not isinstance(exc, Unavailable | NoAnswer):
        log.warning("%s for location %s failed: %s", what, location.id, exc)
    return EventRejected(EventProblem.UNAVAILABLE, str(exc))


def _facts(kind: LocationKind, event: GoToEvent) -> EventFacts:
    return EventFacts(
        product=kind,
        key=event.key,
        subject=event.subject,
        starts_at=event.start,
        ends_at=event.end,
        timezone=event.time_zone,
        registration_limit=event.registration_limit,
        cancelled=event.cancelled,
    )
