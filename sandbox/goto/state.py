"""The sandbox's in-memory GoTo: accounts, webinars, trainings, sessions and OAuth grants."""

from __future__ import annotations

import random
import secrets
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from .clock import SandboxClock
from .ratelimit import TokenBucket
from .scenario import (
    AttendeeSpec,
    PollSpec,
    QuestionSpec,
    RegistrantSpec,
    RegistrationFieldSpec,
    Scenario,
    SessionSpec,
    TimeRangeSpec,
    resolve_time,
)

Api = Literal["webinar", "training"]


def iso(when: datetime) -> str:
    """Format a time the way GoTo does: UTC, whole seconds, trailing Z."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    """A GoTo user; organizer_key doubles as the identity API's user id."""

    email: str
    first_name: str
    last_name: str
    organizer_key: int
    account_key: int
    time_zone: str

    @property
    def name(self) -> str:
        """Full display name."""
        return f"{self.first_name} {self.last_name}"


@dataclass
class Consumer:
    """An OAuth client and the accounts that may sign in through it."""

    client_id: str
    client_secret: str
    name: str
    product: str
    account_emails: list[str]
    redirect_uris: list[str]
    token_includes_identity: bool | None

    def serves(self, api: Api) -> bool:
        """Whether tokens of this app may call the given product API."""
        return self.product in (api, "both")


@dataclass
class AttendancePart:
    """One join/leave stretch; leave is None while the attendee is still in a live session."""

    join: datetime
    leave: datetime | None = None


@dataclass
class Attendance:
    """One registrant's presence in one session."""

    registrant_key: int
    parts: list[AttendancePart] = field(default_factory=list)
    poll_answers: dict[str, list[str]] = field(default_factory=dict)

    def closed_parts(self, session_end: datetime) -> list[tuple[datetime, datetime]]:
        """The parts with open ends closed at the session end."""
        return [(p.join, p.leave or session_end) for p in self.parts]

    def seconds(self, session_end: datetime) -> int:
        """Total time in session, whole seconds."""
        total = sum(
            (leave - join).total_seconds() for join, leave in self.closed_parts(session_end)
        )
        return int(max(total, 0))


@dataclass
class Session:
    """One occurrence of a webinar or training (sessionKey)."""

    session_key: int
    start: datetime
    end: datetime | None
    polls: list[str]
    starting_organizer_key: int
    attendance: dict[int, Attendance] = field(default_factory=dict)

    def reported(self, now: datetime, delay_seconds: int) -> bool:
        """GoTo's reports list only ended sessions, and only after its processing delay."""
        return self.end is not None and now >= self.end + timedelta(seconds=delay_seconds)


@dataclass
class Registrant:
    """A registration for a webinar or a training."""

    registrant_key: int
    email: str
    first_name: str
    last_name: str
    registration_date: datetime
    status: str = "APPROVED"
    fields: dict[str, str] = field(default_factory=dict)
    responses: list[tuple[str, str]] = field(default_factory=list)
    late: bool = False
    visible_from: datetime | None = None


class _Registrations:
    """What webinars and trainings look up alike in their registrations and sessions."""

    registrants: dict[int, Registrant]
    sessions: list[Session]

    def live_session(self) -> Session | None:
        """The session currently in progress, if any."""
        return next((s for s in self.sessions if s.end is None), None)

    def registrant_by_email(self, email: str) -> Registrant | None:
        """Find a registration by (case-insensitive) email."""
        wanted = email.strip().lower()
        return next((r for r in self.registrants.values() if r.email.lower() == wanted), None)


@dataclass
class Webinar(_Registrations):
    """A GoToWebinar webinar with its registrations and sessions."""

    webinar_key: int
    webinar_id: str
    organizer_key: int
    subject: str
    description: str
    times: list[tuple[datetime, datetime]]
    time_zone: str
    locale: str
    registration_limit: int
    cancelled: bool
    fields: list[RegistrationFieldSpec]
    questions: list[QuestionSpec]
    polls: list[PollSpec]
    registrants: dict[int, Registrant] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)

    def poll(self, question: str) -> PollSpec | None:
        """Find a poll by its question text (GoTo polls have no key)."""
        return next((p for p in self.polls if p.question == question), None)


@dataclass
class Training(_Registrations):
    """A GoToTraining training with its registrations and sessions."""

    training_key: int
    training_id: str
    organizer_key: int
    name: str
    description: str
    times: list[tuple[datetime, datetime]]
    time_zone: str
    cancelled: bool
    registrants: dict[int, Registrant] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)

    def poll(self, question: str) -> PollSpec | None:
        """GoToTraining has no polls."""
        return None


Event = Webinar | Training


@dataclass
class Grant:
    """A connection: one account authorized one consumer app (revoking it kills its tokens)."""

    grant_id: int
    client_id: str
    organizer_key: int
    created: datetime
    revoked: bool = False


@dataclass
class AuthCode:
    """A one-time authorization code."""

    client_id: str
    organizer_key: int
    redirect_uri: str | None
    expires: datetime
    used: bool = False


@dataclass
class AccessToken:
    """A bearer token for the product APIs."""

    grant: Grant
    expires: datetime
    expired_by_control: bool = False

    def valid(self, now: datetime) -> bool:
        """Usable right now."""
        return not self.grant.revoked and not self.expired_by_control and now < self.expires


@dataclass
class RefreshToken:
    """A refresh token; replaced (and dead) once rotated."""

    grant: Grant
    expires: datetime
    replaced: bool = False

    def valid(self, now: datetime) -> bool:
        """Usable right now."""
        return not self.grant.revoked and not self.replaced and now < self.expires


@dataclass
class TokenPair:
    """What a successful token request hands out."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    account: Account
    consumer: Consumer


@dataclass
class Settings:
    """Knobs that can change at runtime through /_sandbox/settings."""

    token_includes_identity: bool
    rotate_refresh_tokens: bool
    access_token_lifetime_seconds: int
    refresh_token_lifetime_seconds: int
    authorization_code_lifetime_seconds: int
    report_delay_seconds: int
    training_registrant_lag_seconds: int
    omit_empty_embedded: bool
    rate_limit_per_second: float | None
    latency_seconds: float


@dataclass
class Fault:
    """An injected failure: the next `count` matching API requests get `status`."""

    status: int
    count: int
    path_contains: str = ""
    body: dict[str, Any] = field(default_factory=dict)


class SandboxError(Exception):
    """A control-plane request that cannot be done (unknown key, no live session, ...)."""


class SandboxState:
    """All mutable sandbox data; reachable from tests as app.state.sandbox."""

    def __init__(
        self,
        scenario: Scenario,
        clock: SandboxClock,
        *,
        rate_limit_per_second: float | None,
        latency_seconds: float,
    ) -> None:
        self.clock = clock
        self._default_rate = rate_limit_per_second
        self._default_latency = latency_seconds
        self.requests: deque[dict[str, Any]] = deque(maxlen=2000)
        self.reset(scenario)

    # ------------------------------------------------------------------ setup

    def reset(self, scenario: Scenario | None = None) -> None:
        """Forget everything (tokens, registrations, sessions) and reload the scenario."""
        if scenario is not None:
            self.scenario = scenario
        sc = self.scenario
        self.settings = Settings(
            token_includes_identity=sc.token_includes_identity,
            rotate_refresh_tokens=sc.rotate_refresh_tokens,
            access_token_lifetime_seconds=sc.access_token_lifetime_seconds,
            refresh_token_lifetime_seconds=sc.refresh_token_lifetime_seconds,
            authorization_code_lifetime_seconds=sc.authorization_code_lifetime_seconds,
            report_delay_seconds=sc.report_delay_seconds,
            training_registrant_lag_seconds=sc.training_registrant_lag_seconds,
            omit_empty_embedded=sc.omit_empty_embedded,
            rate_limit_per_second=self._default_rate,
            latency_seconds=self._default_latency,
        )
        self._rng = random.Random(sc.seed)
        self._used_keys: set[int] = set()
        self.codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.grants: list[Grant] = []
        self.buckets: dict[str, TokenBucket] = {}
        self.faults: list[Fault] = []
        self.requests.clear()
        self.accounts = {
            a.email.lower(): Account(
                a.email, a.first_name, a.last_name, a.organizer_key, a.account_key, a.time_zone
            )
            for a in sc.accounts
        }
        for account in self.accounts.values():
            self._used_keys.update({account.organizer_key, account.account_key})
        self.consumers = {
            c.client_id: Consumer(
                c.client_id,
                c.client_secret,
                c.name,
                c.product,
                [e.lower() for e in c.accounts],
                list(c.redirect_uris),
                c.token_includes_identity,
            )
            for c in sc.consumers
        }
        now = self.clock.now()
        self.webinars: dict[int, Webinar] = {}
        for w in sc.webinars:
            self._used_keys.add(w.webinar_key)
            webinar = Webinar(
                webinar_key=w.webinar_key,
                webinar_id=w.webinar_id or self._nine_digit_id(),
                organizer_key=self._organizer_key(w.organizer),
                subject=w.subject,
                description=w.description,
                times=[_time_range(t, now) for t in w.times],
                time_zone=w.time_zone,
                locale=w.locale,
                registration_limit=w.registration_limit,
                cancelled=w.cancelled,
                fields=list(w.fields),
                questions=list(w.questions),
                polls=list(w.polls),
            )
            self.webinars[webinar.webinar_key] = webinar
            self._seed_event(webinar, w.registrants, w.sessions, now)
        self.trainings: dict[int, Training] = {}
        for t in sc.trainings:
            self._used_keys.add(t.training_key)
            training = Training(
                training_key=t.training_key,
                training_id=t.training_id or self._nine_digit_id(),
                organizer_key=self._organizer_key(t.organizer),
                name=t.name,
                description=t.description,
                times=[_time_range(r, now) for r in t.times],
                time_zone=t.time_zone,
                cancelled=t.cancelled,
            )
            self.trainings[training.training_key] = training
            self._seed_event(training, t.registrants, t.sessions, now)

    def _organizer_key(self, email: str) -> int:
        account = self.account_by_email(email)
        if account is None:  # the scenario validator already rejects this
            raise SandboxError(f"unknown organizer {email}")
        return account.organizer_key

    def _seed_event(
        self,
        event: Event,
        registrants: list[RegistrantSpec],
        sessions: list[SessionSpec],
        now: datetime,
    ) -> None:
        earliest = min(start for start, _ in event.times)
        for spec in registrants:
            key = self.new_key(19)
            event.registrants[key] = Registrant(
                registrant_key=key,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                registration_date=min(now, earliest) - timedelta(days=1),
                fields=dict(spec.fields),
                responses=list(spec.responses.items()),
            )
        for s in sessions:
            start = resolve_time(s.start, now)
            session = self.start_session(event, s.polls, start=start)
            self.record_attendance(event, session, s.attendees)
            if s.duration_minutes is not None:
                self.end_session(event, session, start + timedelta(minutes=s.duration_minutes))

    # ------------------------------------------------------------------ keys

    def new_key(self, digits: int) -> int:
        """A fresh random key with the given number of digits (reproducible per scenario seed)."""
        while True:
            # GoTo's keys are int64 in the specs: 19-digit keys must stay below 2**63.
            key = self._rng.randrange(10 ** (digits - 1), min(10**digits, 2**63))
            if key not in self._used_keys:
                self._used_keys.add(key)
                return key

    def _nine_digit_id(self) -> str:
        return str(self._rng.randrange(100_000_000, 1_000_000_000))

    def incident(self) -> int:
        """An incident number like the ones GoTo puts in error bodies."""
        return self._rng.randrange(10**18, 2**63)

    # ------------------------------------------------------------------ lookups

    def account_by_email(self, email: str) -> Account | None:
        """Find an account by email."""
        return self.accounts.get(email.strip().lower())

    def account_by_organizer(self, organizer_key: int) -> Account | None:
        """Find an account by organizer key."""
        return next((a for a in self.accounts.values() if a.organizer_key == organizer_key), None)

    def consumer_accounts(self, consumer: Consumer) -> list[Account]:
        """The accounts that may sign in through a consumer app."""
        return [self.accounts[e] for e in consumer.account_emails if e in self.accounts]

    # ------------------------------------------------------------------ oauth

    def issue_code(self, consumer: Consumer, account: Account, redirect_uri: str | None) -> str:
        """Create a one-time authorization code."""
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id=consumer.client_id,
            organizer_key=account.organizer_key,
            redirect_uri=redirect_uri,
            expires=self.clock.now()
            + timedelta(seconds=self.settings.authorization_code_lifetime_seconds),
        )
        return code

    def redeem_code(
        self, consumer: Consumer, code: str, redirect_uri: str | None
    ) -> TokenPair | None:
        """Exchange a code for tokens; None means invalid_grant."""
        entry = self.codes.get(code)
        now = self.clock.now()
        if entry is None or entry.used or entry.client_id != consumer.client_id:
            return None
        # Burn the code even when the rest fails: a code is good for one attempt only.
        entry.used = True
        if now >= entry.expires:
            return None
        if entry.redirect_uri is not None and redirect_uri != entry.redirect_uri:
            return None
        account = self.account_by_organizer(entry.organizer_key)
        if account is None:
            return None
        grant = Grant(len(self.grants) + 1, consumer.client_id, account.organizer_key, now)
        self.grants.append(grant)
        return self._issue(grant, consumer, account, with_refresh=True)

    def refresh(self, consumer: Consumer, token: str) -> TokenPair | None:
        """Use a refresh token; None means invalid_grant."""
        entry = self.refresh_tokens.get(token)
        now = self.clock.now()
        if entry is None or not entry.valid(now) or entry.grant.client_id != consumer.client_id:
            return None
        account = self.account_by_organizer(entry.grant.organizer_key)
        if account is None:
            return None
        rotate = self.settings.rotate_refresh_tokens
        if rotate:
            entry.replaced = True
        return self._issue(entry.grant, consumer, account, with_refresh=rotate)

    def _issue(
        self, grant: Grant, consumer: Consumer, account: Account, *, with_refresh: bool
    ) -> TokenPair:
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        lifetime = self.settings.access_token_lifetime_seconds
        self.access_tokens[access] = AccessToken(grant, now + timedelta(seconds=lifetime))
        refresh: str | None = None
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = RefreshToken(
                grant, now + timedelta(seconds=self.settings.refresh_token_lifetime_seconds)
            )
        return TokenPair(access, refresh, lifetime, account, consumer)

    def bearer(self, token: str) -> tuple[AccessToken, Consumer, Account] | None:
        """Resolve a bearer token to its grant's app and account, if still valid."""
        entry = self.access_tokens.get(token)
        if entry is None or not entry.valid(self.clock.now()):
            return None
        consumer = self.consumers.get(entry.grant.client_id)
        account = self.account_by_organizer(entry.grant.organizer_key)
        if consumer is None or account is None:
            return None
        return entry, consumer, account

    def matching_grants(
        self,
        *,
        client_id: str | None = None,
        email: str | None = None,
        refresh_token: str | None = None,
        access_token: str | None = None,
    ) -> list[Grant]:
        """Grants selected by any combination of filters (all given filters must match)."""
        grants = list(self.grants)
        if client_id is not None:
            grants = [g for g in grants if g.client_id == client_id]
        if email is not None:
            account = self.account_by_email(email)
            grants = [g for g in grants if account and g.organizer_key == account.organizer_key]
        if refresh_token is not None:
            entry = self.refresh_tokens.get(refresh_token)
            grants = [g for g in grants if entry and g is entry.grant]
        if access_token is not None:
            a_entry = self.access_tokens.get(access_token)
            grants = [g for g in grants if a_entry and g is a_entry.grant]
        return grants

    def expire_access_tokens(self, grants: Iterable[Grant]) -> int:
        """Make the grants' access tokens answer InvalidToken (as if 60 minutes had passed)."""
        chosen = {id(g) for g in grants}
        count = 0
        for entry in self.access_tokens.values():
            if id(entry.grant) in chosen and not entry.expired_by_control:
                entry.expired_by_control = True
                count += 1
        return count

    # ------------------------------------------------------------------ rate limit

    def allow_request(self, client_id: str) -> bool:
        """Token-bucket check per consumer key; False means answer 429."""
        rate = self.settings.rate_limit_per_second
        if rate is None or rate <= 0:
            return True
        bucket = self.buckets.get(client_id)
        if bucket is None or bucket.rate != rate:
            bucket = self.buckets[client_id] = TokenBucket(rate)
        return bucket.take()

    def take_fault(self, path: str) -> Fault | None:
        """Consume one injected failure matching the path, if any."""
        for fault in self.faults:
            if fault.count > 0 and fault.path_contains in path:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ sessions

    def start_session(
        self, event: Event, polls: list[str] | None, *, start: datetime | None = None
    ) -> Session:
        """Start a session now (or at `start`): GoTo creates the sessionKey when it starts."""
        if event.live_session() is not None:
            raise SandboxError("a session of this event is already running")
        if isinstance(event, Webinar):
            launched = [p.question for p in event.polls] if polls is None else list(polls)
            for text in launched:
                if event.poll(text) is None:
                    raise SandboxError(f"unknown poll {text!r}")
        elif polls:
            raise SandboxError("GoToTraining has no polls")
        else:
            launched = []
        session = Session(
            session_key=self.new_key(8),
            start=start or self.clock.now(),
            end=None,
            polls=launched,
            starting_organizer_key=event.organizer_key,
        )
        event.sessions.append(session)
        return session

    def record_attendance(
        self, event: Event, session: Session, attendees: Iterable[AttendeeSpec]
    ) -> list[Attendance]:
        """Add attendance (and poll answers) for registrants, relative to the session start."""
        recorded: list[Attendance] = []
        for spec in attendees:
            registrant = event.registrant_by_email(spec.email)
            if registrant is None:
                raise SandboxError(f"{spec.email} is not registered")
            parts = spec.parts or []
            stretches = (
                [(p.joined_after_minutes, p.minutes) for p in parts]
                if spec.parts is not None
                else [(spec.joined_after_minutes, spec.minutes or 0.0)]
            )
            entry = session.attendance.setdefault(
                registrant.registrant_key, Attendance(registrant.registrant_key)
            )
            for after, minutes in stretches:
                join = session.start + timedelta(minutes=after)
                leave = join + timedelta(minutes=minutes)
                if session.end is not None:
                    if join >= session.end:
                        raise SandboxError(f"{spec.email} would join after the session ended")
                    leave = min(leave, session.end)
                entry.parts.append(AttendancePart(join, leave))
            answers: dict[str, list[str]] = {}
            if spec.answer_all_polls:
                for text in session.polls:
                    poll = event.poll(text)
                    answers[text] = [poll.answers[0]] if poll and poll.answers else []
            for text, answer in spec.poll_answers.items():
                if text not in session.polls:
                    raise SandboxError(f"poll {text!r} was not launched in this session")
                answers[text] = [answer] if isinstance(answer, str) else list(answer)
            entry.poll_answers.update(answers)
            recorded.append(entry)
        return recorded

    def join_now(self, event: Event, registrant: Registrant) -> Session | None:
        """Mark a registrant as joined to the live session now (the join link's effect)."""
        session = event.live_session()
        if session is None:
            return None
        entry = session.attendance.setdefault(
            registrant.registrant_key, Attendance(registrant.registrant_key)
        )
        if not entry.parts or entry.parts[-1].leave is not None:
            entry.parts.append(AttendancePart(self.clock.now()))
        return session

    def end_session(self, event: Event, session: Session, end: datetime | None = None) -> None:
        """End a session now (or at `end`); nobody stays longer than the session."""
        if session.end is not None:
            raise SandboxError("this session has already ended")
        end = end or self.clock.now()
        if end < session.start:
            raise SandboxError("a session cannot end before it starts")
        session.end = end
        for entry in session.attendance.values():
            for part in entry.parts:
                if part.leave is None or part.leave > end:
                    part.leave = end

    def find_session(self, event: Event, session_key: int) -> Session | None:
        """A session of this event by key."""
        return next((s for s in event.sessions if s.session_key == session_key), None)

    def reported_sessions(self, event: Event) -> list[Session]:
        """Sessions GoTo's reporting would show now (ended, past the processing delay)."""
        now = self.clock.now()
        delay = self.settings.report_delay_seconds
        return [s for s in event.sessions if s.reported(now, delay)]

    def visible_registrants(self, training: Training) -> list[Registrant]:
        """GoToTraining's registrant cache can lag behind registration."""
        now = self.clock.now()
        return [
            r
            for r in training.registrants.values()
            if r.visible_from is None or now >= r.visible_from
        ]

    # ------------------------------------------------------------------ dump

    def dump(self) -> dict[str, Any]:
        """A JSON-able picture of the state, with secrets and tokens left out."""
        now = self.clock.now()
        return {
            "now": iso(now),
            "scenario": self.scenario.name,
            "settings": dict(self.settings.__dict__),
            "consumers": [
                {
                    "client_id": c.client_id,
                    "name": c.name,
                    "product": c.product,
                    "accounts": c.account_emails,
                }
                for c in self.consumers.values()
            ],
            "accounts": [
                {
                    "email": a.email,
                    "name": a.name,
                    "organizerKey": str(a.organizer_key),
                    "accountKey": str(a.account_key),
                }
                for a in self.accounts.values()
            ],
            "webinars": [_dump_event(w, now) for w in self.webinars.values()],
            "trainings": [_dump_event(t, now) for t in self.trainings.values()],
            "connections": [
                {
                    "client_id": g.client_id,
                    "organizerKey": str(g.organizer_key),
                    "created": iso(g.created),
                    "revoked": g.revoked,
                    "live_access_tokens": sum(
                        1 for t in self.access_tokens.values() if t.grant is g and t.valid(now)
                    ),
                    "refresh_token_expires": max(
                        (
                            iso(t.expires)
                            for t in self.refresh_tokens.values()
                            if t.grant is g and t.valid(now)
                        ),
                        default=None,
                    ),
                }
                for g in self.grants
            ],
            "faults": [dict(f.__dict__) for f in self.faults],
        }


def _time_range(spec: TimeRangeSpec, now: datetime) -> tuple[datetime, datetime]:
    start = resolve_time(spec.start, now)
    end = (
        resolve_time(spec.end, now)
        if spec.end is not None
        else start + timedelta(minutes=spec.duration_minutes)
    )
    return start, end


def _dump_event(event: Event, now: datetime) -> dict[str, Any]:
    key = event.webinar_key if isinstance(event, Webinar) else event.training_key
    return {
        "key": str(key),
        "title": event.subject if isinstance(event, Webinar) else event.name,
        "organizerKey": str(event.organizer_key),
        "cancelled": event.cancelled,
        "times": [{"start": iso(s), "end": iso(e)} for s, e in event.times],
        "registrants": [
            {"registrantKey": str(r.registrant_key), "email": r.email, "status": r.status}
            for r in event.registrants.values()
        ],
        "sessions": [
            {
                "sessionKey": str(s.session_key),
                "start": iso(s.start),
                "end": iso(s.end) if s.end else None,
                "polls": s.polls,
                "attendees": [
                    {
                        "registrantKey": str(a.registrant_key),
                        "seconds": a.seconds(s.end or now),
                        "poll_answers": a.poll_answers,
                    }
                    for a in s.attendance.values()
                ],
            }
            for s in event.sessions
        ],
    }
