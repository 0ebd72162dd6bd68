"""Unit of work over an async SQLAlchemy session."""

from __future__ import annotations

import asyncio
import logging
import uuid
from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import StoreUnavailable

log = logging.getLogger(__name__)

# What a database that is down, locked, slow or unreachable raises (not constraint violations).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # no pooled connection came free in time
    OSError,  # refused or reset connections, raised by the driver before SQLAlchemy wraps them
    asyncio.TimeoutError,
)


def is_unavailable(error: BaseException) -> bool:
    """True when `error` means the database did not answer, not that the request was wrong."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.DBAPIError) and _is_timeout_cancel(error):
        return True
    return isinstance(error, UNAVAILABLE)


def _is_timeout_cancel(error: sa_exc.DBAPIError) -> bool:
    # PostgreSQL's statement_timeout (57014) and lock_timeout (55P03) cancellations.
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in {"57014", "55P03"}


def unavailable(error: BaseException) -> StoreUnavailable:
    """The user-facing error for a database failure, logged once with its reference."""
    ref = uuid.uuid4().hex[:12]
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    # Only class names: a statement's parameters may hold secrets.
    log.warning(
        "database not answering (ref %s): %s (%s)", ref, type(error).__name__, type(cause).__name__
    )
    return StoreUnavailable(ref)


class SqlUnitOfWork:
    """One transaction; leaving the block without `commit()` rolls it back.

    A database that is locked, slow or unreachable surfaces as `StoreUnavailable` (a
    DomainError whose message tells the user nothing was saved): the transaction was not
    committed, so that is the truth.
    """

    session: AsyncSession

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() ends any transaction still open without committing it (a rollback), and
        # leaves loaded objects readable instead of expiring them.
        try:
            await self.session.close()
        except Exception as close_error:
            if exc is None:
                if is_unavailable(close_error):
                    raise unavailable(close_error) from close_error
                raise
        if exc is not None and is_unavailable(exc):
            raise unavailable(exc) from exc

    async def commit(self) -> None:
        """Make the work durable."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Drop the work done so far."""
        await self.session.rollback()
