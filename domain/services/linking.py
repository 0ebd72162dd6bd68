"""Link a location to a GoTo account by OAuth, with single-use, expiring state."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import InvalidInput, LinkFailed
from domain.models import LinkRequest, Location, Team
from domain.ports import GoToLinker, SecretSealer, UnitOfWork
from domain.services.locations import editable_location
from domain.services.notices import enqueue_notice

LINK_STATE_TTL = timedelta(minutes=10)


def state_hash(state: str) -> str:
    """States are stored hashed, so a database reader cannot replay them."""
    return hashlib.sha256(state.encode()).hexdigest()


async def start_link(uow: UnitOfWork, actor: Actor, location_id: int, *, now: datetime) -> str:
    """Create a single-use state for linking; only admins of the owner team may link."""
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
        raise LinkFailed(
            "state_used",
            "This link was already used. Start again from Slack with `/vilt location link <name>`.",
        )
    if request.expires_at <= now:
        raise LinkFailed(
            "state_expired",
            "This link expired (links last 10 minutes). Start again from Slack with "
            "`/vilt location link <name>`.",
        )
    return request


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
class LinkResult:
    """A completed link, with what Slack should be told."""

    location: Location
    request: LinkRequest
    other_location: str | None = None


async def complete_link(
    uow: UnitOfWork,
    *,
    state: str,
    code: str | None,
    error: str | None,
    linker: GoToLinker,
    sealer: SecretSealer,
    redirect_uri: str,
    now: datetime,
) -> LinkResult:
    """Finish the OAuth dance: verify state, exchange the code, store the connection."""
    request = await pending_request(uow, state, now=now)
    location = await _location_of(uow, request)
    if error:
        if error == "access_denied":
            raise LinkFailed(
                "denied",
                "You did not allow viltbot to use your GoTo account, so "
                f"{mrkdwn.bold(location.name)} is not linked.",
            )
        raise LinkFailed(
            "goto_error",
            f"GoTo refused the link ({mrkdwn.escape(error[:60])}). Nothing was changed.",
        )
    if not code:
        raise LinkFailed("state_invalid", _STATE_INVALID)
    # Claim the request first so two concurrent callbacks cannot both link.
    claimed = await uow.session.execute(
        update(LinkRequest)
        .where(col(LinkRequest.id) == request.id, col(LinkRequest.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkFailed("state_used", "This link was already used.")
    assert location.consumer_key and location.consumer_secret_enc
    try:
        account = await linker.exchange_code(
            consumer_key=location.consumer_key,
            consumer_secret=sealer.decrypt(location.consumer_secret_enc),
            code=code,
            redirect_uri=redirect_uri,
        )
    except LinkFailed as exc:
        raise with_next_step(exc, location.name) from exc
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
            f"linked to location {mrkdwn.bold(other.name)}. Each GoTo account links to one "
            "location; sign in with "
            "another GoTo account. Nothing was changed.",
        )
    location.goto_organizer_key = account.organizer_key
    location.goto_account_key = account.account_key
    location.goto_email = account.email
    location.access_token_enc = sealer.encrypt(account.access_token)
    location.refresh_token_enc = sealer.encrypt(account.refresh_token)
    location.access_expires_at = account.access_expires_at
    location.connection_expires_at = account.connection_expires_at
    location.connection_error = None
    location.linked_at = now
    location.linked_by = request.user_id
    location.updated_at = now
    await uow.session.flush()
    team = await uow.session.get(Team, location.owner_team_id)
    if team is not None:
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
    return LinkResult(location=location, request=request)


# What to do after a failure GoTo reported, by reason: the sentence and the command to type.
_NEXT_STEPS = {
    "invalid_client": ("Check them with {command} and link again.", "/vilt location edit"),
    "code_used": ("Start again from Slack with {command}.", "/vilt location link"),
}


def with_next_step(failure: LinkFailed, location_name: str) -> LinkFailed:
    """A failure GoTo reported, with what to do next for this location, named."""
    if failure.reason not in _NEXT_STEPS:
        return failure
    sentence, command = _NEXT_STEPS[failure.reason]
    step = sentence.format(command=mrkdwn.code(f"{command} {location_name}"))
    return LinkFailed(failure.reason, f"{failure.message} {step}")


async def _location_of(uow: UnitOfWork, request: LinkRequest) -> Location:
    location = await uow.session.get(Location, request.location_id)
    if location is None or location.workspace_id != request.workspace_id:
        raise LinkFailed("state_invalid", "The location of this link no longer exists.")
    return location


_STATE_INVALID = (
    "This link is not valid. Start again from Slack with `/vilt location link <name>`; "
    "nothing was changed."
)
