"""the catalog: learning elements, their sessions and the learners enrolled in them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learningelement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("owner_team_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_key", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_team_id", "title_key", name="uq_element_team_title"),
    )
    with op.batch_alter_table("learningelement") as batch:
        batch.create_index("ix_learningelement_owner_team_id", ["owner_team_id"], unique=False)
        batch.create_index("ix_learningelement_workspace_id", ["workspace_id"], unique=False)

    op.create_table(
        "session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("element_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("instructor_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("max_learners", sa.Integer(), nullable=True),
        sa.Column("goto_product", sa.String(length=16), nullable=True),
        sa.Column("goto_event_key", sa.String(length=24), nullable=True),
        sa.Column("tracking", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["element_id"], ["learningelement.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("session") as batch:
        batch.create_index("ix_session_element_id", ["element_id"], unique=False)
        batch.create_index("ix_session_location_id", ["location_id"], unique=False)
        batch.create_index("ix_session_instructor_id", ["instructor_id"], unique=False)
        batch.create_index(
            "ix_session_workspace_starts", ["workspace_id", "starts_at"], unique=False
        )

    op.create_table(
        "enrollment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("goto_registrant_key", sa.String(length=64), nullable=True),
        sa.Column("join_url", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("polls_answered", sa.Integer(), nullable=False),
        sa.Column("polls_total", sa.Integer(), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "user_id", name="uq_enrollment_session_user"),
    )
    with op.batch_alter_table("enrollment") as batch:
        batch.create_index("ix_enrollment_session_id", ["session_id"], unique=False)
        batch.create_index(
            "ix_enrollment_workspace_user", ["workspace_id", "user_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("enrollment")
    op.drop_table("session")
    op.drop_table("learningelement")
