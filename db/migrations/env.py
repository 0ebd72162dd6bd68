"""Alembic environment: synchronous driver, metadata of the domain and the Slack stores."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

from db.slack_tables import slack_metadata
from domain import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = [SQLModel.metadata, slack_metadata]


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
            context.run_migrations()
    engine.dispose()


run_migrations()
