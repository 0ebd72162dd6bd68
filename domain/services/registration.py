"""Register people on sessions and unregister them, with GoTo asked outside any transaction.

Registering runs in three steps, like linking a location: one short transaction claims a seat (the
session is visible, scheduled, not started and not full; on PostgreSQL the session row is locked
so two registrations cannot both take the last seat) and stores a PENDING enrollment; GoTo is then
asked with no transaction open; a second short transaction stores what GoTo answered. When GoTo
does not answer, limits the rate or the location's connection lapsed, the PENDING enrollment stays
and `retry_pending` (a job) tries again with back-off until the session starts: a registration is
never lost, and GoTo's 409 (already registered) makes a repeat harmless.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.connection_rules import is_paused
from domain.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    RegistrationProblem,
    RegistrationRejected,
)
from domain.limits import EMAIL_MAX, PERSON_NAME_MAX
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Membership,
    Role,
    Session,
    SessionStatus,
    Team,
)
from domain.ports import GoToRegistrar, Registrant, SlackUser, UnitOfWork
from domain.services import session_alerts, sessions
from domain.services.notices import enqueue_notice
from domain.services.session_rows import SEATED

UnitsOfWork = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
"""Opens one unit of work (one transaction) per call."""

# Back-off of queued registrations: wait half the time already spent, within these bounds.
RETRY_MIN = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=15)
# Queued registrations one job run takes on, and how many of them GoTo is asked about at once.
RETRY_BATCH = 100
RETRY_CONCURRENCY = 10


class Outcome(StrEnum):
    """How one registration ended (for now)."""

    REGISTERED = "registered"
    ALREADY = "already"  # registered before (or queued before)
    QUEUED = "queued"  # stored; GoTo is asked again by a job
    FULL = "full"
    NEEDS_FIELDS = "needs_fields"
    FAILED = "failed"


@dataclass(frozen=True)
class Registration:
    """What happened to one person's registration.

    `message` speaks to the person registering themselves; `reason` says why, for a line about
    them in an admin's list ("all 12 places taken"), when it did not simply work.
    """

    outcome: Outcome
    user_id: str
    message: str
    reason: str = ""
    join_url: str | None = None


@dataclass(frozen=True)
class Person:
    """Who is registered, as GoTo needs them: a name and an email address from Slack."""

    user_id: str
    name: str
    first_name: str
    last_name: str
    email: str


def person_of(user: SlackUser) -> Person | None:
    """The person GoTo can register, or None when Slack has no email address for them."""
    email = (user.email or "").strip()
    if not email or len(email) > EMAIL_MAX:
        return None
    full = (user.real_name or user.name or email.split("@")[0]).strip()
    words = full.split()
    first = (user.first_name or (words[0] if words else "")).strip() or email.split("@")[0]
    last = (user.last_name or (" ".join(words[1:]) if len(words) > 1 else "")).strip() or "-"
    return Person(
        user_id=user.id,
        name=full[:PERSON_NAME_MAX],
        first_name=first[:128],
        last_name=last[:128],
        email=email,
    )


NO_EMAIL = (
    "Slack has no email address for you, and GoTo registers people by email. Add one to your "
    "Slack profile (or ask a Slack admin to), then register again. Nothing was stored."
)


@dataclass(frozen=True)
class _Claim:
    """A seat taken by a PENDING enrollment: what the call to GoTo and the answer need."""

    enrollment_id: int
    workspace_id: str
    session_id: int
    person: Person
    title: str
    location: Location
    product: LocationKind
    event_key: str
    owner_team_id: int
    # Set when an admin registered the person (Register people): who, the session's time (a
    # `<!date>` token) and when the seat was claimed, for the DM that tells the person.
    registered_by: str | None = None
    when: str = ""
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class _Facts:
    session: Session
    element: LearningElement
    location: Location


async def register_self(
    units: UnitsOfWork,
    actor: Actor,
    session_id: int,
    user: SlackUser | None,
    *,
    goto: GoToRegistrar,
    now: datetime,
) -> Registration:
    """Register the actor on a session they may see (rule 6), reading name and email from Slack.

    Raises NotFound (no such session for them) and InvalidInput (no email, cancelled, started).
    """
    person = person_of(user) if user is not None else None
    if person is None:
        raise InvalidInput(NO_EMAIL)
    async with units() as uow:
        await sessions.describe(uow, actor, session_id)
        claimed = await _claim(uow, actor.workspace_id, session_id, person, now=now)
        await uow.commit()
    if isinstance(claimed, Registration):
        return claimed
    return await _ask_goto(units, claimed, goto=goto, now=now, queued_before=False)


@dataclass(frozen=True)
class ManagedSession:
    """A session an admin registers people for: its number, title and start."""

    session_id: int
    title: str
    starts_at: datetime


async def managed_session(uow: UnitOfWork, actor: Actor, session_id: int, *, now: datetime) -> str:
    """The title of a session whose element the actor's team owns (its admins register others),
    still open for registration.

    Raises NotFound, NotAllowed or InvalidInput (cancelled, started).
    """
    return (await managed(uow, actor, session_id, now=now)).title


async def managed(
    uow: UnitOfWork, actor: Actor, session_id: int, *, now: datetime
) -> ManagedSession:
    """`managed_session` with the session's number and start, for messages naming it."""
    facts = await _facts(uow, actor.workspace_id, session_id)
    if facts is None:
        raise NotFound("There is no such session.")
    team = await uow.session.get(Team, facts.element.owner_team_id)
    if not actor.is_admin_of(facts.element.owner_team_id):
        owner = mrkdwn.bold(team.name) if team is not None else "its team"
        raise NotAllowed(f"Only admins of team {owner} register people for this session.")
    session = facts.session
    title = _title(facts, session_id)
    if session.status != SessionStatus.SCHEDULED:
        raise InvalidInput(f"{title} was cancelled.")
    if session.starts_at <= now:
        raise InvalidInput(f"{title} has already started; registration is closed.")
    return ManagedSession(session_id, facts.element.title, session.starts_at)


async def register_other(
    units: UnitsOfWork,
    actor: Actor,
    session_id: int,
    user_id: str,
    user: SlackUser | None,
    *,
    goto: GoToRegistrar,
    now: datetime,
) -> Registration:
    """An owner-team admin registers someone (any person of the workspace).

    Never raises for the person's own trouble (no email, a bot, the session full): the
    Registration says it. The caller checks `managed_session` once for the whole batch.
    """
    if user is None or user.deleted:
        return _line(user_id, Outcome.FAILED, "not a member of this Slack workspace")
    if user.is_bot:
        return _line(user_id, Outcome.FAILED, "a bot")
    person = person_of(user)
    if person is None:
        return _line(user_id, Outcome.FAILED, "no email address in Slack")
    try:
        async with units() as uow:
            claimed = await _claim(
                uow, actor.workspace_id, session_id, person, now=now, by=actor.user_id
            )
            await uow.commit()
    except (InvalidInput, NotFound) as exc:
        return _line(user_id, Outcome.FAILED, exc.message)
    if isinstance(claimed, Registration):
        return claimed
    return await _ask_goto(units, claimed, goto=goto, now=now, queued_before=False)


def _line(user_id: str, outcome: Outcome, reason: str) -> Registration:
    return Registration(outcome, user_id, f"{mrkdwn.user(user_id)}: {reason}", reason)


async def unregister(
    units: UnitsOfWork, actor: Actor, session_id: int, *, goto: GoToRegistrar, now: datetime
) -> str:
    """Cancel the actor's registration for a future session (GoTo's registrant first).

    Frees the seat. A registrant GoTo no longer has is fine; GoTo not answering leaves the
    registration as it was and says so.
    """
    async with units() as uow:
        facts = await _facts(uow, actor.workspace_id, session_id)
        enrollment = None
        if facts is not None:
            enrollment = await _enrollment(uow, session_id, actor.user_id)
        await uow.commit()
    if facts is None:
        raise NotFound("There is no such session, or it is not open to your teams.")
    title = _title(facts, session_id)
    if enrollment is None or enrollment.status not in SEATED:
        raise InvalidInput(f"You are not registered for {title}.")
    if facts.session.starts_at <= now:
        raise InvalidInput(f"{title} has already started; registrations stay as they are.")
    key = enrollment.goto_registrant_key
    if key and facts.session.goto_event_key:
        try:
            await goto.unregister(
                facts.location, _product(facts), facts.session.goto_event_key, key
            )
        except RegistrationRejected as exc:
            again = " Try again in a few minutes." if exc.retryable else ""
            raise InvalidInput(
                f"GoTo did not cancel your registration ({_problem_text(exc, facts.location)}), so you are "
                f"still registered for {title}.{again}"
            ) from None
    async with units() as uow:
        await uow.session.execute(
            update(Enrollment)
            .where(col(Enrollment.id) == enrollment.id)
            .values(
                status=EnrollmentStatus.CANCELLED.value,
                goto_registrant_key=None,
                join_url=None,
                last_synced_at=now,
            )
        )
        await uow.commit()
    return f"You are no longer registered for {title}; your seat is free for someone else."


async def retry_pending(
    units: UnitsOfWork, *, goto: GoToRegistrar, now: datetime, batch: int = RETRY_BATCH
) -> list[Registration]:
    """Ask GoTo again for queued registrations that are due; tell each learner once when done.

    A queued registration whose session has started (or was cancelled) is dropped, and the
    learner told. Each one is claimed with a conditional update, so two runs (or replicas)
    never ask GoTo for the same one at once.
    """
    claims: list[_Claim] = []
    expired: list[tuple[Enrollment, str]] = []
    async with units() as uow:
        rows = await uow.session.execute(
            select(Enrollment, Session)
            .join(Session, col(Session.id) == col(Enrollment.session_id))
            .where(
                col(Enrollment.status) == EnrollmentStatus.PENDING.value,
                or_(
                    col(Enrollment.last_synced_at).is_(None),
                    col(Enrollment.last_synced_at) <= now - RETRY_MIN,
                ),
            )
            .order_by(col(Enrollment.id))
            .limit(batch)
        )
        for enrollment, session in rows.all():
            if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
                expired.append((enrollment, session.workspace_id))
                continue
            if not _due(enrollment, now):
                continue
            taken = await uow.session.execute(
                update(Enrollment)
                .where(
                    col(Enrollment.id) == enrollment.id,
                    col(Enrollment.status) == EnrollmentStatus.PENDING.value,
                    _same_attempt(enrollment.last_synced_at),
                )
                .values(last_synced_at=now)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            claim = await _claim_of(uow, enrollment, session)
            if claim is not None:
                claims.append(claim)
        for enrollment, workspace_id in expired:
            await _drop_expired(uow, enrollment, workspace_id, now=now)
        await uow.commit()
    desk = OutageBreaker(goto)
    gate = asyncio.Semaphore(RETRY_CONCURRENCY)

    async def ask(claim: _Claim) -> Registration:
        async with gate:
            return await _ask_goto(units, claim, goto=desk, now=now, queued_before=True)

    return list(await asyncio.gather(*(ask(claim) for claim in claims)))


class OutageBreaker:
    """A GoToRegistrar for one batch that stops asking GoTo at a location once it failed there
    for a reason a later retry may fix (GoTo down or limiting the rate, a lapsed connection).

    The rest of the batch at that location is refused the same way at once, so it is queued in
    moments instead of each person waiting out the client's retries.
    """

    def __init__(self, goto: GoToRegistrar) -> None:
        self._goto = goto
        self._tripped: dict[int | None, RegistrationRejected] = {}

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
        """Register, unless GoTo already failed at this location in this batch."""
        tripped = self._tripped.get(location.id)
        if tripped is not None:
            raise RegistrationRejected(tripped.problem, tripped.message, tripped.fields)
        try:
            return await self._goto.register(
                location,
                product,
                event_key,
                first_name=first_name,
                last_name=last_name,
                email=email,
            )
        except RegistrationRejected as exc:
            if exc.problem in (RegistrationProblem.UNAVAILABLE, RegistrationProblem.NEEDS_RELINK):
                self._tripped.setdefault(location.id, exc)
            raise

    async def unregister(
        self, location: Location, product: LocationKind, event_key: str, registrant_key: str
    ) -> None:
        """Unregister (never held back)."""
        await self._goto.unregister(location, product, event_key, registrant_key)


def _due(enrollment: Enrollment, now: datetime) -> bool:
    last = enrollment.last_synced_at
    if last is None:
        return True
    waited = max(RETRY_MIN, min(RETRY_MAX, (last - enrollment.created_at) / 2))
    return now - last >= waited


def _same_attempt(last: datetime | None) -> ColumnElement[bool]:
    column = col(Enrollment.last_synced_at)
    return column.is_(None) if last is None else column == last


async def _drop_expired(
    uow: UnitOfWork, enrollment: Enrollment, workspace_id: str, *, now: datetime
) -> None:
    facts = await _facts(uow, workspace_id, enrollment.session_id)
    title = _title(facts, enrollment.session_id) if facts is not None else "a session"
    why = "GoTo did not take the registration in time"
    if facts is not None and is_paused(
        expires_at=facts.location.connection_expires_at,
        error=facts.location.connection_error,
        now=now,
    ):
        why = (
            f"the GoTo connection of {mrkdwn.bold(facts.location.name)} lapsed or failed, and "
            "was not re-linked in time"
        )
    await uow.session.execute(delete(Enrollment).where(col(Enrollment.id) == enrollment.id))
    await enqueue_notice(
        uow,
        workspace_id=workspace_id,
        kind="registration_dropped",
        channel=enrollment.user_id,
        text=(
            f":warning: I could not register you for {title} before it started: {why}. "
            "Ask the session's team if you still need a place."
        ),
        dedupe_key=f"registration_dropped:{enrollment.id}",
    )


async def _claim(
    uow: UnitOfWork,
    workspace_id: str,
    session_id: int,
    person: Person,
    *,
    now: datetime,
    by: str | None = None,
) -> _Claim | Registration:
    """Take a seat with a PENDING enrollment, or say why not (already there, full).

    `by` is the admin registering the person (Register people): the person is told by DM who
    registered them once the seat is theirs.
    """
    facts = await _facts(uow, workspace_id, session_id, lock=True)
    if facts is None:
        raise NotFound("There is no such session, or it is not open to your teams.")
    session, location = facts.session, facts.location
    title = _title(facts, session_id)
    if session.status != SessionStatus.SCHEDULED:
        raise InvalidInput(f"{title} was cancelled.")
    if session.ends_at <= now:
        raise InvalidInput(f"{title} is over.")
    if session.starts_at <= now:
        raise InvalidInput(f"{title} has already started; registration is closed.")
    if person.user_id == session.instructor_id:
        return Registration(
            Outcome.FAILED,
            person.user_id,
            f"You teach {title}; you cannot register as a learner in a session you teach.",
            "teaches this session",
        )
    enrollment = await _enrollment(uow, session_id, person.user_id)
    if enrollment is not None and enrollment.status in SEATED:
        return _already(enrollment, title)
    seated = (
        await uow.session.execute(
            select(func.count())
            .select_from(Enrollment)
            .where(
                col(Enrollment.session_id) == session_id,
                col(Enrollment.status).in_([s.value for s in SEATED]),
            )
        )
    ).scalar_one()
    limits = [n for n in (session.max_learners, location.max_learners) if n is not None]
    if limits and int(seated) >= min(limits):
        places = f"{min(limits)} place{'s' if min(limits) != 1 else ''}"
        return Registration(
            Outcome.FULL,
            person.user_id,
            f"{title} is full ({places}); you are not registered.",
            f"all {places} taken",
        )
    goto_event = session.goto_event_key if location.kind.is_goto else None
    status = EnrollmentStatus.PENDING if goto_event else EnrollmentStatus.REGISTERED
    if enrollment is None:
        enrollment = Enrollment(
            workspace_id=workspace_id, session_id=session_id, user_id=person.user_id
        )
        uow.session.add(enrollment)
    enrollment.name = person.name
    enrollment.email = person.email
    enrollment.status = status
    enrollment.goto_registrant_key = None
    enrollment.join_url = None
    enrollment.last_synced_at = None
    enrollment.created_at = now
    await uow.session.flush()
    assert enrollment.id is not None
    if goto_event is None:
        await session_alerts.session_full(uow, session_id)
        where = mrkdwn.bold(location.name)
        if by is not None:
            await _tell_registered_by(
                uow,
                workspace_id=workspace_id,
                session_id=session_id,
                user_id=person.user_id,
                text=f"{_registered_by_text(by, title, _when(session))} at {where}.",
                claimed_at=now,
            )
        return Registration(
            Outcome.REGISTERED,
            person.user_id,
            f":white_check_mark: You are registered for {title} at {where}.",
        )
    return _Claim(
        enrollment_id=enrollment.id,
        workspace_id=workspace_id,
        session_id=session_id,
        person=person,
        title=title,
        location=location,
        product=_product(facts),
        event_key=goto_event,
        owner_team_id=facts.element.owner_team_id,
        registered_by=by,
        when=_when(session),
        claimed_at=now,
    )


async def _tell_registered_by(
    uow: UnitOfWork,
    *,
    workspace_id: str,
    session_id: int,
    user_id: str,
    text: str,
    claimed_at: datetime,
) -> None:
    """DM a person an admin registered, once per session, person and registration."""
    await enqueue_notice(
        uow,
        workspace_id=workspace_id,
        kind="registration_by_admin",
        channel=user_id,
        text=text,
        dedupe_key=f"registration_by_admin:{session_id}:{user_id}:{int(claimed_at.timestamp())}",
    )


def _registered_by_text(by: str, title: str, when: str) -> str:
    return f":white_check_mark: {mrkdwn.user(by)} registered you for {title}, {when}"


def _when(session: Session) -> str:
    return mrkdwn.date(session.starts_at, "{date_long_pretty} {time}")


async def _claim_of(uow: UnitOfWork, enrollment: Enrollment, session: Session) -> _Claim | None:
    """A queued enrollment as a claim, for the retry job."""
    facts = await _facts(uow, session.workspace_id, session.id or 0)
    if facts is None or not session.goto_event_key or enrollment.id is None:
        return None
    person = Person(
        user_id=enrollment.user_id,
        name=enrollment.name,
        first_name=_first(enrollment.name, enrollment.email or ""),
        last_name=_last(enrollment.name),
        email=enrollment.email or "",
    )
    return _Claim(
        enrollment_id=enrollment.id,
        workspace_id=session.workspace_id,
        session_id=enrollment.session_id,
        person=person,
        title=_title(facts, enrollment.session_id),
        location=facts.location,
        product=_product(facts),
        event_key=session.goto_event_key,
        owner_team_id=facts.element.owner_team_id,
    )


def _first(name: str, email: str) -> str:
    words = name.split()
    return words[0] if words else email.split("@")[0]


def _last(name: str) -> str:
    words = name.split()
    return " ".join(words[1:]) if len(words) > 1 else "-"


async def _ask_goto(
    units: UnitsOfWork, claim: _Claim, *, goto: GoToRegistrar, now: datetime, queued_before: bool
) -> Registration:
    """GoTo's registration of a claimed seat, with no transaction open, then its answer stored."""
    person = claim.person
    try:
        registrant = await goto.register(
            claim.location,
            claim.product,
            claim.event_key,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
        )
    except RegistrationRejected as exc:
        async with units() as uow:
            refused = await _refused(uow, claim, exc, now=now, queued_before=queued_before)
            await uow.commit()
        return refused
    async with units() as uow:
        result = await _registered(uow, claim, registrant, now=now, queued_before=queued_before)
        await uow.commit()
    if result is None:
        # Unregistered while GoTo was asked: GoTo's registration is not wanted any more. When
        # GoTo does not answer this either, its registrant stays, with no seat held here.
        with suppress(RegistrationRejected):
            await goto.unregister(claim.location, claim.product, claim.event_key, registrant.key)
        return Registration(
            Outcome.FAILED,
            person.user_id,
            f"Your registration for {claim.title} was cancelled while GoTo was asked.",
            "cancelled while GoTo was asked",
        )
    return result


async def _registered(
    uow: UnitOfWork, claim: _Claim, registrant: Registrant, *, now: datetime, queued_before: bool
) -> Registration | None:
    """Store GoTo's registrant; DM the join link when GoTo does not email it (or when queued).

    None when the enrollment is no longer pending (unregistered meanwhile).
    """
    stored = await uow.session.execute(
        update(Enrollment)
        .where(
            col(Enrollment.id) == claim.enrollment_id,
            col(Enrollment.status) == EnrollmentStatus.PENDING.value,
        )
        .values(
            status=EnrollmentStatus.REGISTERED.value,
            goto_registrant_key=registrant.key,
            join_url=registrant.join_url,
            last_synced_at=now,
        )
    )
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await session_alerts.session_full(uow, claim.session_id)
    emails = claim.location.goto_notifications
    link = _join_link(registrant.join_url)
    if claim.registered_by is not None and claim.claimed_at is not None:
        told_how = (
            f"GoTo emails the join link to {mrkdwn.escape(claim.person.email)}."
            if emails
            else f"Join it here: {link}"
        )
        await _tell_registered_by(
            uow,
            workspace_id=claim.workspace_id,
            session_id=claim.session_id,
            user_id=claim.person.user_id,
            text=f"{_registered_by_text(claim.registered_by, claim.title, claim.when)}. {told_how}",
            claimed_at=claim.claimed_at,
        )
    elif not emails and registrant.join_url:
        await enqueue_notice(
            uow,
            workspace_id=claim.workspace_id,
            kind="registration_join_link",
            channel=claim.person.user_id,
            text=f":white_check_mark: You are registered for {claim.title}. Join it here: {link}",
            dedupe_key=f"registration_join_link:{claim.enrollment_id}:{registrant.key}",
        )
    elif queued_before:
        await enqueue_notice(
            uow,
            workspace_id=claim.workspace_id,
            kind="registration_done",
            channel=claim.person.user_id,
            text=(
                f":white_check_mark: You are registered for {claim.title} now. GoTo emails the "
                f"join link to {mrkdwn.escape(claim.person.email)}."
            ),
            dedupe_key=f"registration_done:{claim.enrollment_id}:{registrant.key}",
        )
    if emails:
        told = f"GoTo emails the join link to {mrkdwn.escape(claim.person.email)}"
    else:
        told = "I sent you the join link in a direct message"
    message = f":white_check_mark: You are registered for {claim.title}. {told}."
    if registrant.already:
        message = f"You are already registered for {claim.title}. Join it here: {link}"
    return Registration(
        Outcome.ALREADY if registrant.already else Outcome.REGISTERED,
        claim.person.user_id,
        message,
        "",
        registrant.join_url,
    )


async def _refused(
    uow: UnitOfWork,
    claim: _Claim,
    exc: RegistrationRejected,
    *,
    now: datetime,
    queued_before: bool,
) -> Registration:
    """GoTo did not register: keep the claim to try again later, or give the seat back."""
    user_id = claim.person.user_id
    if exc.retryable:
        await uow.session.execute(
            update(Enrollment)
            .where(col(Enrollment.id) == claim.enrollment_id)
            .values(last_synced_at=now)
        )
        why = _problem_text(exc, claim.location)
        return Registration(
            Outcome.QUEUED,
            user_id,
            f":hourglass_flowing_sand: Your registration for {claim.title} is queued: {why}. "
            "I will try again and tell you here when you are registered.",
            why,
        )
    await uow.session.execute(delete(Enrollment).where(col(Enrollment.id) == claim.enrollment_id))
    if exc.problem is RegistrationProblem.FULL:
        await session_alerts.session_full(uow, claim.session_id, full_on_goto=True)
        outcome, reason = Outcome.FULL, "GoTo's registration limit is reached"
        message = f"{claim.title} is full on GoTo; you are not registered."
    elif exc.problem is RegistrationProblem.NEEDS_FIELDS:
        await _alert_admins_of_fields(uow, claim, exc.fields)
        fields = ", ".join(mrkdwn.escape(f) for f in exc.fields) or "fields GoTo did not name"
        outcome = Outcome.NEEDS_FIELDS
        reason = f"GoTo's registration form requires more than name and email: {fields}"
        message = (
            f"I could not register you for {claim.title}: its GoTo registration form requires "
            f"more than your name and email ({fields}). The session's admins have been told; "
            "you are not registered."
        )
    else:
        outcome, reason = (
            Outcome.FAILED,
            f"GoTo refused the registration ({_problem_text(exc, claim.location)})",
        )
        message = f"I could not register you for {claim.title}: {reason}. You are not registered."
    if queued_before:
        await enqueue_notice(
            uow,
            workspace_id=claim.workspace_id,
            kind="registration_failed",
            channel=user_id,
            text=f":warning: {message}",
            dedupe_key=f"registration_failed:{claim.enrollment_id}",
        )
    return Registration(outcome, user_id, message, reason)


async def _alert_admins_of_fields(uow: UnitOfWork, claim: _Claim, fields: tuple[str, ...]) -> None:
    """Tell each admin of the session's team which fields GoTo requires, once per field set."""
    admins = await uow.session.execute(
        select(Membership.user_id).where(
            col(Membership.team_id) == claim.owner_team_id,
            col(Membership.role) == Role.ADMIN.value,
        )
    )
    listed = ", ".join(mrkdwn.bold(f) for f in fields) or "fields GoTo did not name"
    digest = hashlib.sha256("\n".join(sorted(fields)).encode()).hexdigest()[:16]
    noun = "webinar" if claim.product is LocationKind.GOTOWEBINAR else "training"
    for (admin_id,) in admins.all():
        await enqueue_notice(
            uow,
            workspace_id=claim.workspace_id,
            kind="registration_fields",
            channel=admin_id,
            text=(
                f":warning: Learners cannot register for {claim.title}: the GoTo {noun} "
                f"{mrkdwn.code(claim.event_key)} requires registration fields viltbot does not "
                f"ask for: {listed}. Make them optional on GoTo (or remove them), then learners "
                "can register from Slack."
            ),
            dedupe_key=f"registration_fields:{claim.session_id}:{digest}:{admin_id}",
        )


def _already(enrollment: Enrollment, title: str) -> Registration:
    if enrollment.status == EnrollmentStatus.PENDING:
        return Registration(
            Outcome.ALREADY,
            enrollment.user_id,
            f"Your registration for {title} is queued already; I will tell you here when "
            "GoTo has it.",
            "queued already",
        )
    link = f" Join it here: {_join_link(enrollment.join_url)}" if enrollment.join_url else ""
    return Registration(
        Outcome.ALREADY,
        enrollment.user_id,
        f"You are already registered for {title}.{link}",
        "",
        enrollment.join_url,
    )


def _join_link(url: str | None) -> str:
    return mrkdwn.link(url, "join link") if url else "(GoTo has not published the link yet)"


def _problem_text(exc: RegistrationRejected, location: Location | None = None) -> str:
    if exc.problem is RegistrationProblem.NEEDS_RELINK and location is not None:
        # Who can cure it, and how: the learner passes it on.
        return (
            f"the GoTo connection of {mrkdwn.bold(location.name)} lapsed or failed; an admin of "
            "the team that owns the location can re-link it with "
            f"{mrkdwn.code('/vilt location link ' + location.name)}"
        )
    return {
        RegistrationProblem.UNAVAILABLE: "GoTo is not answering right now",
        RegistrationProblem.NEEDS_RELINK: "the location's GoTo connection needs to be renewed "
        "by its admins",
        RegistrationProblem.NOT_PUBLISHED: "GoTo has the registration but has not published "
        "its join link yet",
        RegistrationProblem.FULL: "the event is full",
        RegistrationProblem.NEEDS_FIELDS: "its form requires more fields",
    }.get(exc.problem, mrkdwn.escape(exc.message[:200]))


async def _facts(
    uow: UnitOfWork, workspace_id: str, session_id: int, *, lock: bool = False
) -> _Facts | None:
    query = select(Session).where(
        col(Session.id) == session_id, col(Session.workspace_id) == workspace_id
    )
    if lock:
        # Writing the row first serialises registrations of one session until commit: it locks
        # the row on PostgreSQL, and on SQLite it starts the write transaction before the seats
        # are counted (a plain read would not wait for another registration's commit).
        await uow.session.execute(
            update(Session)
            .where(col(Session.id) == session_id, col(Session.workspace_id) == workspace_id)
            .values(workspace_id=col(Session.workspace_id))
        )
    session = (await uow.session.execute(query)).scalar_one_or_none()
    if session is None:
        return None
    element = await uow.session.get(LearningElement, session.element_id)
    location = await uow.session.get(Location, session.location_id)
    if element is None or location is None:
        return None
    return _Facts(session, element, location)


async def _enrollment(uow: UnitOfWork, session_id: int, user_id: str) -> Enrollment | None:
    found = await uow.session.execute(
        select(Enrollment).where(
            col(Enrollment.session_id) == session_id, col(Enrollment.user_id) == user_id
        )
    )
    return found.scalar_one_or_none()


def _title(facts: _Facts, session_id: int) -> str:
    return f"{mrkdwn.bold(facts.element.title)} (session `#{session_id}`)"


def _product(facts: _Facts) -> LocationKind:
    return facts.session.goto_product or facts.location.kind
