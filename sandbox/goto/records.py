"""The sandbox's GoTo records: accounts, apps, webinars, trainings, sessions, grants and tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from .scenario import PollSpec, QuestionSpec, RegistrationFieldSpec

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
