"""Alembic environment: synchronous driver; metadata of the domain, Slack stores, rate slots."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlmodel import SQLModel

from db.rate_slots import rate_metadata
from db.slack_tables import slack_metadata
from domain import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = [SQLModel.metadata, slack_metadata, rate_metadata]
# Held while migrating on PostgreSQL: processes that start together migrate one at a time, and the
# later ones find the schema up to date.
MIGRATION_LOCK = 74_260_009


def run_migrations() -> None:
    """Run against the configured URL in one transaction."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
    engine.dispose()


run_migrations()
