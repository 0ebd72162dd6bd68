"""Link a location to a GoTo account by OAuth, with single-use, expiring state."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select, update

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import InvalidInput, LinkFailed
from domain.models import LinkRequest, Location, LocationKind, Session, Team
from domain.ports import GoToLinker, LinkedAccount, SecretSealer, UnitOfWork
from domain.rules import ConnectionState, connection_status
from domain.services.connections import depends_on_connection
from domain.services.locations import editable_location
from domain.services.notices import enqueue_notice

LINK_STATE_TTL = timedelta(minutes=10)


def state_hash(state: str) -> str:
    """States are stored hashed, so a database reader cannot replay them."""
    return hashlib.sha256(state.encode()).hexdigest()


async def start_link(
    uow: UnitOfWork,
    actor: Actor,
    location_id: int,
    *,
    now: datetime,
    replace_account: bool = False,
) -> str:
    """Create a single-use state for linking; only admins of the owner team may link.

    With `replace_account` the admin has confirmed that another GoTo account may replace the
    current one even while sessions depend on it."""
    location = await editable_location(uow, actor, location_id)
    if not location.kind.is_goto:
        raise InvalidInput(
            f"{mrkdwn.bold(location.name)} is a classroom; only GoTo locations are linked."
        )
    if not location.consumer_key or not location.consumer_secret_enc:
        raise InvalidInput(
            f"{mrkdwn.bold(location.name)} needs its consumer key and secret before linking: "
            f"{mrkdwn.code('/vilt location edit ' + location.name)}."
        )
    state = secrets.token_urlsafe(32)
    uow.session.add(
        LinkRequest(
            state_hash=state_hash(state),
            workspace_id=actor.workspace_id,
            location_id=location_id,
            user_id=actor.user_id,
            expires_at=now + LINK_STATE_TTL,
            replace_account=replace_account,
        )
    )
    await uow.session.flush()
    return state


async def remember_message(
    uow: UnitOfWork,
    state: str,
    *,
    channel: str | None = None,
    ts: str | None = None,
    response_url: str | None = None,
) -> None:
    """Note which Slack message carries the link button, to update it after linking."""
    await uow.session.execute(
        update(LinkRequest)
        .where(col(LinkRequest.state_hash) == state_hash(state))
        .values(message_channel=channel, message_ts=ts, response_url=response_url)
    )


async def remember_view(uow: UnitOfWork, state: str, *, view_id: str, view_hash: str) -> None:
    """Note the open modal that started the link, to show its new status after linking."""
    await uow.session.execute(
        update(LinkRequest)
        .where(col(LinkRequest.state_hash) == state_hash(state))
        .values(view_id=view_id, view_hash=view_hash)
    )


async def pending_request(uow: UnitOfWork, state: str, *, now: datetime) -> LinkRequest:
    """The unused, unexpired link request for a state, or LinkFailed saying why not."""
    if not state or len(state) > 200:
        raise LinkFailed("state_invalid", _STATE_INVALID)
    request = (
        await uow.session.execute(
            select(LinkRequest).where(LinkRequest.state_hash == state_hash(state))
        )
    ).scalar_one_or_none()
    if request is None:
        raise LinkFailed("state_invalid", _STATE_INVALID)
    if request.used_at is not None:
        location = await _location_of(uow, request)
        raise LinkFailed("state_used", f"This link was already used. {start_again(location.name)}")
    if request.expires_at <= now:
        location = await _location_of(uow, request)
        raise LinkFailed(
            "state_expired",
            f"This link expired (links last {ttl_text()}). {start_again(location.name)}",
        )
    return request


def ttl_text(ttl: timedelta | None = None) -> str:
    """How long a link lasts (LINK_STATE_TTL unless given), in words: "10 minutes"."""
    minutes = max(1, round((ttl or LINK_STATE_TTL).total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def start_again(location_name: str) -> str:
    """How to get a fresh link for a location."""
    return (
        f"Start a new link from Slack with {mrkdwn.code(f'/vilt location link {location_name}')}."
    )


async def authorize_redirect(
    uow: UnitOfWork, state: str, *, linker: GoToLinker, redirect_uri: str, now: datetime
) -> str:
    """The GoTo consent URL for a pending link request."""
    request = await pending_request(uow, state, now=now)
    location = await _location_of(uow, request)
    assert location.consumer_key is not None
    return linker.authorize_url(
        consumer_key=location.consumer_key, redirect_uri=redirect_uri, state=state
    )


@dataclass(frozen=True)
class LinkClaim:
    """A link request taken for one callback: what the exchange with GoTo needs, and no more."""

    request_id: int
    workspace_id: str
    location_id: int
    location_name: str
    consumer_key: str
    consumer_secret_enc: str


@dataclass(frozen=True)
class LinkResult:
    """A completed link, with what Slack should be told."""

    location: Location
    request: LinkRequest
    other_location: str | None = None
    announced: bool = True


UnitsOfWork = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
"""Opens one unit of work (one transaction) per call."""


async def complete_link(
    units: UnitsOfWork,
    *,
    state: str,
    code: str | None,
    error: str | None,
    linker: GoToLinker,
    sealer: SecretSealer,
    redirect_uri: str,
    now: datetime,
) -> LinkResult:
    """Finish the OAuth dance in three steps, none holding a transaction while GoTo is asked.

    The state is claimed (used up) in one short transaction, the code is exchanged with no
    transaction open, and the connection is stored in another. A failure after the claim leaves
    the location as it was and the link used up: the admin starts a new one from Slack.
    """
    async with units() as uow:
        claim = await claim_link(uow, state=state, code=code, error=error, now=now)
        await uow.commit()
    try:
        account = await exchange_code(
            claim, code=code or "", linker=linker, sealer=sealer, redirect_uri=redirect_uri
        )
        async with units() as uow:
            result = await store_link(uow, claim, account, sealer=sealer, now=now)
            await uow.commit()
    except LinkFailed as exc:
        exc.request_id = claim.request_id
        raise
    return result


async def claim_link(
    uow: UnitOfWork, *, state: str, code: str | None, error: str | None, now: datetime
) -> LinkClaim:
    """Check the callback and use up its state, so that no other callback can use it."""
    request = await pending_request(uow, state, now=now)
    location = await _location_of(uow, request)
    if error:
        if error == "access_denied":
            raise LinkFailed(
                "denied",
                "You did not allow viltbot to use your GoTo account, so "
                f"{mrkdwn.bold(location.name)} is not linked. To link it after all, click the "
                f"Link button in Slack again (it works for {ttl_text()} after it was sent) or "
                f"{_lower_first(start_again(location.name))}",
            )
        raise LinkFailed(
            "goto_error",
            f"GoTo refused the link ({mrkdwn.escape(error[:60])}). Nothing was changed.",
        )
    if not code:
        raise LinkFailed("state_invalid", _STATE_INVALID)
    if not location.consumer_key or not location.consumer_secret_enc:
        raise LinkFailed(
            "invalid_client",
            f"{mrkdwn.bold(location.name)} has no consumer key and secret any more. Add them with "
            f"{mrkdwn.code('/vilt location edit ' + location.name)}, then {_lower_first(start_again(location.name))}",
        )
    # Claim with a conditional update so two concurrent callbacks cannot both go on.
    claimed = await uow.session.execute(
        update(LinkRequest)
        .where(col(LinkRequest.id) == request.id, col(LinkRequest.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkFailed("state_used", f"This link was already used. {start_again(location.name)}")
    assert request.id is not None and location.id is not None
    return LinkClaim(
        request_id=request.id,
        workspace_id=request.workspace_id,
        location_id=location.id,
        location_name=location.name,
        consumer_key=location.consumer_key,
        consumer_secret_enc=location.consumer_secret_enc,
    )


async def exchange_code(
    claim: LinkClaim, *, code: str, linker: GoToLinker, sealer: SecretSealer, redirect_uri: str
) -> LinkedAccount:
    """Ask GoTo for the account behind the code; a refusal says how to start again."""
    try:
        return await linker.exchange_code(
            consumer_key=claim.consumer_key,
            consumer_secret=sealer.decrypt(claim.consumer_secret_enc),
            code=code,
            redirect_uri=redirect_uri,
        )
    except LinkFailed as exc:
        name = claim.location_name
        recovery = start_again(name)
        if exc.reason == "invalid_client":
            recovery = (
                f"Check them with {mrkdwn.code(f'/vilt location edit {name}')}, then "
                f"{_lower_first(recovery)}"
            )
        raise LinkFailed(exc.reason, f"{exc.message} {recovery}") from exc


async def store_link(
    uow: UnitOfWork,
    claim: LinkClaim,
    account: LinkedAccount,
    *,
    sealer: SecretSealer,
    now: datetime,
) -> LinkResult:
    """Store the connection GoTo confirmed, and tell the owner team when it is news to them.

    The team's channel is told when the location was not connected (never linked, lapsed or
    failed) or is now linked to another GoTo account; re-linking a connected location to the
    same account renews it quietly.
    """
    request = await uow.session.get(LinkRequest, claim.request_id)
    location = await uow.session.get(Location, claim.location_id)
    if request is None or location is None or location.workspace_id != claim.workspace_id:
        raise LinkFailed(
            "state_invalid", "The location of this link no longer exists. Nothing was changed."
        )
    if location.consumer_key != claim.consumer_key:
        raise LinkFailed(
            "state_invalid",
            f"The GoTo app of {mrkdwn.bold(location.name)} changed while you were signing in, so this "
            f"link was not stored. Nothing was changed. {start_again(location.name)}",
        )
    other = (
        await uow.session.execute(
            select(Location).where(
                Location.workspace_id == location.workspace_id,
                Location.goto_organizer_key == account.organizer_key,
                Location.id != location.id,
            )
        )
    ).scalar_one_or_none()
    if other is not None:
        raise LinkFailed(
            "account_taken",
            f"The GoTo account {mrkdwn.escape(account.email or account.organizer_key)} is already "
            f"linked to location {mrkdwn.bold(other.name)}. Each GoTo account links to one location; sign in with "
            f"another GoTo account. Nothing was changed. {start_again(location.name)}",
        )
    if (
        location.goto_organizer_key is not None
        and location.goto_organizer_key != account.organizer_key
        and not request.replace_account
    ):
        depending = await dependent_sessions(uow, location, now=now)
        if depending:
            current = mrkdwn.escape(location.goto_email or location.goto_organizer_key)
            plural = "s depend" if depending != 1 else " depends"
            command = mrkdwn.code(f"/vilt location link {location.name} replace")
            raise LinkFailed(
                "account_switch",
                f"{mrkdwn.bold(location.name)} is linked to the GoTo account {current}, and "
                f"{depending} session{plural} on it (ahead, or ended and still syncing). Sign in "
                f"with {current} to renew the connection, or replace the account anyway with "
                f"{command}: those sessions' GoTo events stay with {current}. Nothing was changed.",
            )
    before = connection_status(
        kind=LocationKind(location.kind),
        linked_email=location.goto_email,
        expires_at=location.connection_expires_at,
        error=location.connection_error,
        now=now,
    )
    announce = (
        before.state is not ConnectionState.CONNECTED
        or location.goto_organizer_key != account.organizer_key
    )
    location.goto_organizer_key = account.organizer_key
    location.goto_account_key = account.account_key
    location.goto_email = account.email
    location.access_token_enc = sealer.encrypt(account.access_token)
    location.refresh_token_enc = sealer.encrypt(account.refresh_token)
    location.access_expires_at = account.access_expires_at
    location.connection_expires_at = account.connection_expires_at
    location.connection_error = None
    location.connection_failed_at = None
    location.refresh_lease_until = None
    location.linked_at = now
    location.linked_by = request.user_id
    location.updated_at = now
    await uow.session.flush()
    team = await uow.session.get(Team, location.owner_team_id)
    if announce and team is not None:
        kind = location.kind
        await enqueue_notice(
            uow,
            workspace_id=location.workspace_id,
            kind="location_linked",
            channel=team.channel_id,
            text=(
                f":link: {mrkdwn.user(request.user_id)} linked location "
                f"{mrkdwn.bold(location.name)} to the {kind.label} account "
                f"{mrkdwn.escape(account.email or account.organizer_key)}. The connection "
                f"lasts until {account.connection_expires_at:%Y-%m-%d}; I will warn this channel "
                "before it lapses."
            ),
            dedupe_key=f"location_linked:{location.id}:{request.id}",
        )
    return LinkResult(location=location, request=request, announced=announce and team is not None)


async def dependent_sessions(uow: UnitOfWork, location: Location, *, now: datetime) -> int:
    """How many sessions depend on the location's current GoTo account: scheduled ones ahead,
    and ended ones whose attendance sync is not done (one statement)."""
    found = await uow.session.execute(
        select(func.count())
        .select_from(Session)
        .where(col(Session.location_id) == location.id, depends_on_connection(now))
    )
    return int(found.scalar_one())


async def _location_of(uow: UnitOfWork, request: LinkRequest) -> Location:
    location = await uow.session.get(Location, request.location_id)
    if location is None or location.workspace_id != request.workspace_id:
        raise LinkFailed("state_invalid", "The location of this link no longer exists.")
    return location


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_STATE_INVALID = (
    "This link is not valid. Start again from Slack with `/vilt location link` and the "
    "location's name; nothing was changed."
)
