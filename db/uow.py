"""Unit of work over an async SQLAlchemy session."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SqlUnitOfWork:
    """One transaction; leaving the block without `commit()` rolls it back."""

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
        await self.session.close()

    async def commit(self) -> None:
        """Make the work durable."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Drop the work done so far."""
        await self.session.rollback()
