"""Shared fixtures: a migrated database per test on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import create_engine, session_factory
from tests.support import databases
from tests.support.shared import SHARED


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference folder beside the project (specs, fixtures)."""
    assert SHARED.is_dir(), f"reference folder missing: {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str | Path:
    """Run the migrations once per test run: a PostgreSQL URL or a SQLite template file."""
    url = databases.configured_url()
    if url is not None:
        databases.require_postgres(url)
        databases.reset_postgres(url)
        return url
    return databases.sqlite_template(tmp_path_factory.mktemp("db"))


@pytest.fixture
def database_url(migrated_database: str | Path, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database for one test."""
    if isinstance(migrated_database, Path):
        yield databases.sqlite_copy(migrated_database, tmp_path)
    else:
        databases.truncate_postgres(migrated_database)
        yield migrated_database


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the test database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory on the test database."""
    return session_factory(engine)
