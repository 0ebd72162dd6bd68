"""scale out: one GoTo rate-limit slot per consumer key, shared by every process

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goto_rate_slot",
        sa.Column("consumer_key", sa.String(length=255), nullable=False),
        sa.Column("last_slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_holder", sa.String(length=64), nullable=False),
        sa.Column("shared_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("consumer_key"),
    )


def downgrade() -> None:
    op.drop_table("goto_rate_slot")
