"""GoToEvents port: the session check asks GoTo, through the location's linked account."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.goto.check import EventStatus
from bot.goto.errors import (
    Forbidden,
    InvalidClient,
    NeedsRelink,
    NoAnswer,
    Product,
    TokenOutcomeUnknown,
    Unavailable,
)
from bot.goto_connections import GoToConnections
from domain.errors import DomainError, EventProblem, EventRejected
from domain.models import Location, LocationKind
from domain.ports import EventFacts
from domain.types import utcnow

log = logging.getLogger(__name__)

# How GoTo's answer about a key reads to the session check.
_PROBLEMS = {
    EventStatus.NOT_FOUND: EventProblem.NOT_FOUND,
    EventStatus.WRONG_PRODUCT: EventProblem.OTHER_PRODUCT,
    EventStatus.ENDED: EventProblem.CANCELLED,
}


class GoToEventChecker:
    """Checks a session's event key on the location's account; every failure is an EventRejected."""

    def __init__(
        self, connections: GoToConnections, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._connections = connections
        self._clock = clock

    async def check_event(self, location: Location, key: str) -> EventFacts:
        """The event's facts when it is upcoming; else why not (see GoToEvents)."""
        kind = LocationKind(location.kind)
        product: Product = "webinar" if kind is LocationKind.GOTOWEBINAR else "training"
        try:
            client = self._connections.client_for(location)
        except DomainError as exc:  # not linked: nothing to ask
            raise EventRejected(EventProblem.NEEDS_RELINK, exc.message) from exc
        try:
            async with client:
                check = await client.check_event(
                    product, str(location.goto_organizer_key), key, now=self._clock()
                )
        except (NeedsRelink, InvalidClient, Forbidden, TokenOutcomeUnknown) as exc:
            log.info("event check for location %s: %s", location.id, type(exc).__name__)
            raise EventRejected(EventProblem.NEEDS_RELINK, str(exc)) from exc
        except (Unavailable, NoAnswer) as exc:
            log.info("event check for location %s: %s", location.id, type(exc).__name__)
            raise EventRejected(EventProblem.UNAVAILABLE, str(exc)) from exc
        if check.status is not EventStatus.UPCOMING or check.event is None:
            raise EventRejected(_PROBLEMS.get(check.status, EventProblem.NOT_FOUND), check.message)
        event = check.event
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
