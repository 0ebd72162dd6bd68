"""Service-level tests: the domain services on a real unit of work and a real database.

`world` builds the situation a test needs (teams with members, locations, links) and reads rows
back in fresh units of work, so a test can prove what was written or left unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col, select

from db.uow import SqlUnitOfWork
from domain.actor import Actor
from domain.models import (
    LinkRequest,
    Location,
    LocationKind,
    LocationTeam,
    Membership,
    Notice,
    Role,
    Team,
    UserPreference,
)
from domain.names import name_key
from domain.rules import LocationForm
from domain.services import linking, locations
from domain.services.identity import ensure_workspace, resolve_actor
from tests.domain.fakes import FakeLinker, FakeSealer
from tests.support.fakes import FakeDirectory

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WS = "T0ACME0001"
OTHER_WS = "T0GLOBEX01"
BOSS = "U0BOSS0001"  # a viltbot workspace admin (a first admin) in every workspace
REDIRECT = "https://viltbot.test/goto/callback"
CONSUMER_KEY = "webinar-app-client-id"
CONSUMER_SECRET = "webinar-app-client-secret"

M = TypeVar("M", bound=SQLModel)


def location_form(**changes: Any) -> LocationForm:
    """A valid GoToWebinar form, changed as given (owner_team_id and team_ids must be set)."""
    form = LocationForm(
        name="Webinar Room",
        kind=LocationKind.GOTOWEBINAR.value,
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
    )
    for key, value in changes.items():
        assert hasattr(form, key), key
        setattr(form, key, value)
    return form


def form_of(location: Location, available: Iterable[int], **changes: Any) -> LocationForm:
    """The form the edit modal would show for a saved location (secret left blank), changed."""
    form = LocationForm(
        name=location.name,
        active=location.active,
        kind=LocationKind(location.kind).value,
        max_learners="" if location.max_learners is None else str(location.max_learners),
        information_url=location.information_url or "",
        owner_team_id=location.owner_team_id,
        team_ids=list(available),
        description=location.description,
        consumer_key=location.consumer_key or "",
        consumer_secret="",
        goto_notifications=location.goto_notifications,
    )
    for key, value in changes.items():
        assert hasattr(form, key), key
        setattr(form, key, value)
    return form


class World:
    """Builders and fresh read-backs over one test database."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        directory: FakeDirectory,
        sealer: FakeSealer,
        linker: FakeLinker,
    ) -> None:
        self.factory = factory
        self.directory = directory
        self.sealer = sealer
        self.linker = linker
        self._channels = 0

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.factory)

    async def actor(self, user_id: str, workspace: str = WS) -> Actor:
        """The Actor a request from this user would carry now."""
        async with self.uow() as uow:
            actor = await resolve_actor(uow, workspace, user_id, first_admins=[BOSS])
            await uow.commit()
        return actor

    async def make_team(
        self,
        name: str,
        *,
        admins: Iterable[str] = (),
        instructors: Iterable[str] = (),
        learners: Iterable[str] = (),
        workspace: str = WS,
    ) -> Team:
        """A team with members, written directly (the team services have their own tests)."""
        self._channels += 1
        channel = f"C0CHAN{self._channels:04d}"
        self.directory.channels[channel] = f"{name.lower()}-reports"
        async with self.uow() as uow:
            await ensure_workspace(uow, workspace)
            team = Team(
                workspace_id=workspace,
                name=name,
                name_key=name_key(name),
                channel_id=channel,
                created_by=BOSS,
            )
            uow.session.add(team)
            await uow.session.flush()
            assert team.id is not None
            for role, users in (
                (Role.ADMIN, admins),
                (Role.INSTRUCTOR, instructors),
                (Role.LEARNER, learners),
            ):
                for user_id in users:
                    self.directory.add_user(user_id, user_id.lower())
                    uow.session.add(
                        Membership(
                            workspace_id=workspace,
                            team_id=team.id,
                            user_id=user_id,
                            role=role,
                            added_by=BOSS,
                        )
                    )
            await uow.commit()
        return team

    async def set_active(self, user_id: str, team: Team, workspace: str = WS) -> None:
        """Make `team` the user's active team, as `/vilt team use` would."""
        async with self.uow() as uow:
            pref = (
                await uow.session.execute(
                    select(UserPreference).where(
                        UserPreference.workspace_id == workspace, UserPreference.user_id == user_id
                    )
                )
            ).scalar_one_or_none()
            if pref is None:
                uow.session.add(
                    UserPreference(workspace_id=workspace, user_id=user_id, active_team_id=team.id)
                )
            else:
                pref.active_team_id = team.id
            await uow.commit()

    async def make_location(
        self,
        admin: str,
        owner: Team,
        name: str = "Webinar Room",
        *,
        available_to: Iterable[Team] = (),
        workspace: str = WS,
        **changes: Any,
    ) -> Location:
        """A location saved by `admin` through the service; available to its owner by default."""
        assert owner.id is not None
        team_ids = [t.id for t in available_to if t.id is not None] or [owner.id]
        actor = await self.actor(admin, workspace)
        form = location_form(name=name, owner_team_id=owner.id, team_ids=team_ids, **changes)
        async with self.uow() as uow:
            location = await locations.create_location(uow, actor, form, sealer=self.sealer)
            await uow.commit()
        return location

    async def link(
        self,
        location: Location,
        *,
        by: str,
        organizer_key: str = "ORG-1",
        email: str = "webinars@acme.test",
        workspace: str = WS,
    ) -> Location:
        """Link `location` to a GoTo account through start_link and complete_link."""
        assert location.id is not None
        code = f"code-{location.id}-{organizer_key}"
        self.linker.add_account(code, organizer_key=organizer_key, email=email, now=NOW)
        state = await self.start_link(location, by=by, workspace=workspace)
        result = await self.callback(state, code=code)
        return result.location

    async def callback(
        self,
        state: str,
        *,
        code: str | None,
        error: str | None = None,
        now: datetime = NOW,
    ) -> linking.LinkResult:
        """GoTo's OAuth callback, with this world's linker, sealer and redirect address."""
        return await linking.complete_link(
            self.uow,
            state=state,
            code=code,
            error=error,
            linker=self.linker,
            sealer=self.sealer,
            redirect_uri=REDIRECT,
            now=now,
        )

    async def start_link(
        self, location: Location, *, by: str, workspace: str = WS, now: datetime = NOW
    ) -> str:
        """A fresh link state for `location`, committed."""
        assert location.id is not None
        actor = await self.actor(by, workspace)
        async with self.uow() as uow:
            state = await linking.start_link(uow, actor, location.id, now=now)
            await uow.commit()
        return state

    async def reload(self, model: type[M], row_id: int | str | None) -> M:
        """The row as the database has it now, read in a fresh unit of work."""
        assert row_id is not None
        async with self.uow() as uow:
            row = await uow.session.get(model, row_id)
        assert row is not None, f"{model.__name__} {row_id} is gone"
        return row

    async def rows(self, model: type[M]) -> list[M]:
        """Every row of a table, oldest first."""
        async with self.uow() as uow:
            found = await uow.session.execute(
                select(model).order_by(col(model.id))  # type: ignore[attr-defined]
            )
            return list(found.scalars().all())

    async def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of the tables the services write, to prove a failure changed nothing."""
        tables: tuple[type[SQLModel], ...] = (
            Team,
            Membership,
            UserPreference,
            Location,
            LocationTeam,
            LinkRequest,
            Notice,
        )
        found: dict[str, list[dict[str, Any]]] = {}
        async with self.uow() as uow:
            for model in tables:
                table = model.__table__  # type: ignore[attr-defined]
                result = await uow.session.execute(select(table).order_by(table.c.id))
                found[model.__name__] = [dict(row) for row in result.mappings().all()]
        return found


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def world(factory: async_sessionmaker[AsyncSession], directory: FakeDirectory) -> World:
    return World(factory, directory, FakeSealer(), FakeLinker())
