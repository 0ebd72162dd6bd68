"""Use cases for locations: create, edit, find, list, show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, delete, select

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import Conflict, FieldErrors, InvalidInput, NotAllowed, NotFound
from domain.models import Location, LocationKind, LocationTeam, Team
from domain.names import clean_name, name_key
from domain.ports import SecretSealer, UnitOfWork
from domain.rules import (
    CleanLocation,
    ConnectionStatus,
    LocationForm,
    connection_status,
    matches_search,
    tags_in,
    validate_location,
)
from domain.types import utcnow
from domain.unique import flush_unique


@dataclass(frozen=True)
class LocationView:
    """A location as shown to people (never carries a secret)."""

    id: int
    name: str
    kind: LocationKind
    active: bool
    owner_team: str
    owner_team_id: int
    teams: list[str]
    team_ids: list[int]
    max_learners: int | None
    information_url: str | None
    description: str
    tags: list[str]
    goto_notifications: bool
    consumer_key: str | None
    has_secret: bool
    status: ConnectionStatus
    linked_email: str | None


async def workspace_team_ids(uow: UnitOfWork, workspace_id: str) -> set[int]:
    """Ids of every team in the workspace."""
    rows = await uow.session.execute(select(Team.id).where(Team.workspace_id == workspace_id))
    return {int(team_id) for (team_id,) in rows.all()}


async def workspace_teams(uow: UnitOfWork, workspace_id: str) -> list[Team]:
    """Every team of the workspace, by name."""
    rows = await uow.session.execute(
        select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.name_key))
    )
    return list(rows.scalars().all())


def admin_team_ids(actor: Actor) -> set[int]:
    """Teams the actor administers."""
    return {team_id for team_id in actor.teams if actor.is_admin_of(team_id)}


async def validate_form(
    uow: UnitOfWork, actor: Actor, form: LocationForm, *, location: Location | None = None
) -> CleanLocation:
    """Validate every field, including the name's uniqueness in the owner team."""
    clean, errors = validate_location(
        form,
        admin_team_ids=admin_team_ids(actor),
        workspace_team_ids=await workspace_team_ids(uow, actor.workspace_id),
        has_saved_secret=bool(location is not None and location.consumer_secret_enc),
    )
    if clean is not None:
        clash = await _same_name(uow, clean.owner_team_id, name_key(clean.name), location)
        if clash:
            errors.update(_NAME_TAKEN)
    if location is not None and clean is not None and location.goto_organizer_key:
        if clean.kind != location.kind:
            # Its sessions and connection are the GoTo product's (PRODUCT.md rules 3 and 4).
            errors["kind"] = (
                f"This location is linked to a {location.kind.label} account; its kind cannot "
                f"change. For a {clean.kind.label} location, create a new one."
            )
        elif clean.consumer_key != location.consumer_key:
            errors["consumer_key"] = (
                "This location is linked; to use another GoTo app, create a new location."
            )
    if errors or clean is None:
        raise FieldErrors(errors)
    return clean


async def create_location(
    uow: UnitOfWork, actor: Actor, form: LocationForm, *, sealer: SecretSealer
) -> Location:
    """Save a new location owned by one of the actor's admin teams."""
    clean = await validate_form(uow, actor, form)
    location = Location(
        workspace_id=actor.workspace_id,
        owner_team_id=clean.owner_team_id,
        name=clean.name,
        name_key=name_key(clean.name),
        kind=clean.kind,
        created_by=actor.user_id,
    )
    _apply(location, clean, sealer)
    uow.session.add(location)
    await _flush_name(uow)
    await _set_teams(uow, location, clean.team_ids)
    return location


async def update_location(
    uow: UnitOfWork, actor: Actor, location_id: int, form: LocationForm, *, sealer: SecretSealer
) -> Location:
    """Change a location; only admins of its owner team may."""
    location = await editable_location(uow, actor, location_id)
    clean = await validate_form(uow, actor, form, location=location)
    location.name = clean.name
    location.name_key = name_key(clean.name)
    location.owner_team_id = clean.owner_team_id
    location.kind = clean.kind
    _apply(location, clean, sealer)
    location.updated_at = utcnow()
    await _flush_name(uow)
    await _set_teams(uow, location, clean.team_ids)
    await uow.session.flush()
    return location


# The answer to a name already used in the owner team, whether seen by the check or, when two
# saves race, by the unique constraint.
_NAME_TAKEN = {"name": "Another location of the owner team has this name."}


async def _flush_name(uow: UnitOfWork) -> None:
    """Write the location; a name taken meanwhile by a concurrent save is a field error."""
    await flush_unique(uow, Location, "uq_location_team_name", FieldErrors(dict(_NAME_TAKEN)))


async def editable_location(uow: UnitOfWork, actor: Actor, location_id: int) -> Location:
    """The location, provided the actor administers its owner team."""
    location = await uow.session.get(Location, location_id)
    if location is None or location.workspace_id != actor.workspace_id:
        raise NotFound("That location no longer exists.")
    if not actor.is_admin_of(location.owner_team_id):
        owner = await uow.session.get(Team, location.owner_team_id)
        raise NotAllowed(
            f"Only admins of team {mrkdwn.bold(owner.name if owner else 'unknown')}, which owns "
            f"{mrkdwn.bold(location.name)}, can change it."
        )
    return location


async def find_location(uow: UnitOfWork, actor: Actor, name: str) -> Location:
    """The location called `name` in the workspace, preferring the active team's own."""
    key = name_key(name)
    if not key:
        raise InvalidInput("Name the location, e.g. `/vilt location show Webinar Room`.")
    rows = (
        (
            await uow.session.execute(
                select(Location).where(
                    Location.workspace_id == actor.workspace_id, Location.name_key == key
                )
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        raise NotFound(
            f"There is no location called {mrkdwn.bold(clean_name(name))}. "
            "`/vilt location list` shows them."
        )
    if len(rows) == 1:
        return rows[0]
    for location in rows:
        if location.owner_team_id == actor.active_team_id:
            return location
    mine = [loc for loc in rows if loc.owner_team_id in actor.teams]
    if len(mine) == 1:
        return mine[0]
    raise Conflict(
        f"Several teams have a location called {mrkdwn.bold(clean_name(name))}; switch to the "
        "owner team with `/vilt team use <team>` first."
    )


@dataclass(frozen=True)
class LocationPage:
    """The first `limit` matching locations, described, and how many matched in all."""

    views: list[LocationView]
    total: int


async def list_locations(
    uow: UnitOfWork,
    actor: Actor,
    query: str = "",
    *,
    limit: int = 20,
    team_id: int | None = None,
    now: datetime | None = None,
) -> LocationPage:
    """Locations owned by or available to the actor's teams, filtered by `#tag` or text, and
    to those one team owns or may use when `team_id` is given.

    Four statements however many locations there are: what filtering needs of every visible
    location, the page's rows, and (describe_many) their owner teams and team availability.
    """
    visible = _visible(actor)
    if visible is None:
        return LocationPage([], 0)
    if team_id is not None:
        visible = and_(visible, _of_team(team_id))
    rows = (
        await uow.session.execute(
            select(Location.id, Location.name_key, Location.description)
            .where(visible)
            .order_by(col(Location.name_key), col(Location.id))
        )
    ).all()
    wanted = query.strip()
    matching = [
        int(i) for i, key, text in rows if matches_search(wanted, tags_from=text, texts=(key, text))
    ]
    page_ids = matching[:limit]
    if not page_ids:
        return LocationPage([], len(matching))
    loaded = (
        (await uow.session.execute(select(Location).where(col(Location.id).in_(page_ids))))
        .scalars()
        .all()
    )
    by_id = {location.id: location for location in loaded}
    page = [by_id[i] for i in page_ids if i in by_id]
    return LocationPage(await describe_many(uow, page, now), len(matching))


async def visible_location(
    uow: UnitOfWork, actor: Actor, name: str, *, now: datetime | None = None
) -> LocationView:
    """A location the actor may see, described."""
    location = await find_location(uow, actor, name)
    visible = _visible(actor)
    seen = (
        visible is not None
        and (
            await uow.session.execute(
                select(Location.id).where(visible, Location.id == location.id)
            )
        ).first()
        is not None
    )
    if not seen:
        raise NotFound(
            f"There is no location called {mrkdwn.bold(clean_name(name))} available to your teams."
        )
    return await describe(uow, location, now)


async def describe(
    uow: UnitOfWork, location: Location, now: datetime | None = None
) -> LocationView:
    """A secret-free view of a location with its connection status."""
    (view,) = await describe_many(uow, [location], now)
    return view


async def describe_many(
    uow: UnitOfWork, locations: Sequence[Location], now: datetime | None = None
) -> list[LocationView]:
    """Secret-free views of locations, in order, in two statements however many there are."""
    if not locations:
        return []
    ids = [location.id for location in locations]
    owner_ids = {location.owner_team_id for location in locations}
    owners = {
        team.id: team
        for team in (await uow.session.execute(select(Team).where(col(Team.id).in_(owner_ids))))
        .scalars()
        .all()
    }
    available: defaultdict[int, list[Team]] = defaultdict(list)
    rows = await uow.session.execute(
        select(LocationTeam.location_id, Team)
        .join(Team, col(LocationTeam.team_id) == col(Team.id))
        .where(col(LocationTeam.location_id).in_(ids))
        .order_by(col(Team.name_key))
    )
    for location_id, team in rows.all():
        available[location_id].append(team)
    when = now or utcnow()
    return [
        _view(location, owners.get(location.owner_team_id), available[location.id or 0], when)
        for location in locations
    ]


def _view(location: Location, owner: Team | None, teams: list[Team], now: datetime) -> LocationView:
    assert location.id is not None
    kind = location.kind
    return LocationView(
        id=location.id,
        name=location.name,
        kind=kind,
        active=location.active,
        owner_team=owner.name if owner else "?",
        owner_team_id=location.owner_team_id,
        teams=[t.name for t in teams],
        team_ids=[t.id for t in teams if t.id is not None],
        max_learners=location.max_learners,
        information_url=location.information_url,
        description=location.description,
        tags=tags_in(location.description),
        goto_notifications=location.goto_notifications,
        consumer_key=location.consumer_key,
        has_secret=bool(location.consumer_secret_enc),
        status=connection_status(
            kind=kind,
            linked_email=location.goto_email,
            expires_at=location.connection_expires_at,
            error=location.connection_error,
            now=now,
            name=location.name,
        ),
        linked_email=location.goto_email,
    )


def _of_team(team_id: int) -> ColumnElement[bool]:
    """Locations the team owns or may use."""
    available = select(LocationTeam.location_id).where(col(LocationTeam.team_id) == team_id)
    return or_(col(Location.owner_team_id) == team_id, col(Location.id).in_(available))


def _visible(actor: Actor) -> ColumnElement[bool] | None:
    """Which locations the actor sees: all of the workspace for its admins, else those their
    teams own or may use; None when they see none. Inactive locations are hidden from everyone
    but the admins of their owner team."""
    in_workspace = col(Location.workspace_id) == actor.workspace_id
    shown = or_(
        col(Location.active), col(Location.owner_team_id).in_(sorted(admin_team_ids(actor)))
    )
    if actor.is_workspace_admin:
        return and_(in_workspace, shown)
    team_ids = list(actor.teams)
    if not team_ids:
        return None
    available = select(LocationTeam.location_id).where(col(LocationTeam.team_id).in_(team_ids))
    return and_(
        in_workspace,
        shown,
        or_(col(Location.owner_team_id).in_(team_ids), col(Location.id).in_(available)),
    )


async def _same_name(
    uow: UnitOfWork, owner_team_id: int, name_key: str, location: Location | None
) -> bool:
    query = select(Location.id).where(
        Location.owner_team_id == owner_team_id, Location.name_key == name_key
    )
    if location is not None:
        query = query.where(Location.id != location.id)
    return (await uow.session.execute(query)).first() is not None


def _apply(location: Location, clean: CleanLocation, sealer: SecretSealer) -> None:
    location.active = clean.active
    location.max_learners = clean.max_learners
    location.information_url = clean.information_url
    location.description = clean.description
    location.goto_notifications = clean.goto_notifications
    location.consumer_key = clean.consumer_key
    if not clean.kind.is_goto:
        location.consumer_secret_enc = None
    elif clean.consumer_secret is not None:
        location.consumer_secret_enc = sealer.encrypt(clean.consumer_secret)


async def _set_teams(uow: UnitOfWork, location: Location, team_ids: list[int]) -> None:
    assert location.id is not None
    await uow.session.execute(
        delete(LocationTeam).where(col(LocationTeam.location_id) == location.id)
    )
    for team_id in team_ids:
        uow.session.add(LocationTeam(location_id=location.id, team_id=team_id))
    await uow.session.flush()
