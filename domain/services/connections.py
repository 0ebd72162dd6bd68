"""A location's GoTo connection after linking: refreshed tokens."""

from __future__ import annotations

from datetime import datetime

from domain.errors import NotFound
from domain.models import Location
from domain.ports import SecretSealer, UnitOfWork
from domain.types import utcnow

PROBLEM_MAX_LENGTH = 500  # the size of Location.connection_error


async def store_refreshed_tokens(
    uow: UnitOfWork,
    location_id: int,
    *,
    sealer: SecretSealer,
    access_token: str,
    refresh_token: str,
    access_expires_at: datetime,
    connection_expires_at: datetime | None,
) -> Location:
    """Keep the tokens GoTo handed out on a refresh, encrypted; the connection is healthy again."""
    location = await uow.session.get(Location, location_id)
    if location is None:
        raise NotFound("That location no longer exists.")
    location.access_token_enc = sealer.encrypt(access_token)
    location.refresh_token_enc = sealer.encrypt(refresh_token)
    location.access_expires_at = access_expires_at
    if connection_expires_at is not None:
        location.connection_expires_at = connection_expires_at
    location.connection_error = None
    location.updated_at = utcnow()
    await uow.session.flush()
    return location


async def mark_connection_failed(uow: UnitOfWork, location_id: int, *, problem: str) -> None:
    """Show the location's connection as failed, saying why, until it is refreshed or re-linked."""
    location = await uow.session.get(Location, location_id)
    if location is None:
        return  # deleted meanwhile: nothing left to mark
    location.connection_error = problem[:PROBLEM_MAX_LENGTH]
    location.updated_at = utcnow()
    await uow.session.flush()
