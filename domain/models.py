"""Entities of viltbot; every row belongs to exactly one Slack workspace."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from domain.limits import (
    CONSUMER_KEY_MAX,
    ELEMENT_TITLE_MAX,
    EMAIL_MAX,
    GOTO_EVENT_KEY_MAX,
    GOTO_REGISTRANT_KEY_MAX,
    INFORMATION_URL_MAX,
    JOIN_URL_MAX,
    LOCATION_NAME_MAX,
    PERSON_NAME_MAX,
    SLACK_ID_MAX,
    TEAM_NAME_MAX,
    TIMEZONE_MAX,
)
from domain.types import EnumText, UTCDateTime, utcnow


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

    id: str = Field(primary_key=True, max_length=SLACK_ID_MAX)
    name: str = Field(default="", max_length=200)
    installer_user_id: str | None = Field(default=None, max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Team(SQLModel, table=True):
    """A group of Slack users with roles and a report channel."""

    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_team_workspace_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=SLACK_ID_MAX)
    name: str = Field(max_length=TEAM_NAME_MAX)
    name_key: str = Field(max_length=TEAM_NAME_MAX, description="domain.names.name_key(name)")
    channel_id: str = Field(max_length=SLACK_ID_MAX)
    created_by: str = Field(max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Membership(SQLModel, table=True):
    """One user's role in one team."""

    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_membership_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=SLACK_ID_MAX)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: str = Field(max_length=SLACK_ID_MAX, index=True)
    role: Role = Field(sa_column=Column(EnumText(Role, 16), nullable=False))
    added_by: str = Field(max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class UserPreference(SQLModel, table=True):
    """Per-user settings such as the active team."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", name="uq_userpref_workspace_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=SLACK_ID_MAX)
    user_id: str = Field(max_length=SLACK_ID_MAX)
    active_team_id: int | None = Field(default=None, foreign_key="team.id")


class Notice(SQLModel, table=True):
    """A message the bot owes someone, stored first and delivered by a job."""

    __table_args__ = (Index("ix_notice_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=SLACK_ID_MAX)
    kind: str = Field(max_length=64)
    channel: str = Field(max_length=SLACK_ID_MAX, description="channel id or user id (a DM)")
    text: str = Field(sa_column=Column(Text, nullable=False))
    blocks_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dedupe_key: str = Field(max_length=255, unique=True)
    status: NoticeStatus = Field(
        default=NoticeStatus.PENDING, sa_column=Column(EnumText(NoticeStatus, 16), nullable=False)
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_error: str | None = Field(default=None, max_length=500)
    slack_ts: str | None = Field(default=None, max_length=32)
    first_attempt_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="when a worker first claimed it to post",
    )
    in_doubt: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="an earlier post may have reached Slack unseen (timeout, lost worker)",
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class LocationKind(StrEnum):
    """Where sessions happen: a room, or one of the two GoTo products."""

    CLASSROOM = "classroom"
    GOTOWEBINAR = "gotowebinar"
    GOTOTRAINING = "gototraining"

    @property
    def is_goto(self) -> bool:
        """True for the GoTo products."""
        return self is not LocationKind.CLASSROOM

    @property
    def label(self) -> str:
        """The product name people know."""
        return {
            LocationKind.CLASSROOM: "Classroom",
            LocationKind.GOTOWEBINAR: "GoToWebinar",
            LocationKind.GOTOTRAINING: "GoToTraining",
        }[self]


class Location(SQLModel, table=True):
    """Where a session takes place; GoTo kinds link to one GoTo account."""

    __table_args__ = (
        UniqueConstraint("owner_team_id", "name_key", name="uq_location_team_name"),
        UniqueConstraint("workspace_id", "goto_organizer_key", name="uq_location_goto_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=SLACK_ID_MAX)
    owner_team_id: int = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=LOCATION_NAME_MAX)
    name_key: str = Field(max_length=LOCATION_NAME_MAX, description="domain.names.name_key(name)")
    active: bool = Field(default=True)
    kind: LocationKind = Field(sa_column=Column(EnumText(LocationKind, 16), nullable=False))
    max_learners: int | None = Field(default=None)
    information_url: str | None = Field(default=None, max_length=INFORMATION_URL_MAX)
    # At most DESCRIPTION_MAX characters, checked on input; the column itself is unbounded.
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    goto_notifications: bool = Field(default=True)
    consumer_key: str | None = Field(default=None, max_length=CONSUMER_KEY_MAX)
    consumer_secret_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The linked GoTo account (the connection).
    goto_organizer_key: str | None = Field(default=None, max_length=64)
    goto_account_key: str | None = Field(default=None, max_length=64)
    goto_email: str | None = Field(default=None, max_length=320)
    access_token_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    refresh_token_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    access_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    linked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    linked_by: str | None = Field(default=None, max_length=SLACK_ID_MAX)
    connection_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    connection_error: str | None = Field(default=None, max_length=500)
    # When the connection failed (a refused refresh): one warning per failure.
    connection_failed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # A process refreshing the tokens holds this lease, so two never rotate them at once.
    refresh_lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_by: str = Field(max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class LocationTeam(SQLModel, table=True):
    """A team that may schedule sessions at a location (team availability)."""

    __table_args__ = (UniqueConstraint("location_id", "team_id", name="uq_location_team"),)

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")


class LinkRequest(SQLModel, table=True):
    """A pending GoTo OAuth link: single-use state bound to location, user and workspace."""

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=SLACK_ID_MAX)
    location_id: int = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID_MAX)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    message_channel: str | None = Field(default=None, max_length=SLACK_ID_MAX)
    message_ts: str | None = Field(default=None, max_length=32)
    response_url: str | None = Field(default=None, max_length=500)
    view_id: str | None = Field(default=None, max_length=32)
    view_hash: str | None = Field(default=None, max_length=64)
    # The admin confirmed replacing the linked GoTo account although sessions depend on it.
    replace_account: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class LearningElement(SQLModel, table=True):
    """A catalog entry (a course) that has sessions; owned by one team."""

    __table_args__ = (UniqueConstraint("owner_team_id", "title_key", name="uq_element_team_title"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=SLACK_ID_MAX)
    owner_team_id: int = Field(foreign_key="team.id", index=True)
    title: str = Field(max_length=ELEMENT_TITLE_MAX)
    title_key: str = Field(max_length=ELEMENT_TITLE_MAX, description="domain.names.name_key(title)")
    created_by: str = Field(max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class TrackingRule(StrEnum):
    """When an enrollment counts as complete (utilization tracking)."""

    ATTENDED = "attended"
    ALL_POLLS_ANSWERED = "all_polls_answered"

    @property
    def label(self) -> str:
        """How people read the rule."""
        return {
            TrackingRule.ATTENDED: "attended",
            TrackingRule.ALL_POLLS_ANSWERED: "answered every poll",
        }[self]


class SessionStatus(StrEnum):
    """Whether a session still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Session(SQLModel, table=True):
    """One scheduled occurrence of a learning element at a location."""

    __table_args__ = (
        Index("ix_session_workspace_starts", "workspace_id", "starts_at"),
        Index("ix_session_sync_due", "sync_done_at", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=SLACK_ID_MAX)
    element_id: int = Field(foreign_key="learningelement.id", index=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    instructor_id: str = Field(max_length=SLACK_ID_MAX, index=True)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    timezone: str = Field(max_length=TIMEZONE_MAX, description="IANA name, e.g. Europe/Berlin")
    max_learners: int | None = Field(default=None)
    # The GoTo product of the event (the location's kind when it was saved) and its key.
    goto_product: LocationKind | None = Field(
        default=None, sa_column=Column(EnumText(LocationKind, 16), nullable=True)
    )
    goto_event_key: str | None = Field(default=None, max_length=GOTO_EVENT_KEY_MAX)
    tracking: TrackingRule = Field(
        default=TrackingRule.ATTENDED,
        sa_column=Column(EnumText(TrackingRule, 32), nullable=False),
    )
    status: SessionStatus = Field(
        default=SessionStatus.SCHEDULED,
        sa_column=Column(EnumText(SessionStatus, 16), nullable=False),
    )
    created_by: str = Field(max_length=SLACK_ID_MAX)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    cancelled_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # Attendance sync (domain/services/completion_sync.py): runs done, when the next is due
    # (None: shortly after the end), who holds the session now, and what GoTo said last.
    sync_runs: int = Field(default=0)
    next_sync_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    sync_lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_synced_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    sync_error: str | None = Field(default=None, max_length=500)
    # Polls GoTo reports for the session (None until a run found its GoTo session).
    polls_total: int | None = Field(default=None)
    # The final run is done (or every enrollment is final): no run follows.
    sync_done_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    report_queued_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class EnrollmentStatus(StrEnum):
    """Where a learner stands on a session."""

    PENDING = "pending"  # stored, GoTo registration still to be done
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    NOT_ATTENDED = "not_attended"
    CANCELLED = "cancelled"


class Enrollment(SQLModel, table=True):
    """A learner on a session, with what GoTo knows of them."""

    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_enrollment_session_user"),
        Index("ix_enrollment_workspace_user", "workspace_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=SLACK_ID_MAX)
    session_id: int = Field(foreign_key="session.id", index=True, ondelete="CASCADE")
    user_id: str = Field(max_length=SLACK_ID_MAX)
    name: str = Field(default="", max_length=PERSON_NAME_MAX)
    email: str | None = Field(default=None, max_length=EMAIL_MAX)
    goto_registrant_key: str | None = Field(default=None, max_length=GOTO_REGISTRANT_KEY_MAX)
    join_url: str | None = Field(default=None, max_length=JOIN_URL_MAX)
    status: EnrollmentStatus = Field(
        default=EnrollmentStatus.PENDING,
        sa_column=Column(EnumText(EnrollmentStatus, 16), nullable=False),
    )
    polls_answered: int = Field(default=0)
    polls_total: int = Field(default=0)
    attended_minutes: int = Field(default=0)
    last_synced_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class WalkIn(SQLModel, table=True):
    """Someone GoTo saw attend a session without a viltbot registration (from the latest run)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=SLACK_ID_MAX)
    session_id: int = Field(foreign_key="session.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=PERSON_NAME_MAX)
    email: str = Field(default="", max_length=EMAIL_MAX)
    minutes: int = Field(default=0)
