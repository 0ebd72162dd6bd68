"""Use cases for learning elements: the catalog entries that sessions belong to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import Conflict, InvalidInput, NotFound
from domain.limits import ELEMENT_TITLE_MAX
from domain.models import LearningElement, Session, SessionStatus, Team
from domain.names import clean_name, name_key
from domain.ports import UnitOfWork
from domain.rules import too_long
from domain.types import utcnow
from domain.unique import flush_unique

NEW_USAGE = "/vilt element new <title>"


@dataclass(frozen=True)
class ElementSummary:
    """A learning element as listed: its title, owner team and upcoming sessions."""

    id: int
    title: str
    team: str
    team_id: int
    upcoming_sessions: int
    active_team: bool


def clean_title(raw: str) -> str:
    """Clean and check a learning element's title."""
    title = clean_name(raw)
    if not title:
        raise InvalidInput(f"A learning element needs a title. Usage: `{NEW_USAGE}`")
    if max(len(title), len(name_key(title))) > ELEMENT_TITLE_MAX:
        raise InvalidInput(too_long("A learning element's title", ELEMENT_TITLE_MAX))
    return title


async def create_element(uow: UnitOfWork, actor: Actor, title: str) -> LearningElement:
    """Add a learning element to the active team's catalog (its admins only)."""
    team = actor.require_admin_of_active()
    assert team.id is not None
    title = clean_title(title)
    key = name_key(title)
    clash = (
        await uow.session.execute(
            select(LearningElement.id).where(
                LearningElement.owner_team_id == team.id, LearningElement.title_key == key
            )
        )
    ).first()
    if clash is not None:
        raise _title_taken(title, team)
    element = LearningElement(
        workspace_id=actor.workspace_id,
        owner_team_id=team.id,
        title=title,
        title_key=key,
        created_by=actor.user_id,
    )
    uow.session.add(element)
    # Another request may have taken the title since the check above.
    await flush_unique(uow, LearningElement, "uq_element_team_title", _title_taken(title, team))
    return element


def _title_taken(title: str, team: Team) -> Conflict:
    return Conflict(
        f"Team {mrkdwn.bold(team.name)} already has a learning element called "
        f"{mrkdwn.bold(title)}. `/vilt element list` shows them."
    )


async def list_elements(
    uow: UnitOfWork, actor: Actor, *, team_id: int | None = None, now: datetime | None = None
) -> list[ElementSummary]:
    """The learning elements of the actor's teams (or of one of them), by team then title.

    One statement however many elements: each with its team and its count of upcoming sessions.
    """
    team_ids = sorted(actor.teams) if team_id is None else [team_id]
    team_ids = [t for t in team_ids if t in actor.teams]
    if not team_ids:
        return []
    upcoming = (
        select(Session.element_id, func.count().label("upcoming"))
        .where(
            col(Session.workspace_id) == actor.workspace_id,
            col(Session.status) == SessionStatus.SCHEDULED,
            col(Session.ends_at) > (now or utcnow()),
        )
        .group_by(col(Session.element_id))
        .subquery()
    )
    rows = await uow.session.execute(
        select(LearningElement, Team.name, func.coalesce(upcoming.c.upcoming, 0))
        .join(Team, col(Team.id) == col(LearningElement.owner_team_id))
        .outerjoin(upcoming, upcoming.c.element_id == col(LearningElement.id))
        .where(
            col(LearningElement.workspace_id) == actor.workspace_id,
            col(LearningElement.owner_team_id).in_(team_ids),
        )
        .order_by(col(Team.name_key), col(LearningElement.title_key))
    )
    summaries = []
    for element, team_name, count in rows.all():
        assert element.id is not None
        summaries.append(
            ElementSummary(
                id=element.id,
                title=element.title,
                team=team_name,
                team_id=element.owner_team_id,
                upcoming_sessions=int(count),
                active_team=element.owner_team_id == actor.active_team_id,
            )
        )
    return summaries


async def find_element(uow: UnitOfWork, actor: Actor, title: str) -> LearningElement:
    """The active team's learning element with that title, or a NotFound naming it."""
    team = actor.require_active_team()
    key = name_key(title)
    element = (
        await uow.session.execute(
            select(LearningElement).where(
                LearningElement.owner_team_id == team.id, LearningElement.title_key == key
            )
        )
    ).scalar_one_or_none()
    if element is None:
        raise NotFound(
            f"Team {mrkdwn.bold(team.name)} has no learning element called "
            f"{mrkdwn.bold(clean_name(title))}. `/vilt element list` shows them."
        )
    return element
