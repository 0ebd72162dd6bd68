"""The middleware that runs before every listener: request id, deps, and who is asking."""

from __future__ import annotations

import re
from typing import Any, cast

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.models import Workspace
from handlers.context import Request, actor_middleware
from handlers.ports import Deps
from tests.handlers.support import BEN, BOSS, WS, offline_deps

ENTERPRISE = "E0GRID0001"


def deps_on(factory: async_sessionmaker[AsyncSession]) -> Deps:
    return offline_deps(uow=lambda: SqlUnitOfWork(factory))


async def resolve(deps: Deps, **values: Any) -> tuple[AsyncBoltContext, BoltResponse, int]:
    """Run the middleware over a context holding `values`; return it, the response, and how
    often the next listener ran."""
    context = AsyncBoltContext(values)
    ran = 0
    answer = BoltResponse(status=200, body="from the listener")

    async def next_() -> BoltResponse:
        nonlocal ran
        ran += 1
        return answer

    middleware = actor_middleware(deps)
    response = await middleware(context=context, request=cast(AsyncBoltRequest, None), next=next_)
    assert response is answer
    return context, response, ran


async def workspaces(factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with factory() as session:
        return [w.id for w in (await session.execute(select(Workspace))).scalars()]


async def test_a_user_in_a_workspace_is_resolved_and_their_workspace_recorded(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    deps = deps_on(factory)
    context, _, ran = await resolve(deps, team_id=WS, user_id=BOSS)
    assert ran == 1
    assert context["deps"] is deps
    assert re.fullmatch(r"[0-9a-f]{12}", context["request_id"])
    person = context["actor"]
    assert (person.workspace_id, person.user_id) == (WS, BOSS)
    assert person.is_workspace_admin is True  # a first admin, from deps
    assert person.workspace_admins == (BOSS,)
    assert await workspaces(factory) == [WS]  # committed, seen from another session
    request = Request.of(context)
    assert (request.actor, request.deps, request.request_id) == (
        person,
        deps,
        context["request_id"],
    )


async def test_each_request_gets_its_own_id(factory: async_sessionmaker[AsyncSession]) -> None:
    deps = deps_on(factory)
    ids = {(await resolve(deps, team_id=WS, user_id=BEN))[0]["request_id"] for _ in range(5)}
    assert len(ids) == 5
    context = (await resolve(deps, team_id=WS, user_id=BEN))[0]
    assert context["actor"].is_workspace_admin is False


async def test_an_enterprise_grid_request_without_a_team_uses_the_enterprise(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    context, _, _ = await resolve(deps_on(factory), enterprise_id=ENTERPRISE, user_id=BEN)
    assert context["actor"].workspace_id == ENTERPRISE
    both, _, _ = await resolve(deps_on(factory), team_id=WS, enterprise_id=ENTERPRISE, user_id=BEN)
    assert both["actor"].workspace_id == WS
    assert sorted(await workspaces(factory)) == sorted([ENTERPRISE, WS])


async def test_without_a_user_or_a_workspace_nobody_is_resolved_but_the_listener_runs(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    deps = deps_on(factory)
    for values in ({"team_id": WS}, {"user_id": BEN}, {}):
        context, _, ran = await resolve(deps, **values)
        assert ran == 1
        assert "actor" not in context
        assert context["deps"] is deps and len(context["request_id"]) == 12
    assert await workspaces(factory) == []
