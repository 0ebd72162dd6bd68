"""Team use cases against a real database, with a fake Slack directory."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.errors import ChannelUnusable, Conflict, NotAllowed, NotFound
from domain.models import Membership, Notice, Role, Team
from domain.services import teams
from domain.services.identity import resolve_actor
from tests.support.fakes import FakeDirectory

WS = "T0ACME0001"
OTHER_WS = "T0OTHER001"
BOSS = "U0BOSS0001"
ANN = "U0ANN00001"


@pytest.fixture
def directory() -> FakeDirectory:
    d = FakeDirectory(channels={"C0TRAIN001": "training"})
    d.add_user(ANN, "ann")
    d.add_user("U0ROBOT001", "robot", is_bot=True)
    return d


async def actor_for(factory, user_id: str, workspace: str = WS):
    async with SqlUnitOfWork(factory) as uow:
        actor = await resolve_actor(uow, workspace, user_id, first_admins=[BOSS])
        await uow.commit()
    return actor


async def create_sales(factory, directory: FakeDirectory) -> None:
    """BOSS creates the team "Sales", reporting to #training."""
    boss = await actor_for(factory, BOSS)
    async with SqlUnitOfWork(factory) as uow:
        await teams.create_team(uow, boss, name="Sales", channel_id="C0TRAIN001", slack=directory)
        await uow.commit()


async def count(factory, model) -> int:
    async with factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_create_team_makes_creator_admin_and_queues_channel_notice(
    factory: async_sessionmaker[AsyncSession], directory: FakeDirectory
) -> None:
    boss = await actor_for(factory, BOSS)
    async with SqlUnitOfWork(factory) as uow:
        team = await teams.create_team(
            uow, boss, name=" Sales  Academy ", channel_id="C0TRAIN001", slack=directory
        )
        await uow.commit()
    assert team.name == "Sales Academy"
    boss = await actor_for(factory, BOSS)
    assert boss.active_team is not None and boss.active_team.name == "Sales Academy"
    assert boss.active_role == Role.ADMIN
    async with factory() as session:
        notice = (await session.execute(select(Notice))).scalar_one()
    assert notice.channel == "C0TRAIN001" and "Sales Academy" in notice.text


async def test_duplicate_name_unusable_channel_and_non_admin_change_nothing(
    factory: async_sessionmaker[AsyncSession], directory: FakeDirectory
) -> None:
    await create_sales(factory, directory)
    boss = await actor_for(factory, BOSS)
    with pytest.raises(Conflict, match="already exists"):
        async with SqlUnitOfWork(factory) as uow:
            await teams.create_team(
                uow, boss, name="sales", channel_id="C0TRAIN001", slack=directory
            )
    with pytest.raises(ChannelUnusable):
        async with SqlUnitOfWork(factory) as uow:
            await teams.create_team(uow, boss, name="Ops", channel_id="C0NOPE0001", slack=directory)
    ann = await actor_for(factory, ANN)
    with pytest.raises(NotAllowed):
        async with SqlUnitOfWork(factory) as uow:
            await teams.create_team(uow, ann, name="Ops", channel_id="C0TRAIN001", slack=directory)
    assert await count(factory, Team) == 1
    assert await count(factory, Notice) == 1


async def test_roles_are_managed_by_team_admins_and_the_last_admin_stays(
    factory: async_sessionmaker[AsyncSession], directory: FakeDirectory
) -> None:
    await create_sales(factory, directory)
    boss = await actor_for(factory, BOSS)
    async with SqlUnitOfWork(factory) as uow:
        _, added = await teams.add_member(
            uow, boss, user_id=ANN, role=Role.LEARNER, slack=directory
        )
        await uow.commit()
    assert added
    ann = await actor_for(factory, ANN)
    assert ann.active_role == Role.LEARNER
    with pytest.raises(NotAllowed):
        async with SqlUnitOfWork(factory) as uow:
            await teams.add_member(uow, ann, user_id=BOSS, role=Role.LEARNER, slack=directory)
    with pytest.raises(NotFound):
        async with SqlUnitOfWork(factory) as uow:
            await teams.add_member(
                uow, boss, user_id="U0GHOST001", role=Role.LEARNER, slack=directory
            )
    with pytest.raises(Conflict, match="last admin"):
        async with SqlUnitOfWork(factory) as uow:
            await teams.remove_member(uow, boss, user_id=BOSS)
    async with SqlUnitOfWork(factory) as uow:
        await teams.remove_member(uow, boss, user_id=ANN)
        await uow.commit()
    ann = await actor_for(factory, ANN)
    assert ann.teams == {} and ann.active_team is None
    assert await count(factory, Membership) == 1


async def test_nothing_crosses_workspaces(
    factory: async_sessionmaker[AsyncSession], directory: FakeDirectory
) -> None:
    await create_sales(factory, directory)
    stranger = await actor_for(factory, BOSS, workspace=OTHER_WS)
    assert stranger.teams == {}
    async with SqlUnitOfWork(factory) as uow:
        assert await teams.list_teams(uow, stranger) == []
        with pytest.raises(NotFound):
            await teams.find_team(uow, OTHER_WS, "Sales")
        # The same name is free in another workspace.
        await teams.create_team(
            uow, stranger, name="Sales", channel_id="C0TRAIN001", slack=directory
        )
        await uow.commit()
    assert await count(factory, Team) == 2
