"""notices remember their first attempt and whether a post may have reached Slack unseen

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:40:00.000000

The outbox checks a channel's recent history for a notice's metadata before posting it again
when an earlier post timed out or its worker died: `first_attempt_at` bounds that search and
`in_doubt` says it is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("first_attempt_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A notice some worker holds or already tried was first tried at some time after it was made:
    # searching from then on cannot miss an earlier post of it.
    op.execute(
        "UPDATE notice SET first_attempt_at = created_at WHERE status = 'sending' OR attempts > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("in_doubt")
        batch.drop_column("first_attempt_at")
