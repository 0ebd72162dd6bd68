"""connections: refresh leases, when a connection failed, confirmed account switches

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("location") as batch:
        batch.add_column(
            sa.Column("connection_failed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("refresh_lease_until", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("linkrequest") as batch:
        batch.add_column(
            sa.Column("replace_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("linkrequest") as batch:
        batch.drop_column("replace_account")
    with op.batch_alter_table("location") as batch:
        batch.drop_column("refresh_lease_until")
        batch.drop_column("connection_failed_at")
