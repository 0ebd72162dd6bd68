"""locations, team availability, GoTo link requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:47:03.173068
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("owner_team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("max_learners", sa.Integer(), nullable=True),
        sa.Column("information_url", sa.String(length=2000), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goto_notifications", sa.Boolean(), nullable=False),
        sa.Column("consumer_key", sa.String(length=200), nullable=True),
        sa.Column("consumer_secret_enc", sa.Text(), nullable=True),
        sa.Column("goto_organizer_key", sa.String(length=64), nullable=True),
        sa.Column("goto_account_key", sa.String(length=64), nullable=True),
        sa.Column("goto_email", sa.String(length=320), nullable=True),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_by", sa.String(length=32), nullable=True),
        sa.Column("connection_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connection_error", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_team_id"],
            ["team.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_team_id", "name_key", name="uq_location_team_name"),
        sa.UniqueConstraint("workspace_id", "goto_organizer_key", name="uq_location_goto_account"),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_location_owner_team_id"), ["owner_team_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_location_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "linkrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("response_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    with op.batch_alter_table("linkrequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linkrequest_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "locationteam",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("location_id", "team_id", name="uq_location_team"),
    )
    with op.batch_alter_table("locationteam", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_locationteam_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_locationteam_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("slack_bots", schema=None) as batch_op:
        batch_op.alter_column(
            "bot_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "bot_refresh_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )

    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.alter_column(
            "bot_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "bot_refresh_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "user_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "user_refresh_token",
            existing_type=sa.VARCHAR(length=1000),
            type_=sa.String(length=200),
            existing_nullable=True,
        )


def downgrade() -> None:

    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.alter_column(
            "user_refresh_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "user_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "bot_refresh_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "bot_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )

    with op.batch_alter_table("slack_bots", schema=None) as batch_op:
        batch_op.alter_column(
            "bot_refresh_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "bot_token",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=1000),
            existing_nullable=True,
        )

    with op.batch_alter_table("locationteam", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locationteam_team_id"))
        batch_op.drop_index(batch_op.f("ix_locationteam_location_id"))

    op.drop_table("locationteam")
    with op.batch_alter_table("linkrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkrequest_location_id"))

    op.drop_table("linkrequest")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_location_owner_team_id"))

    op.drop_table("location")
