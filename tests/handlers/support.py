"""Small builders for handler tests: actors and teams as the middleware resolves them, a
recorder standing in for Bolt's `respond`, and invocations that need no Slack at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.report_blocks import BlockKitReportRenderer
from domain.actor import Actor
from domain.models import Role, Team
from handlers.commands import Invocation
from handlers.context import Request
from handlers.ports import Deps, UnitOfWorkScope
from tests.domain.fakes import (
    FakeGoToEvents,
    FakeGoToReports,
    FakeLinker,
    FakeRegistrar,
    FakeSealer,
)
from tests.support.fakes import FakeDirectory

WS = "T0ACME0001"
BOSS = "U0BOSS0001"
ANN = "U0ANN00001"
BEN = "U0BEN00001"
TRAINING = "C0TRAINING"
SUPPORT_ROOM = "C0SUPPORT1"
REQUEST_ID = "0123456789ab"


def team(team_id: int, name: str, channel_id: str = TRAINING) -> Team:
    """A saved team."""
    return Team(
        id=team_id,
        workspace_id=WS,
        name=name,
        name_key=name.casefold(),
        channel_id=channel_id,
        created_by=BOSS,
    )


SALES = team(1, "Sales")
SUPPORT = team(2, "Support", SUPPORT_ROOM)
OPS_TEAM = team(3, "Ops")


def actor(
    user_id: str = ANN,
    roles: list[tuple[Team, Role]] | None = None,
    *,
    active: Team | None = None,
    workspace_admin: bool = False,
    workspace_admins: tuple[str, ...] = (BOSS,),
) -> Actor:
    """An actor in WS with these roles; the only team is active unless `active` says otherwise."""
    roles = roles or []
    teams = {t.id: t for t, _ in roles if t.id is not None}
    active_id = (
        active.id if active is not None else (next(iter(teams)) if len(teams) == 1 else None)
    )
    return Actor(
        workspace_id=WS,
        user_id=user_id,
        is_workspace_admin=workspace_admin,
        teams=teams,
        roles={t.id: r for t, r in roles if t.id is not None},
        active_team_id=active_id,
        workspace_admins=workspace_admins,
    )


def newcomer() -> Actor:
    """Someone in no team."""
    return actor(BEN)


def learner() -> Actor:
    return actor(BEN, [(SALES, Role.LEARNER)])


def instructor() -> Actor:
    return actor(ANN, [(SALES, Role.INSTRUCTOR)])


def team_admin() -> Actor:
    return actor(ANN, [(SALES, Role.ADMIN)])


def workspace_admin() -> Actor:
    """A viltbot admin (a first admin) in no team yet."""
    return actor(BOSS, workspace_admin=True)


class NoDatabase:
    """A unit-of-work scope for handlers that must not touch the database."""

    async def __aenter__(self) -> Any:
        raise AssertionError("this handler path must not use the database")

    async def __aexit__(self, *exc: object) -> None:
        return None


def offline_deps(uow: Any = None) -> Deps:
    """Deps with fakes for every port; the database only if `uow` is given."""

    def no_database() -> UnitOfWorkScope:
        return cast(UnitOfWorkScope, NoDatabase())

    return Deps(
        uow=uow or no_database,
        directory=FakeDirectory(),
        sealer=FakeSealer(),
        goto_linker=FakeLinker(),
        goto_events=FakeGoToEvents(),
        public_url="https://viltbot.test",
        first_admins=frozenset({BOSS}),
        goto_registrar=FakeRegistrar(),
        goto_reports=FakeGoToReports(),
        report_renderer=BlockKitReportRenderer(),
    )


@dataclass
class Replies:
    """Records what a handler answered through `respond`."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def texts(self) -> list[str]:
        return [str(c["text"]) for c in self.calls]


def invocation(
    who: Actor, args: list[str] | None = None, *, deps: Deps | None = None
) -> tuple[Invocation, Replies]:
    """An Invocation of a handler by `who`, and the recorder of its replies."""
    replies = Replies()
    words = args or []
    inv = Invocation(
        request=Request(actor=who, deps=deps or offline_deps(), request_id=REQUEST_ID),
        args=words,
        raw_args=" ".join(words),
        body={},
        respond=cast(AsyncRespond, replies),
        client=AsyncWebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/"),
    )
    return inv, replies
