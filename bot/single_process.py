"""SQLite runs one long-running viltbot process: a second `serve` or `worker` on the same file
is refused, and the first carries on undisturbed.

The running process holds an exclusive lock on a file beside the database (`<db>.lock`) for its
whole life; the operating system lets go of it when the process ends, however it ends, so a
crashed process never leaves a stale lock behind. One-shot commands (`viltbot migrate`,
`viltbot sync`, `viltbot rotate-secrets`) do not take it: they may run beside the one process.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from db.engine import sqlite_file

REFUSAL = (
    "SQLite runs one viltbot process; use PostgreSQL (DATABASE_URL=postgresql://…) to run several"
)


class AnotherProcessRuns(Exception):
    """Raised when another viltbot process already serves this SQLite database."""

    def __init__(self, database: Path) -> None:
        super().__init__(
            f"viltbot cannot start: {database} is in use by another viltbot process. {REFUSAL}."
        )


# The open lock files of this process: closing one would let the lock go.
_held: list[int] = []


def lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite database (None for PostgreSQL and in-memory SQLite)."""
    database = sqlite_file(database_url)
    return None if database is None else database.with_name(database.name + ".lock")


def claim_database(database_url: str) -> None:
    """Make this process the one viltbot process of its SQLite database, for its whole life, or
    raise AnotherProcessRuns. Nothing to do on PostgreSQL, where many processes share one
    database."""
    path = lock_path(database_url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        database = sqlite_file(database_url)
        assert database is not None
        raise AnotherProcessRuns(database) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _held.append(fd)
