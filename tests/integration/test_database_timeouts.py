"""Requests wait on the database for a second or so; jobs may wait longer."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import build_runtime
from db.engine import is_postgres
from tests.e2e.conftest import stack_settings


async def waits(engine_url: str, engine: AsyncEngine) -> dict[str, str]:
    """The lock and statement waits a fresh connection of `engine` runs with."""
    async with engine.connect() as conn:
        if is_postgres(engine_url):
            return {
                name: str((await conn.execute(text(f"SHOW {name}"))).scalar_one())
                for name in ("lock_timeout", "statement_timeout")
            }
        return {"busy_timeout": str((await conn.execute(text("PRAGMA busy_timeout"))).scalar())}


async def test_request_and_job_engines_bound_their_waits(database_url: str) -> None:
    runtime = build_runtime(
        stack_settings(database_url, "http://127.0.0.1:9/", "http://127.0.0.1:9")
    )
    try:
        request_waits = await waits(database_url, runtime.engine)
        job_waits = await waits(database_url, runtime.outbox.factory.kw["bind"])
    finally:
        await runtime.close()
    if is_postgres(database_url):
        assert request_waits == {"lock_timeout": "1s", "statement_timeout": "1500ms"}
        assert job_waits == {"lock_timeout": "10s", "statement_timeout": "1min"}
    else:
        assert request_waits == {"busy_timeout": "1000"}
        assert job_waits == {"busy_timeout": "10000"}
