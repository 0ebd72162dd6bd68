"""The console's guided tour: the whole product in ten steps, each ticked once it has happened.

Each step says what to do, whom to act as, and which commands fill the composer. Its tick is read
from the bot's database (two statements, whatever the data) and from the GoTo sandbox's memory.

A step's `how` is one or two sentences of plain text: no markup, links or mentions (nothing the
page must interpret), so the page shows it escaped as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlmodel import col

from bot.bootstrap import Runtime
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    Location,
    LocationKind,
    Membership,
    Notice,
    NoticeStatus,
    Role,
    Session,
    SessionStatus,
    Team,
)
from sandbox.console.workspace import PEOPLE
from sandbox.goto.records import Event
from sandbox.goto.state import SandboxState
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM

ADA = SANDBOX_ADMIN
LEA, LEO = (next(p.id for p in PEOPLE if p.handle == handle) for handle in ("lea", "leo"))

# The notice kind of a completion report (domain/services/completion_sync.py).
REPORT_KIND = "completion_report"
# At most this many sessions on played GoTo events are read (the sandbox has a handful).
PLAYED_READ = 100
# Statuses a sync moves an enrollment to; a registration is any status but cancelled.
SYNCED = (EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.COMPLETE, EnrollmentStatus.NOT_ATTENDED)


@dataclass(frozen=True)
class Fill:
    """A command the step puts in the composer: the text after `/vilt `, and its button's label."""

    text: str
    label: str


@dataclass(frozen=True)
class TourStep:
    """One step of the tour; `person` is the Slack user id to act as (None: anyone)."""

    key: str
    title: str
    how: str
    person: str | None
    fills: tuple[Fill, ...]
    done: bool


def _fill(text: str) -> Fill:
    return Fill(text=text, label=text)


def current(steps: list[TourStep]) -> TourStep | None:
    """The step to do next: the first one not done (None once the tour is complete)."""
    return next((step for step in steps if not step.done), None)


@dataclass(frozen=True)
class _Progress:
    """What has happened so far, as the tour's ticks read it."""

    team: bool = False
    roster: bool = False
    webinar_location: bool = False
    connected: bool = False
    session: bool = False
    registered: bool = False
    lea_registered: bool = False
    played: bool = False
    ended: bool = False
    synced: bool = False
    reported: bool = False


async def tour(runtime: Runtime, goto: SandboxState) -> list[TourStep]:
    """The tour's steps in order, each with its tick as things stand now."""
    progress = await _progress(runtime, goto)
    return _steps(progress)


def _steps(p: _Progress) -> list[TourStep]:
    return [
        TourStep(
            key="team",
            title="Create a team",
            how="Create team Sales. Its reports go to #training, and the bot says hello there.",
            person=ADA,
            fills=(_fill("team new Sales #training"),),
            done=p.team,
        ),
        TourStep(
            key="people",
            title="Add people",
            how="Make Ian the instructor and Lea and Leo learners.",
            person=ADA,
            fills=(
                _fill("team add @Ian instructor"),
                _fill("team add @Lea learner"),
                _fill("team add @Leo learner"),
            ),
            done=p.roster,
        ),
        TourStep(
            key="location",
            title="Add a GoToWebinar location",
            how="In the form, pick GoToWebinar as Kind, enter consumer key demo-webinar-app "
            "and secret demo-webinar-secret, then press Create.",
            person=ADA,
            fills=(_fill("location new"),),
            done=p.webinar_location,
        ),
        TourStep(
            key="link",
            title="Link it to GoTo",
            how="In the bot's reply, click “Link with your GoToWebinar account”, sign in as "
            "alice@example.com and press Allow.",
            person=ADA,
            fills=(),
            done=p.connected,
        ),
        TourStep(
            key="session",
            title="Schedule a session",
            how="Add the course Negotiation, then schedule it: the location, its webinar found "
            "by “quarterly”, Ian as instructor, complete when the learner “answered every poll”.",
            person=ADA,
            fills=(_fill("element new Negotiation"), _fill("session new")),
            done=p.session,
        ),
        TourStep(
            key="register",
            title="Register two learners",
            how="As Lea, list the sessions and press Register; then do the same as Leo. Or, as "
            "Ada, use “Register people” on the Home tab to sign up both at once.",
            # The command is Lea's until she is registered, then Leo's.
            person=LEO if p.lea_registered else LEA,
            fills=(_fill("sessions"),),
            done=p.registered,
        ),
        TourStep(
            key="play",
            title="Play the session on GoTo",
            how="In the GoTo sandbox panel, pick the session, untick a poll for Leo and press "
            "“Play and end the session”.",
            person=None,
            fills=(),
            done=p.played,
        ),
        TourStep(
            key="time",
            title="Move time past its end",
            how="In the GoTo sandbox panel, press +2 days until the session is over.",
            person=None,
            fills=(),
            done=p.ended,
        ),
        TourStep(
            key="sync",
            title="Sync attendance",
            how="Press “Run sync now” in the panel, or type the command as Ada. Lea completes and "
            "gets a DM; Leo is in progress.",
            person=ADA,
            fills=(_fill("sync"),),
            done=p.synced,
        ),
        TourStep(
            key="report",
            title="Read the report in #training",
            how="Move time +2 days again and sync once more: the final sync posts the "
            "completion report to #training, and Ian gets a copy.",
            person=ADA,
            fills=(_fill("sync"),),
            done=p.reported,
        ),
    ]


async def _progress(runtime: Runtime, goto: SandboxState) -> _Progress:
    """Two statements, in one short read that ends before this returns."""
    now = runtime.clock()
    played = _played_on_goto(goto)
    async with runtime.factory() as db:
        flags = (await db.execute(_flags_query(now))).one()
        rows = (await db.execute(_played_query(played))).all()
    played_ends = [
        ends_at
        for product, key, starts_at, ends_at in rows
        if product is not None and key is not None and starts_at in played.get((product, key), ())
    ]
    return _Progress(
        team=bool(flags.team),
        roster=bool(flags.roster),
        webinar_location=bool(flags.webinar_location),
        connected=bool(flags.connected),
        session=bool(flags.session),
        registered=bool(flags.registered),
        lea_registered=bool(flags.lea_registered),
        played=bool(played_ends),
        ended=any(ends_at < now for ends_at in played_ends),
        synced=bool(flags.synced),
        reported=bool(flags.reported),
    )


def _played_on_goto(goto: SandboxState) -> dict[tuple[LocationKind, str], set[datetime]]:
    """The start of every GoTo session with attendance recorded, by product and event key."""
    events: list[tuple[LocationKind, int, Event]] = [
        *((LocationKind.GOTOWEBINAR, key, event) for key, event in goto.webinars.items()),
        *((LocationKind.GOTOTRAINING, key, event) for key, event in goto.trainings.items()),
    ]
    played: dict[tuple[LocationKind, str], set[datetime]] = {}
    for product, key, event in events:
        starts = {s.start for s in event.sessions if s.end is not None and s.attendance}
        if starts:
            played[(product, str(key))] = starts
    return played


def _flags_query(now: datetime) -> Select[bool, bool, bool, bool, bool, bool, bool, bool, bool]:
    """One row of yes/no answers: how far the workspace has come."""
    in_workspace = SANDBOX_TEAM
    team = exists().where(col(Team.workspace_id) == in_workspace)
    instructors = func.sum(case((col(Membership.role) == Role.INSTRUCTOR, 1), else_=0))
    learners = func.sum(case((col(Membership.role) == Role.LEARNER, 1), else_=0))
    roster = exists(
        select(col(Membership.team_id))
        .where(col(Membership.workspace_id) == in_workspace)
        .group_by(col(Membership.team_id))
        .having(and_(instructors >= 1, learners >= 2))
    )
    webinar = and_(
        col(Location.workspace_id) == in_workspace,
        col(Location.kind) == LocationKind.GOTOWEBINAR,
        col(Location.active).is_(True),
    )
    webinar_location = exists().where(webinar)
    connected = exists().where(
        webinar,
        col(Location.goto_email).is_not(None),
        col(Location.refresh_token_enc).is_not(None),
        col(Location.connection_error).is_(None),
        col(Location.connection_expires_at) > now,
    )
    scheduled = and_(
        col(Session.workspace_id) == in_workspace, col(Session.status) == SessionStatus.SCHEDULED
    )
    session = exists().where(scheduled)
    registered = exists(
        select(col(Enrollment.session_id))
        .join(Session, col(Session.id) == col(Enrollment.session_id))
        .where(scheduled, col(Enrollment.status) != EnrollmentStatus.CANCELLED)
        .group_by(col(Enrollment.session_id))
        .having(func.count() >= 2)
    )
    lea_registered = exists(
        select(col(Enrollment.id))
        .join(Session, col(Session.id) == col(Enrollment.session_id))
        .where(
            scheduled,
            col(Enrollment.user_id) == LEA,
            col(Enrollment.status) != EnrollmentStatus.CANCELLED,
        )
    )
    synced = or_(
        exists().where(scheduled, col(Session.last_synced_at).is_not(None)),
        exists().where(
            col(Enrollment.workspace_id) == in_workspace,
            col(Enrollment.status).in_(SYNCED),
        ),
    )
    reported = exists().where(
        col(Notice.workspace_id) == in_workspace,
        col(Notice.kind) == REPORT_KIND,
        col(Notice.status) == NoticeStatus.SENT,
        col(Notice.channel).in_(
            select(col(Team.channel_id)).where(col(Team.workspace_id) == in_workspace)
        ),
    )
    return select(
        team.label("team"),
        roster.label("roster"),
        webinar_location.label("webinar_location"),
        connected.label("connected"),
        session.label("session"),
        registered.label("registered"),
        lea_registered.label("lea_registered"),
        synced.label("synced"),
        reported.label("reported"),
    )


def _played_query(
    played: dict[tuple[LocationKind, str], set[datetime]],
) -> Select[LocationKind | None, str | None, datetime, datetime]:
    """The scheduled sessions on the GoTo events that were played (their times, to match)."""
    keys = sorted({key for _, key in played})
    return (
        select(
            col(Session.goto_product),
            col(Session.goto_event_key),
            col(Session.starts_at),
            col(Session.ends_at),
        )
        .where(
            col(Session.workspace_id) == SANDBOX_TEAM,
            col(Session.status) == SessionStatus.SCHEDULED,
            col(Session.goto_event_key).in_(keys),
        )
        .order_by(col(Session.id))
        .limit(PLAYED_READ)
    )
