"""The migrations build the schema the models expect, and can be undone."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from db.migrate import downgrade, sync_url, upgrade


def test_schema_has_every_table_and_downgrades_cleanly(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    names = set(inspect(engine).get_table_names())
    assert {"workspace", "team", "membership", "userpreference", "notice", "slack_bots"} <= names
    downgrade(database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    assert "notice" in set(inspect(engine).get_table_names())
    engine.dispose()
