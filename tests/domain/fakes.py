"""Hand-written fakes of the ports the domain services call, recording what happened."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.completion_report import CompletionReport, SlackMessage
from domain.completion_rules import Attendee
from domain.errors import (
    AttendanceUnavailable,
    EventProblem,
    EventRejected,
    LinkFailed,
    RegistrationProblem,
    RegistrationRejected,
    SyncProblem,
)
from domain.models import Location, LocationKind, Session
from domain.ports import EventFacts, GoToAttendance, LinkedAccount, Registrant, SlackUser
from domain.rules import CONNECTION_LIFETIME
from domain.session_rules import event_matches
from tests.support.fakes import FakeDirectory


class FakeSealer:
    """A reversible stand-in for encryption: stored values never contain the plaintext."""

    PREFIX = "sealed:"

    def encrypt(self, plaintext: str) -> str:
        return self.PREFIX + base64.b64encode(plaintext.encode()).decode()[::-1]

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(self.PREFIX):
            raise ValueError("not sealed by FakeSealer")
        return base64.b64decode(stored[len(self.PREFIX) :][::-1]).decode()


@dataclass
class FakeLinker:
    """GoTo's OAuth: each known code belongs to one GoTo account."""

    accounts: dict[str, LinkedAccount] = field(default_factory=dict)
    exchanges: list[dict[str, str]] = field(default_factory=list)

    def add_account(
        self, code: str, *, organizer_key: str, email: str, now: datetime, token: str = "1"
    ) -> LinkedAccount:
        """Make `code` sign in to that account; tokens are unique per call."""
        account = LinkedAccount(
            organizer_key=organizer_key,
            account_key=f"acct-{organizer_key}",
            email=email,
            access_token=f"access-{organizer_key}-{token}",
            refresh_token=f"refresh-{organizer_key}-{token}",
            access_expires_at=now + timedelta(hours=1),
            connection_expires_at=now + CONNECTION_LIFETIME,
        )
        self.accounts[code] = account
        return account

    def authorize_url(self, *, consumer_key: str, redirect_uri: str, state: str) -> str:
        return (
            f"https://goto.test/oauth/authorize?client_id={consumer_key}"
            f"&redirect_uri={redirect_uri}&state={state}"
        )

    async def exchange_code(
        self, *, consumer_key: str, consumer_secret: str, code: str, redirect_uri: str
    ) -> LinkedAccount:
        self.exchanges.append(
            {
                "consumer_key": consumer_key,
                "consumer_secret": consumer_secret,
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        if code not in self.accounts:
            raise LinkFailed(
                "code_used",
                "GoTo says this sign-in was already used or has expired. Nothing was changed.",
            )
        return self.accounts[code]


@dataclass
class WorkspaceDirectories:
    """Slack as each workspace's own bot token sees it: another workspace's channels and users
    are unknown."""

    by_workspace: dict[str, FakeDirectory]

    async def check_postable(self, workspace_id: str, channel_id: str) -> str:
        seen_from = self.by_workspace.get(workspace_id, FakeDirectory())
        return await seen_from.check_postable(workspace_id, channel_id)

    async def user(self, workspace_id: str, user_id: str) -> SlackUser | None:
        seen_from = self.by_workspace.get(workspace_id, FakeDirectory())
        return await seen_from.user(workspace_id, user_id)

    async def users_by_id(self, workspace_id: str, user_ids: Sequence[str]) -> dict[str, SlackUser]:
        seen_from = self.by_workspace.get(workspace_id, FakeDirectory())
        return await seen_from.users_by_id(workspace_id, user_ids)

    async def channel_members(self, workspace_id: str, channel_id: str) -> list[str]:
        seen_from = self.by_workspace.get(workspace_id, FakeDirectory())
        return await seen_from.channel_members(workspace_id, channel_id)


@dataclass
class FakeGoToEvents:
    """GoTo's webinars and trainings, per linked account (organizer key), for the session checks.

    A key on no account is NOT_FOUND; `problems` makes GoTo refuse a key another way.
    """

    events: dict[tuple[str, str], EventFacts] = field(default_factory=dict)
    problems: dict[str, EventProblem] = field(default_factory=dict)
    checked: list[tuple[int | None, str]] = field(default_factory=list)
    # Problems of the next create_event calls, in order (then creation works).
    create_problems: list[EventProblem] = field(default_factory=list)
    created: list[EventFacts] = field(default_factory=list)

    def add(
        self,
        organizer_key: str,
        key: str,
        *,
        product: LocationKind = LocationKind.GOTOWEBINAR,
        subject: str = "Negotiation",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        timezone: str | None = "Europe/Berlin",
        registration_limit: int | None = None,
        cancelled: bool = False,
    ) -> EventFacts:
        facts = EventFacts(
            product=product,
            key=key,
            subject=subject,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            registration_limit=registration_limit,
            cancelled=cancelled,
        )
        self.events[(organizer_key, key)] = facts
        return facts

    async def check_event(self, location: Location, key: str) -> EventFacts:
        self.checked.append((location.id, key))
        if key in self.problems:
            raise EventRejected(self.problems[key])
        facts = self.events.get((location.goto_organizer_key or "", key))
        if facts is None:
            raise EventRejected(EventProblem.NOT_FOUND)
        return facts

    async def upcoming_events(self, location: Location, query: str) -> list[EventFacts]:
        if "*" in self.problems:
            raise EventRejected(self.problems["*"])
        organizer = location.goto_organizer_key or ""
        found = [
            facts
            for (owner, _), facts in self.events.items()
            if owner == organizer
            and facts.product == location.kind
            and not facts.cancelled
            and event_matches(facts.subject, facts.key, query)
        ]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(found, key=lambda f: f.starts_at or far)

    async def create_event(
        self,
        location: Location,
        *,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
    ) -> EventFacts:
        if self.create_problems:
            raise EventRejected(self.create_problems.pop(0), "GoTo said no.")
        key = str(5_550_000_000 + len(self.created) + 1)
        facts = self.add(
            location.goto_organizer_key or "",
            key,
            product=location.kind,
            subject=subject,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
        )
        self.created.append(facts)
        return facts


@dataclass
class FakeRegistrar:
    """GoTo's registrants per event: registers by email (a repeat is `already`), full at `limit`.

    `refuse` makes the next calls to an event fail with a problem; `down` fails every call
    as UNAVAILABLE until cleared.
    """

    registrants: dict[str, dict[str, Registrant]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    refuse: dict[str, RegistrationProblem] = field(default_factory=dict)
    down: bool = False
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    _next: int = 0

    async def register(
        self,
        location: Location,
        product: LocationKind,
        event_key: str,
        *,
        first_name: str,
        last_name: str,
        email: str,
    ) -> Registrant:
        self.calls.append(("register", event_key, email))
        if self.down:
            raise RegistrationRejected(RegistrationProblem.UNAVAILABLE)
        if event_key in self.refuse:
            raise RegistrationRejected(self.refuse[event_key])
        if event_key in self.required:
            raise RegistrationRejected(
                RegistrationProblem.NEEDS_FIELDS, fields=self.required[event_key]
            )
        people = self.registrants.setdefault(event_key, {})
        if email in people:
            earlier = people[email]
            return Registrant(earlier.key, earlier.join_url, already=True)
        if len(people) >= self.limits.get(event_key, 10**6):
            raise RegistrationRejected(RegistrationProblem.FULL)
        self._next += 1
        key = f"{900 + self._next}"
        made = Registrant(key, f"https://goto.test/join/{event_key}/{key}")
        people[email] = made
        return made

    async def unregister(
        self, location: Location, product: LocationKind, event_key: str, registrant_key: str
    ) -> None:
        self.calls.append(("unregister", event_key, registrant_key))
        if self.down:
            raise RegistrationRejected(RegistrationProblem.UNAVAILABLE)
        people = self.registrants.get(event_key, {})
        for email, registrant in list(people.items()):
            if registrant.key == registrant_key:
                del people[email]


class FakeGoToReports:
    """GoTo's reports as a test sets them: attendance per event key, answers per registrant.

    Records every call; `down` makes the next calls fail as GoTo being unavailable.
    """

    def __init__(self) -> None:
        self.attendance_by_key: dict[str, GoToAttendance] = {}
        # registrant key → questions answered
        self.answers: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False
        self.fail_answers_after: int | None = None

    def play(
        self,
        event_key: str,
        attendees: list[Attendee],
        *,
        polls: tuple[str, ...] = (),
        session_key: str = "S1",
    ) -> None:
        """GoTo reports one ended session of the event with these attendees and polls."""
        self.attendance_by_key[event_key] = GoToAttendance(
            session_keys=(session_key,),
            attendees=tuple(attendees),
            polls={session_key: polls},
            requests=2 if polls else 1,
        )

    async def attendance(
        self, location: Location, session: Session, *, with_polls: bool
    ) -> GoToAttendance:
        key = str(session.goto_event_key)
        self.calls.append(("attendance", key))
        if self.down:
            raise AttendanceUnavailable(SyncProblem.UNAVAILABLE, "GoTo is not answering.")
        found = self.attendance_by_key.get(key, GoToAttendance())
        return found if with_polls else GoToAttendance(found.session_keys, found.attendees, {})

    async def polls_answered(
        self,
        location: Location,
        session: Session,
        attendance: GoToAttendance,
        records: Sequence[Attendee],
    ) -> int:
        for record in records:
            self.calls.append(("answers", str(record.registrant_key)))
        answered = [c for c in self.calls if c[0] == "answers"]
        if self.down or (
            self.fail_answers_after is not None and len(answered) > self.fail_answers_after
        ):
            raise AttendanceUnavailable(SyncProblem.UNAVAILABLE, "GoTo is not answering.")
        return max(self.answers.get(str(r.registrant_key), 0) for r in records)


class FakeReportRenderer:
    """A renderer whose messages name the counts, so tests can read what was posted."""

    def messages(self, report: CompletionReport) -> list[SlackMessage]:
        counts = ", ".join(f"{n} {s.value}" for s, n in report.counts.items() if n)
        text = f"Report #{report.session_id}: {counts or 'nobody'}; walk-ins {len(report.walk_ins)}"
        return [SlackMessage(text=text, blocks=[])]
