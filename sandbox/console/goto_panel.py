"""The console's GoTo sandbox panel: play a session of one of the bot's GoTo events, move time
forward for the bot and the GoTo sandbox together (a week at a time, to watch a connection's
warnings arrive), revoke a location's GoTo connection, and run the attendance sync now."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import FormData
from starlette.responses import Response

from bot.bootstrap import Runtime
from bot.jobs.session_reminders import session_reminders_job
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Session,
    SessionStatus,
    TrackingRule,
)
from domain.rules import connection_status
from domain.services.completion_sync import SyncResult
from sandbox.console.actions import ConsoleActions
from sandbox.console.fields import form_text
from sandbox.console.workspace import Person, label
from sandbox.goto.records import Event, Registrant, SandboxError, Webinar
from sandbox.goto.records import Session as GoToSession
from sandbox.goto.scenario import AttendeeSpec, PollSpec
from sandbox.goto.state import SandboxState

# "Move time forward" steps: seconds and how the button reads.
TIME_STEPS = (
    (1800, "+30 min"),
    (7200, "+2 h"),
    (86400, "+1 day"),
    (172800, "+2 days"),
    (604800, "+1 week"),
)
# Webinars created in the sandbox get these, so a played session has polls to answer.
NEW_WEBINAR_POLLS = (
    PollSpec(question="Was the pace right for you?", answers=["Yes", "Too fast", "Too slow"]),
    PollSpec(question="Will you use this at work next week?", answers=["Yes", "No"]),
)
log = logging.getLogger(__name__)

PANEL = "goto-panel"  # the panel's HTML id: the page comes back there after its actions
SESSIONS_SHOWN = 20


@dataclass(frozen=True)
class PanelSession:
    """One of the bot's sessions with a GoTo event, as the panel lists it."""

    id: int
    title: str
    product: LocationKind
    event_key: str
    starts_at: datetime
    ends_at: datetime
    tracking: TrackingRule
    final: bool = False  # its final sync ran: statuses will not change

    @property
    def label(self) -> str:
        """How the session picker names it."""
        return f"{self.title} · session #{self.id} · {self.product.label} {self.event_key}"

    @property
    def minutes(self) -> int:
        """The scheduled length in whole minutes."""
        return max(1, int((self.ends_at - self.starts_at).total_seconds() // 60))


@dataclass(frozen=True)
class PanelRegistrant:
    """A registrant of the chosen session's GoTo event, with the bot's status for them."""

    key: str
    name: str
    email: str
    status: str
    played: str = ""  # what the played GoTo session recorded for them


@dataclass(frozen=True)
class PanelConnection:
    """A linked GoTo location, as the panel's revoke form lists it."""

    id: int
    name: str
    email: str
    status: str

    @property
    def label(self) -> str:
        """How the revoke picker names it."""
        return f"{self.name} · {self.email} · {self.status}"


@dataclass
class GoToPanel:
    """What the panel shows: the clock, the sessions, and the chosen one's registrants and polls."""

    now: str
    sessions: list[PanelSession]
    steps: tuple[tuple[int, str], ...] = TIME_STEPS
    chosen: PanelSession | None = None
    registrants: list[PanelRegistrant] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)
    played: str | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    connections: list[PanelConnection] = field(default_factory=list)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %Y, %H:%M} ({zone.key})"


def _name(registrant: Registrant) -> str:
    return f"{registrant.first_name} {registrant.last_name}".strip() or registrant.email


def _status_label(status: EnrollmentStatus | None, *, final: bool = False) -> str:
    """A registrant's status as the bot has it; after the final sync, one still in progress did
    not complete (as the report says)."""
    if status is None:
        return "not in viltbot"
    if final and status is EnrollmentStatus.IN_PROGRESS:
        return "did not complete (final)"
    return status.value.replace("_", " ")


def _what_was_played(played: GoToSession, key: int, scheduled_end: datetime) -> str:
    """One registrant's line from the GoTo sandbox: minutes attended and polls answered."""
    attendance = played.attendance.get(key)
    if attendance is None:
        return "did not attend"
    minutes = attendance.seconds(played.end or scheduled_end) // 60
    line = f"attended {minutes} min"
    if not played.polls:
        return line
    numbers = [str(n) for n, q in enumerate(played.polls, start=1) if q in attendance.poll_answers]
    total = len(played.polls)
    if not numbers:
        return f"{line} · answered none of the {total} polls"
    polls = "polls" if len(numbers) != 1 else "poll"
    return f"{line} · answered {polls} {', '.join(numbers)} of {total}"


class ConsoleGoTo(ConsoleActions):
    """The GoTo sandbox panel's actions, on the GoTo sandbox the console runs beside."""

    def __init__(self, runtime: Runtime, goto: SandboxState) -> None:
        super().__init__(runtime)
        self.goto = goto
        self._goto_session: int | None = None
        self._goto_notes: dict[str, list[str]] = {}

    def goto_notes(self, user_id: str) -> list[str]:
        """What the panel's last action said to this person (shown once, in the panel)."""
        return self._goto_notes.pop(user_id, [])

    def _panel_back(self, person: Person, channel: str, note: str | None = None) -> Response:
        """Back to the page at the panel, saying `note` there."""
        if note:
            self._goto_notes.setdefault(person.id, []).append(note)
            self._revision += 1
        return self._back(person, channel, focus=PANEL)

    # ------------------------------------------------------------------ what the panel shows

    async def goto_panel(self, person: Person) -> GoToPanel:
        """The panel's contents for `person` (times in their zone)."""
        zone = self._zone(person.id)
        sessions = await self._goto_sessions()
        panel = GoToPanel(now=_when(self.goto.clock.now(), zone), sessions=sessions)
        panel.connections = await self._connections()
        chosen = next((s for s in sessions if s.id == self._goto_session), None)
        chosen = chosen or (sessions[0] if sessions else None)
        if chosen is None:
            return panel
        panel.chosen = chosen
        event = self._event(chosen)
        if event is None:
            panel.problem = f"The GoTo sandbox has no {chosen.product.label} {chosen.event_key}."
            return panel
        panel.polls = [p.question for p in event.polls] if isinstance(event, Webinar) else []
        statuses = await self._statuses(chosen.id)
        panel.registrants = [
            PanelRegistrant(
                key=str(r.registrant_key),
                name=_name(r),
                email=r.email,
                status=_status_label(
                    statuses.get(str(r.registrant_key)) or statuses.get(r.email.lower()),
                    final=chosen.final,
                ),
            )
            for r in event.registrants.values()
        ]
        played = self._played(event, chosen)
        if played is not None:
            attended = len(played.attendance)
            panel.played = (
                f"Played on the GoTo sandbox: {attended} attended, "
                f"ended {_when(played.end or chosen.ends_at, zone)}."
            )
            panel.registrants = [
                replace(r, played=_what_was_played(played, int(r.key), chosen.ends_at))
                for r in panel.registrants
            ]
        return panel

    async def _goto_sessions(self) -> list[PanelSession]:
        """The bot's sessions that have a GoTo event, soonest first (one statement)."""
        query = (
            select(Session, col(LearningElement.title))
            .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
            .where(
                col(Session.goto_event_key).is_not(None),
                col(Session.goto_product).is_not(None),
                col(Session.status) != SessionStatus.CANCELLED,
            )
            .order_by(col(Session.starts_at), col(Session.id))
            .limit(SESSIONS_SHOWN)
        )
        async with self.runtime.factory() as db:
            rows = (await db.execute(query)).all()
        return [
            PanelSession(
                id=session.id,
                title=title,
                product=session.goto_product,
                event_key=session.goto_event_key,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                tracking=session.tracking,
                final=session.sync_done_at is not None,
            )
            for session, title in rows
            if session.id is not None
            and session.goto_product is not None
            and session.goto_event_key is not None
        ]

    async def _connections(self) -> list[PanelConnection]:
        """The bot's linked GoTo locations with their connection status (one statement)."""
        query = (
            select(Location)
            .where(
                col(Location.goto_email).is_not(None), col(Location.refresh_token_enc).is_not(None)
            )
            .order_by(col(Location.name_key))
            .limit(SESSIONS_SHOWN)
        )
        async with self.runtime.factory() as db:
            rows = (await db.execute(query)).scalars().all()
        now = self.runtime.clock()
        return [
            PanelConnection(
                id=row.id,
                name=row.name,
                email=row.goto_email or "",
                status=connection_status(
                    kind=row.kind,
                    linked_email=row.goto_email,
                    expires_at=row.connection_expires_at,
                    error=row.connection_error,
                    now=now,
                ).text,
            )
            for row in rows
            if row.id is not None
        ]

    async def _statuses(self, session_id: int) -> dict[str, EnrollmentStatus]:
        """The session's enrollment statuses by GoTo registrant key and by email (lower case)."""
        query = select(Enrollment).where(col(Enrollment.session_id) == session_id)
        async with self.runtime.factory() as db:
            rows = (await db.execute(query)).scalars().all()
        found: dict[str, EnrollmentStatus] = {}
        for row in rows:
            if row.email:
                found[row.email.lower()] = row.status
            if row.goto_registrant_key:
                found[row.goto_registrant_key] = row.status
        return found

    def _person_name(self, user_id: str, name: str | None) -> str:
        """The person's Slack name as the console shows it (the stored name otherwise)."""
        shown = label(self.standin, "@" + user_id)
        return shown[1:] if shown else (name or user_id)

    def _event(self, session: PanelSession) -> Event | None:
        key = int(session.event_key) if session.event_key.isdigit() else -1
        if session.product is LocationKind.GOTOWEBINAR:
            return self.goto.webinars.get(key)
        return self.goto.trainings.get(key)

    def _played(self, event: Event, session: PanelSession) -> GoToSession | None:
        """The GoTo session played at the session's scheduled start, if any."""
        return next((s for s in event.sessions if s.start == session.starts_at), None)

    # ------------------------------------------------------------------ actions

    async def pick_goto_session(self, form: FormData, person: Person, channel: str) -> Response:
        """Choose the session the panel plays."""
        raw = form_text(form, "session")
        sessions = await self._goto_sessions()
        if not raw.isdigit() or all(s.id != int(raw) for s in sessions):
            return self._panel_back(person, channel, "That session is not in the list.")
        self._goto_session = int(raw)
        self._revision += 1
        return self._panel_back(person, channel)

    async def play_goto_session(self, form: FormData, person: Person, channel: str) -> Response:
        """Record the chosen session on the GoTo sandbox as played: who attended, how long,
        which polls each answered; it starts and ends at the session's scheduled times."""
        raw = form_text(form, "session")
        sessions = await self._goto_sessions()
        session = next((s for s in sessions if raw.isdigit() and s.id == int(raw)), None)
        if session is None:
            return self._panel_back(person, channel, "That session is not in the list.")
        self._goto_session = session.id
        event = self._event(session)
        if event is None:
            note = f"The GoTo sandbox has no {session.product.label} {session.event_key}."
            return self._panel_back(person, channel, note)
        if self._played(event, session) is not None:
            note = f"Session #{session.id} was already played on the GoTo sandbox."
            return self._panel_back(person, channel, note)
        if event.live_session() is not None:
            note = "Another session of that GoTo event is still running on the GoTo sandbox."
            return self._panel_back(person, channel, note)
        attendees, problems = self._attendees(form, event, session)
        if problems:
            return self._panel_back(person, channel, " ".join(problems))
        played = self.goto.start_session(event, None, start=session.starts_at)
        try:
            self.goto.record_attendance(event, played, attendees)
            self.goto.end_session(event, played, session.ends_at)
        except SandboxError as exc:
            event.sessions.remove(played)
            return self._panel_back(person, channel, f"The GoTo sandbox refused: {exc}")
        zone = self._zone(person.id)
        reported = session.ends_at + timedelta(seconds=self.goto.settings.report_delay_seconds)
        note = (
            f"Played session #{session.id} on the GoTo sandbox: {len(attendees)} of "
            f"{len(event.registrants)} registrants attended. GoTo reports it from "
            f"{_when(reported, zone)}: move time forward past that, then run sync."
        )
        self._revision += 1
        return self._panel_back(person, channel, note)

    def _attendees(
        self, form: FormData, event: Event, session: PanelSession
    ) -> tuple[list[AttendeeSpec], list[str]]:
        """Who the form says attended, for how long and with which poll answers; or problems."""
        polls = event.polls if isinstance(event, Webinar) else []
        attendees: list[AttendeeSpec] = []
        problems: list[str] = []
        for registrant in event.registrants.values():
            key = str(registrant.registrant_key)
            name = _name(registrant)
            answered = {
                poll.question: poll.answers[0] if poll.answers else "Yes"
                for number, poll in enumerate(polls, start=1)
                if form_text(form, f"poll-{key}-{number}") == "on"
            }
            if form_text(form, f"attended-{key}") != "on":
                if answered:
                    problems.append(f"{name} answered polls but did not attend.")
                continue
            raw = form_text(form, f"minutes-{key}").strip()
            try:
                minutes = float(raw)
            except ValueError:
                minutes = -1.0
            if not 1 <= minutes <= session.minutes:
                problems.append(f"{name}: minutes must be a number from 1 to {session.minutes}.")
                continue
            attendees.append(
                AttendeeSpec(email=registrant.email, minutes=minutes, poll_answers=answered)
            )
        return attendees, problems

    async def move_time(self, form: FormData, person: Person, channel: str) -> Response:
        """Move the GoTo sandbox's clock forward; the bot's jobs read the same clock."""
        raw = form_text(form, "advance")
        step = next((label for seconds, label in TIME_STEPS if str(seconds) == raw), None)
        if step is None:
            note = "Time moves forward by one of the panel's steps only."
            return self._panel_back(person, channel, note)
        now = self.goto.clock.advance(float(raw))
        note = f"Moved time {step}: it is now {_when(now, self._zone(person.id))}."
        warned = await self._connection_jobs()
        if warned:
            note += f" {warned} connection warning{'s' if warned != 1 else ''} posted."
        self._revision += 1
        return self._panel_back(person, channel, note)

    async def _connection_jobs(self) -> int:
        """Run the token refresh, connection warnings and session reminders jobs now, as the bot
        does every few minutes, and deliver what they queued; how many warnings were new."""
        try:
            await self.runtime.refresh_tokens_now()
            warned = await self.runtime.connection_warnings_now()
            # The instructors' day-before and hour-before reminders now due, too.
            await session_reminders_job(self.runtime.factory, self.runtime.clock)()
            await self.runtime.outbox.deliver_due()
        except Exception:
            log.exception("connection jobs from the console failed")
            return 0
        return warned

    async def revoke_connection(self, form: FormData, person: Person, channel: str) -> Response:
        """Revoke a location's GoTo connection on the GoTo sandbox (as its owner withdrawing
        consent would), then let the bot try it: it shows as failed and the team is warned."""
        raw = form_text(form, "location")
        chosen = next(
            (c for c in await self._connections() if raw.isdigit() and c.id == int(raw)), None
        )
        if chosen is None:
            return self._panel_back(person, channel, "That location is not in the list.")
        grants = self.goto.matching_grants(email=chosen.email)
        for grant in grants:
            grant.revoked = True
        outcome = await self.runtime.refresh_location_now(chosen.id)
        await self._connection_jobs()
        said = {
            "failed": "the bot's next refresh was refused, so the connection shows as failed and "
            "the owner team's channel was warned: click Re-link there.",
            "skipped": "the bot already shows the connection as failed.",
        }.get(outcome, f"the bot's refresh answered: {outcome}.")
        note = f"Revoked the GoTo connection of {chosen.name} ({chosen.email}) on GoTo; {said}"
        self._revision += 1
        return self._panel_back(person, channel, note)

    async def run_sync(self, form: FormData, person: Person, channel: str) -> Response:
        """Run the attendance sync now (due sessions, or the one named, forced), then deliver
        the notices it queued so the report and the DMs show at once."""
        raw = form_text(form, "session")
        session_id = int(raw) if raw.isdigit() else None
        if raw and all(s.id != session_id for s in await self._goto_sessions()):
            return self._panel_back(person, channel, "That session is not in the list.")
        try:
            results = await self.runtime.sync_now(session_id)
            delivered = await self.runtime.outbox.deliver_due()
        except Exception as exc:
            # The newcomer gets a line in the panel rather than an error page.
            log.exception("sync now from the console failed")
            note = f"The sync failed ({type(exc).__name__}); the bot's log says more."
            return self._panel_back(person, channel, note)
        self._revision += 1
        return self._panel_back(person, channel, self._sync_summary(results, len(delivered.sent)))

    def _sync_summary(self, results: list[SyncResult], delivered: int) -> str:
        """One line: each session synced, who moved where, and what reached Slack."""
        if not results:
            return (
                "Sync now: no session is due. A session is synced once its end has passed "
                "(the bot also syncs due sessions every minute by itself): move time forward, "
                "or sync one session by hand."
            )
        lines = []
        for result in results:
            line = result.summary()
            moved = [
                f"{self._person_name(c.user_id, c.name)} → {_status_label(c.after)}"
                for c in result.changes
            ]
            lines.append(line + (f" ({', '.join(moved)})" if moved else ""))
        said = (
            f"; {delivered} message{'s' if delivered != 1 else ''} delivered" if delivered else ""
        )
        return "Sync now: " + ". ".join(lines) + said + "."
