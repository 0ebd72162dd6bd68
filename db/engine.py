"""Async engine and session factory for SQLite and PostgreSQL, with bounded waits."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_FILE_MODE = 0o600


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long one database operation may wait, in seconds.

    `connect`: open a connection (PostgreSQL `connect_timeout`); `pool`: wait for a free pooled
    connection; `lock`: wait for a lock (SQLite's busy timeout, PostgreSQL `lock_timeout`);
    `statement`: run one statement (PostgreSQL `statement_timeout`; the client gives up a
    little later in case the server itself does not answer).
    """

    connect: float
    pool: float
    lock: float
    statement: float


# Slack wants an answer within 3 seconds: a request gives up on the database well before that.
REQUEST_TIMEOUTS = DatabaseTimeouts(connect=1.0, pool=1.0, lock=1.0, statement=1.5)
# Jobs and the command line have no one waiting on the other end of a socket.
JOB_TIMEOUTS = DatabaseTimeouts(connect=10.0, pool=30.0, lock=10.0, statement=60.0)


def async_url(url: str) -> str:
    """Map the usual database URL forms to the async driver the app uses."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+asyncpg://" + url[len("postgresql+psycopg2://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def is_postgres(url: str) -> bool:
    """True for a PostgreSQL URL in any of its spellings."""
    return url.startswith(("postgres://", "postgresql"))


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    if not url.startswith("sqlite"):
        return None
    tail = url.split(":///", 1)[-1].split("?", 1)[0] if ":///" in url else ""
    return Path(tail) if tail and tail != ":memory:" else None


def secure_sqlite_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600), or tighten an existing one.

    SQLite gives the `-wal` and `-shm` files it creates the mode of the database file; any that
    already exist are tightened too.
    """
    path = sqlite_file(url)
    if path is None:
        return
    if path.parent != path:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, SQLITE_FILE_MODE)
    os.close(fd)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if candidate.stat().st_mode & 0o777 != SQLITE_FILE_MODE:
                candidate.chmod(SQLITE_FILE_MODE)


def create_engine(
    url: str, *, timeouts: DatabaseTimeouts = REQUEST_TIMEOUTS, **kwargs: Any
) -> AsyncEngine:
    """Build the async engine; every wait on the database is bounded by `timeouts`.

    SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL gets connect, lock and
    statement timeouts on every connection.
    """
    target = async_url(url)
    kwargs.setdefault("pool_timeout", timeouts.pool)
    if target.startswith("sqlite"):
        secure_sqlite_file(url)
        engine = create_async_engine(target, connect_args={"timeout": timeouts.lock}, **kwargs)
        busy_ms = int(timeouts.lock * 1000)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the
            # process loses nothing and the file never corrupts; only a power cut may lose the
            # last commits. Every request commits (who the actor is), so this is most of a
            # command's time on a slow disk.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args: dict[str, Any] = {
        "timeout": timeouts.connect,
        # The server cancels first; the client stops waiting a moment later for a server
        # that accepted the connection and then went silent.
        "command_timeout": timeouts.statement + 0.5,
        "server_settings": {
            "lock_timeout": str(int(timeouts.lock * 1000)),
            "statement_timeout": str(int(timeouts.statement * 1000)),
        },
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_async_engine(target, connect_args=connect_args, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
