"""Entities of viltbot; every row belongs to exactly one Slack workspace."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.types import UTCDateTime, utcnow


class Role(StrEnum):
    """What a member may do in a team; admins may do everything."""

    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    LEARNER = "learner"


class NoticeStatus(StrEnum):
    """Where a notice is on its way to Slack."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Workspace(SQLModel, table=True):
    """A Slack workspace that installed the bot."""

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=200)
    installer_user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Team(SQLModel, table=True):
    """A group of Slack users with roles and a report channel."""

    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_team_workspace_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80, description="lower-cased name for uniqueness")
    channel_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Membership(SQLModel, table=True):
    """One user's role in one team."""

    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_membership_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    role: Role = Field(sa_column=Column(String(16), nullable=False))
    added_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class UserPreference(SQLModel, table=True):
    """Per-user settings such as the active team."""

    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_userpref_workspace_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    user_id: str = Field(max_length=32)
    active_team_id: int | None = Field(default=None, foreign_key="team.id")


class Notice(SQLModel, table=True):
    """A message the bot owes someone, stored first and delivered by a job."""

    __table_args__ = (Index("ix_notice_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=32)
    kind: str = Field(max_length=64)
    channel: str = Field(max_length=32, description="channel id or user id (a DM)")
    text: str = Field(sa_column=Column(Text, nullable=False))
    blocks_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dedupe_key: str = Field(max_length=255, unique=True)
    status: NoticeStatus = Field(
        default=NoticeStatus.PENDING, sa_column=Column(String(16), nullable=False)
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
