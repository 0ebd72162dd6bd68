"""Sessions for handler and statement-count tests, scheduled through the services as an admin would.

Sessions are made with `sessions.create_session` directly (tests/e2e/test_session_modal.py
drives the modal): classroom locations need no GoTo, GoTo ones are checked by a `FakeGoToEvents`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.models import LearningElement, Location, LocationKind, Team
from domain.rules import LocationForm
from domain.services import locations, sessions
from domain.services.identity import resolve_actor
from domain.session_rules import SessionForm
from domain.types import utcnow
from tests.domain.fakes import FakeGoToEvents
from tests.e2e.conftest import BOSS, WS, Stack

# Far enough ahead to stay upcoming, fixed so that snapshots hold still.
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


async def team_ids(stack: Stack, *names: str) -> list[int]:
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        rows = await uow.session.execute(select(Team).where(Team.workspace_id == WS))
        by_name = {t.name: t.id for t in rows.scalars().all() if t.id is not None}
    return [by_name[n] for n in names]


async def place(
    stack: Stack,
    name: str,
    *,
    available_to: list[str],
    kind: LocationKind = LocationKind.CLASSROOM,
    description: str = "",
    max_learners: str = "",
    organizer_key: str = "",
) -> int:
    """A location owned by BOSS's active team and open to the named teams; linked if GoTo."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        team = boss.require_admin_of_active()
        ids = await team_ids(stack, *available_to)
        form = LocationForm(
            name=name,
            kind=kind.value,
            owner_team_id=team.id,
            team_ids=ids,
            description=description,
            max_learners=max_learners,
            consumer_key="app-key" if kind.is_goto else "",
            consumer_secret="secret" if kind.is_goto else "",
        )
        location = await locations.create_location(uow, boss, form, sealer=stack.runtime.box)
        if kind.is_goto:
            location.goto_email = "organizer@acme.test"
            location.goto_organizer_key = organizer_key
            location.connection_expires_at = utcnow() + timedelta(days=365)
        await uow.commit()
        assert location.id is not None
        return location.id


async def element_id(stack: Stack, title: str) -> int:
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        rows = await uow.session.execute(
            select(LearningElement).where(LearningElement.title == title)
        )
        element = rows.scalars().one()
    assert element.id is not None
    return element.id


async def schedule(
    stack: Stack,
    title: str,
    location_id: int,
    instructor: str,
    *,
    starts_at: datetime = MONDAY,
    hours: float = 2,
    goto: FakeGoToEvents | None = None,
    goto_event: str = "",
    max_learners: str = "",
    timezone: str = "Europe/Berlin",
) -> int:
    """A session of the element `title` (of BOSS's active team); its number."""
    form = SessionForm(
        element_id=await element_id(stack, title),
        location_id=location_id,
        instructor_id=instructor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        timezone=timezone,
        max_learners=max_learners,
        goto_event=goto_event,
    )
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        await uow.commit()
    created = await sessions.create_session(
        lambda: SqlUnitOfWork(stack.runtime.factory), boss, form, goto=goto or FakeGoToEvents()
    )
    assert created.session.id is not None
    return created.session.id


async def deactivate(stack: Stack, location_id: int) -> None:
    """Switch a location off (its sessions stay)."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        location = await uow.session.get(Location, location_id)
        assert location is not None
        location.active = False
        await uow.commit()
