"""What the services need from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.completion_rules import Attendee
from domain.models import Location, LocationKind, Session


class UnitOfWork(Protocol):
    """One transaction: rolled back unless `commit()` is called."""

    session: AsyncSession

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Clock(Protocol):
    """The current time, so rules and tests can move it."""

    def __call__(self) -> datetime: ...


@dataclass(frozen=True)
class SlackUser:
    """What Slack tells about a user."""

    id: str
    name: str
    real_name: str
    is_bot: bool
    deleted: bool
    # From the profile: present when the app has the users:read.email scope and the user set them.
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    # IANA time zone of the user's Slack settings, e.g. "Europe/Oslo".
    tz: str | None = None


class SlackDirectory(Protocol):
    """Questions about a workspace's channels and users."""

    async def check_postable(self, workspace_id: str, channel_id: str) -> str:
        """Return the channel's name, or raise ChannelUnusable saying why."""
        ...

    async def user(self, workspace_id: str, user_id: str) -> SlackUser | None:
        """The user, or None when the workspace has no such user."""
        ...

    async def users_by_id(self, workspace_id: str, user_ids: Sequence[str]) -> dict[str, SlackUser]:
        """Those of the users Slack knows, by id (one request per page for many people)."""
        ...

    async def channel_members(self, workspace_id: str, channel_id: str) -> list[str]:
        """The ids of everyone in a channel; ChannelUnusable when the bot cannot see it."""
        ...


class SecretSealer(Protocol):
    """Encrypts secrets before they are stored, and opens them again."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, stored: str) -> str: ...


@dataclass(frozen=True)
class LinkedAccount:
    """A GoTo account and its tokens, as the OAuth code exchange returns them."""

    organizer_key: str
    account_key: str | None
    email: str | None
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    connection_expires_at: datetime

    def __repr__(self) -> str:
        return f"LinkedAccount(organizer_key={self.organizer_key!r}, email={self.email!r}, tokens=<hidden>)"


class GoToLinker(Protocol):
    """The OAuth half of GoTo that linking a location needs."""

    def authorize_url(self, *, consumer_key: str, redirect_uri: str, state: str) -> str:
        """Where to send the browser for consent."""
        ...

    async def exchange_code(
        self, *, consumer_key: str, consumer_secret: str, code: str, redirect_uri: str
    ) -> LinkedAccount:
        """Trade a code for tokens; raise LinkFailed (invalid_client, code_used, unreachable)."""
        ...


@dataclass(frozen=True)
class EventFacts:
    """What GoTo says about a webinar or training that a session is to use."""

    product: LocationKind
    key: str
    subject: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str | None = None
    # GoTo's own cap on registrations (webinars), if it has one.
    registration_limit: int | None = None
    cancelled: bool = False


class GoToEvents(Protocol):
    """The GoTo questions that scheduling a session asks, on the location's linked account."""

    async def check_event(self, location: Location, key: str) -> EventFacts:
        """The event with that key on the location's account.

        Raises EventRejected: NOT_FOUND, OTHER_PRODUCT (the key is the other product's),
        CANCELLED, NEEDS_RELINK (the connection lapsed) or UNAVAILABLE (GoTo did not answer).
        Returning facts of the other product is also taken as OTHER_PRODUCT.
        """
        ...

    async def upcoming_events(self, location: Location, query: str) -> list[EventFacts]:
        """The account's upcoming webinars (or trainings) matching `query`, soonest first.

        Words match the subject; digits also match the key. A blank query lists them all.
        Raises EventRejected: NEEDS_RELINK or UNAVAILABLE.
        """
        ...

    async def create_event(
        self,
        location: Location,
        *,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
    ) -> EventFacts:
        """Create a webinar (or training) on the location's account, sent once.

        Raises EventRejected: NOT_CREATED (GoTo refused, e.g. a bad time), OUTCOME_UNKNOWN (no
        answer came: it may exist now), NEEDS_RELINK or UNAVAILABLE (nothing was created).
        """
        ...


@dataclass(frozen=True)
class Registrant:
    """Someone GoTo registered on an event: the key and the link to join it."""

    key: str
    join_url: str | None
    # GoTo already had them (it answered 409 and the registration was looked up).
    already: bool = False


class GoToRegistrar(Protocol):
    """Registering people on a session's webinar or training, on the location's linked account."""

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
        """Register one person (an earlier registration counts: `already`).

        Raises RegistrationRejected: FULL, NEEDS_FIELDS (with the fields), NOT_PUBLISHED,
        UNAVAILABLE, NEEDS_RELINK or REFUSED.
        """
        ...

    async def unregister(
        self, location: Location, product: LocationKind, event_key: str, registrant_key: str
    ) -> None:
        """Cancel a registration; one GoTo no longer has is fine.

        Raises RegistrationRejected: UNAVAILABLE, NEEDS_RELINK or REFUSED.
        """
        ...


@dataclass(frozen=True)
class GoToAttendance:
    """What GoTo's reports say of a session: its ended GoTo sessions in the session's time."""

    # GoTo's sessions (their keys) that fall in the session's time; none: not reported yet.
    session_keys: tuple[str, ...] = ()
    # Every attendance record of those sessions, all pages.
    attendees: tuple[Attendee, ...] = ()
    # The polls launched in each of those sessions (normalised question text); webinars only.
    polls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # GoTo requests this read cost, for the run's summary.
    requests: int = 0

    @property
    def reported(self) -> bool:
        """Whether GoTo reports any ended session in the session's time yet."""
        return bool(self.session_keys)

    @property
    def polls_total(self) -> int:
        """Polls launched across the session's GoTo sessions."""
        return sum(len(questions) for questions in self.polls.values())


class GoToReports(Protocol):
    """Reading what happened in a session's webinar or training, on the location's account."""

    async def attendance(
        self, location: Location, session: Session, *, with_polls: bool
    ) -> GoToAttendance:
        """GoTo's ended sessions of the session's event in its time, with every attendee.

        `with_polls`: also read the polls launched in each (GoToWebinar; one request each).
        Raises AttendanceUnavailable: UNAVAILABLE, NEEDS_RELINK or REFUSED.
        """
        ...

    async def polls_answered(
        self,
        location: Location,
        session: Session,
        attendance: GoToAttendance,
        records: Sequence[Attendee],
    ) -> int:
        """How many of the session's polls one attendee answered, over their records.

        One request per record (a webinar attendee's answers in one GoTo session).
        Raises AttendanceUnavailable.
        """
        ...


@dataclass(frozen=True)
class RefreshedTokens:
    """What GoTo handed out on a refresh; the refresh token is the one sent when none came."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    connection_expires_at: datetime | None


@dataclass(frozen=True)
class RefreshRefused:
    """GoTo refused the refresh (revoked, consent withdrawn, app secret changed): only a re-link
    cures it. `reason` is GoTo's, safe to show."""

    reason: str


@dataclass(frozen=True)
class RefreshPostponed:
    """GoTo did not answer or limited the rate: the refresh is tried again on a later run."""

    reason: str


class TokenRefresher(Protocol):
    """Refreshes a linked location's tokens with GoTo (its stored, encrypted ones)."""

    async def refresh(
        self, location: Location
    ) -> RefreshedTokens | RefreshRefused | RefreshPostponed:
        """Send the location's refresh token once; never raises for a GoTo answer."""
        ...
