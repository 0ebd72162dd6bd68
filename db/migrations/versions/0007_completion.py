"""completion: attendance sync state on sessions, attendance minutes, walk-ins

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session") as batch:
        batch.add_column(sa.Column("sync_runs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sync_lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sync_error", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("polls_total", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sync_done_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("report_queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_session_sync_due", ["sync_done_at", "ends_at"], unique=False)
    with op.batch_alter_table("enrollment") as batch:
        batch.add_column(
            sa.Column("attended_minutes", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "walkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("walkin") as batch:
        batch.create_index("ix_walkin_session_id", ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("walkin") as batch:
        batch.drop_index("ix_walkin_session_id")
    op.drop_table("walkin")
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_column("attended_minutes")
    with op.batch_alter_table("session") as batch:
        batch.drop_index("ix_session_sync_due")
        for column in (
            "report_queued_at",
            "sync_done_at",
            "polls_total",
            "sync_error",
            "last_synced_at",
            "sync_lease_until",
            "next_sync_at",
            "sync_runs",
        ):
            batch.drop_column(column)
