"""link requests remember the modal that started them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:55:00.000000

A link started from an open location modal keeps the modal's view id and hash, so that the
modal can show the new connection status once GoTo confirms the link.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("linkrequest") as batch:
        batch.add_column(sa.Column("view_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("view_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("linkrequest") as batch:
        batch.drop_column("view_hash")
        batch.drop_column("view_id")
