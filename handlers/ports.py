"""What handlers need from the outside world, as ports wired once in bot.bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from domain.completion_report import ReportRenderer
from domain.ports import (
    Clock,
    GoToEvents,
    GoToLinker,
    GoToRegistrar,
    GoToReports,
    SecretSealer,
    SlackDirectory,
    UnitOfWork,
)
from domain.types import utcnow


class UnitOfWorkScope(Protocol):
    """`async with scope as uow`: one transaction, rolled back unless committed."""

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass
class Deps:
    """The collaborators every handler reaches through the request context."""

    uow: Callable[[], UnitOfWorkScope]
    directory: SlackDirectory
    sealer: SecretSealer
    goto_linker: GoToLinker
    goto_events: GoToEvents
    public_url: str
    first_admins: frozenset[str]
    goto_registrar: GoToRegistrar
    goto_reports: GoToReports
    report_renderer: ReportRenderer
    slack_api_url: str = "https://slack.com/api/"
    # The current time; the sandbox moves it forward.
    clock: Clock = utcnow
    # Units of work for what a listener goes on doing after Slack has its answer (registering a
    # whole channel): nobody waits on a socket, so they wait longer for the database's locks.
    background_uow: Callable[[], UnitOfWorkScope] | None = None

    def later_uow(self) -> UnitOfWorkScope:
        """A unit of work for work done after the answer (see `background_uow`)."""
        return (self.background_uow or self.uow)()

    def link_url(self, state: str) -> str:
        """Where the link button sends the browser (our own start page)."""
        return f"{self.public_url}/goto/oauth/start?state={state}"

    @property
    def goto_redirect_uri(self) -> str:
        """The OAuth callback GoTo redirects to."""
        return f"{self.public_url}/goto/oauth/callback"
