"""GoToRegistrar port: registering people on a session's event through the location's account."""

from __future__ import annotations

import logging

from bot.goto.client import GoToClient
from bot.goto.errors import (
    EventFull,
    GoToError,
    NotFound,
    RegistrationNeedsFields,
    RegistrationPending,
    RegistrationRefused,
    goto_unavailable,
    needs_relink,
)
from bot.goto.models import Registrant as GoToRegistrant
from bot.goto_connections import GoToConnections
from domain.errors import DomainError, RegistrationProblem, RegistrationRejected
from domain.models import Location, LocationKind
from domain.ports import Registrant

log = logging.getLogger(__name__)


class GoToRegistrationDesk:
    """Registers and unregisters on GoTo; every failure is a RegistrationRejected."""

    def __init__(self, connections: GoToConnections) -> None:
        self._connections = connections

    async def register(
        self,
        location: Location,
        product: LocationKind,
        event_key: str,
        *,
        first_name: str,
        last_name: str,
        email: str,
    ) -> Registrant:
        """Register one person; GoTo's 409 gives the earlier registration (`already`)."""
        client = self._client(location)
        organizer = str(location.goto_organizer_key)
        try:
            async with client:
                found: GoToRegistrant
                if product is LocationKind.GOTOTRAINING:
                    found = await client.training.register(
                        organizer,
                        event_key,
                        first_name=first_name,
                        last_name=last_name,
                        email=email,
                    )
                else:
                    found = await client.webinar.create_registrant(
                        organizer,
                        event_key,
                        first_name=first_name,
                        last_name=last_name,
                        email=email,
                    )
        except EventFull as exc:
            raise RegistrationRejected(RegistrationProblem.FULL, exc.message) from exc
        except RegistrationNeedsFields as exc:
            raise RegistrationRejected(
                RegistrationProblem.NEEDS_FIELDS, exc.message, tuple(exc.fields)
            ) from exc
        except RegistrationPending as exc:
            raise RegistrationRejected(RegistrationProblem.NOT_PUBLISHED, exc.message) from exc
        except (RegistrationRefused, NotFound) as exc:
            raise RegistrationRejected(RegistrationProblem.REFUSED, exc.message) from exc
        except GoToError as exc:
            raise _rejection(location, exc) from exc
        return Registrant(
            key=found.registrant_key, join_url=found.join_url, already=found.duplicate
        )

    async def unregister(
        self, location: Location, product: LocationKind, event_key: str, registrant_key: str
    ) -> None:
        """Delete the registrant; one GoTo no longer has (404) is fine."""
        client = self._client(location)
        organizer = str(location.goto_organizer_key)
        try:
            async with client:
                desk = client.training if product is LocationKind.GOTOTRAINING else client.webinar
                await desk.delete_registrant(organizer, event_key, registrant_key)
        except NotFound:
            return
        except GoToError as exc:
            raise _rejection(location, exc) from exc

    def _client(self, location: Location) -> GoToClient:
        try:
            return self._connections.client_for(location)
        except DomainError as exc:  # not linked: nothing to ask
            raise RegistrationRejected(RegistrationProblem.NEEDS_RELINK, exc.message) from exc


def _rejection(location: Location, exc: GoToError) -> RegistrationRejected:
    log.info("registration at location %s: %s", location.id, type(exc).__name__)
    if needs_relink(exc):
        return RegistrationRejected(RegistrationProblem.NEEDS_RELINK, exc.message)
    if goto_unavailable(exc):
        return RegistrationRejected(RegistrationProblem.UNAVAILABLE, exc.message)
    return RegistrationRejected(RegistrationProblem.REFUSED, exc.message)
