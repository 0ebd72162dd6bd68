"""Test databases: SQLite files copied from a migrated template, or a migrated PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from db.migrate import sync_url, upgrade

TEST_DATABASE_ENV = "VILTBOT_TEST_DATABASE_URL"
# Opening a connection between tests: a bounded wait, tried a few times, so that one slow
# handshake on a busy machine does not fail a test that never ran.
CONNECT_SECONDS = 10
CONNECT_ATTEMPTS = 3


def configured_url() -> str | None:
    """The PostgreSQL URL the tests must use, if one is configured."""
    url = os.environ.get(TEST_DATABASE_ENV, "").strip()
    return url or None


def require_postgres(url: str) -> None:
    """Fail loudly (never skip) when the configured PostgreSQL is unreachable."""
    conninfo = sync_url(url).replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(conninfo, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"{TEST_DATABASE_ENV} points at a PostgreSQL that cannot be reached: {exc}. "
            "Start it (see README) or unset the variable to test on SQLite."
        ) from exc


def reset_postgres(url: str) -> None:
    """Drop everything and run the migrations from scratch."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


def truncate_postgres(url: str) -> None:
    """Empty every table except Alembic's version table."""
    engine = create_engine(sync_url(url), connect_args={"connect_timeout": CONNECT_SECONDS})
    _connect_with_retries(engine)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _connect_with_retries(engine: Engine) -> None:
    """Open (and pool) a first connection; a failure on the last attempt is raised as is."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            with engine.connect():
                return
        except OperationalError:
            if attempt == CONNECT_ATTEMPTS:
                raise


def sqlite_template(folder: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = folder / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """A fresh database for one test, as a URL."""
    target = folder / "viltbot-test.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
