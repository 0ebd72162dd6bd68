"""The migrations build the schema the models expect, and can be undone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect

from db.migrate import downgrade, sync_url, upgrade

# The sandbox keeps its own tables (the console's feed) beside the bot's; no migration has them.
SANDBOX_PREFIX = "sandbox_"


def bot_table(name: str | None, type_: str, parent_names: Any) -> bool:
    """Whether autogenerate compares this name: every table but the sandbox's own."""
    return not (type_ == "table" and (name or "").startswith(SANDBOX_PREFIX))


def test_schema_has_every_table_and_downgrades_cleanly(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    names = set(inspect(engine).get_table_names())
    assert {"workspace", "team", "membership", "userpreference", "notice", "slack_bots"} <= names
    downgrade(database_url, "base")
    left = {n for n in inspect(engine).get_table_names() if not n.startswith(SANDBOX_PREFIX)}
    assert left <= {"alembic_version"}
    upgrade(database_url)
    assert "notice" in set(inspect(engine).get_table_names())
    engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import domain.models  # noqa: F401
    from db.rate_slots import rate_metadata
    from db.slack_tables import slack_metadata

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_name": bot_table}
        )
        drift = compare_metadata(context, [SQLModel.metadata, slack_metadata, rate_metadata])  # type: ignore[arg-type]
    engine.dispose()
    assert drift == []
