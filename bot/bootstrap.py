"""The one place where engine, clients, services and handlers are wired."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.crypto import SecretBox
from bot.goto.oauth import GoToOAuth
from bot.goto.ratelimit import DEFAULT_LIMITERS, Limiters
from bot.goto_connections import GoToConnections
from bot.goto_events import GoToEventChecker
from bot.goto_linker import OAuthLinker
from bot.goto_rate_limits import SharedRateLimits
from bot.goto_registrar import GoToRegistrationDesk
from bot.goto_reports import GoToReportReader
from bot.jobs.connection_warnings import connection_warnings_job
from bot.jobs.deliver_notices import deliver_notices_job
from bot.jobs.refresh_tokens import refresh_tokens_job
from bot.jobs.retry_registrations import retry_registrations_job
from bot.jobs.session_reminders import REMINDER_POLL_SECONDS, session_reminders_job
from bot.jobs.sync_attendance import sync_attendance_job
from bot.metrics.registry import Metrics
from bot.scheduler import add_interval_job, create_scheduler
from bot.settings import Settings
from bot.slack.clients import SlackClients
from bot.slack.directory import WebApiDirectory
from bot.slack.installations import EncryptedInstallationStore
from bot.slack.outbox import Outbox, WebApiPoster
from bot.slack.report_blocks import BlockKitReportRenderer
from bot.slack_app import create_slack_app
from db.engine import JOB_TIMEOUTS, create_engine, session_factory
from db.uow import SqlUnitOfWork
from domain.ports import Clock
from domain.services import completion_sync
from domain.services.completion_sync import SyncResult
from domain.services.connections import RefreshRun, refresh_location
from domain.services.identity import ensure_workspace
from handlers.ports import Deps

log = logging.getLogger(__name__)

# A process stops even when something it closes does not answer (a connection to a peer gone).
CLOSE_SECONDS = 10.0


@dataclass
class Runtime:
    """Everything a running viltbot process holds."""

    settings: Settings
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    deps: Deps
    slack_clients: SlackClients
    goto: GoToConnections
    slack_app: AsyncApp
    outbox: Outbox
    box: SecretBox
    scheduler: AsyncIOScheduler | None = None
    # Counters of this runtime only (GET /metrics): jobs, GoTo traffic.
    metrics: Metrics = field(default_factory=Metrics)
    extras: dict[str, object] = field(default_factory=dict)
    # Run once the web app starts, in its event loop, e.g. to start an extra's background task.
    starters: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Run first on close, e.g. to stop Socket Mode before the database goes away.
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Told as soon as the server is asked to stop, before it waits for open connections: long
    # responses (an event stream) end then. Called from a signal handler: set a flag, no more.
    stopping: list[Callable[[], None]] = field(default_factory=list)

    @property
    def clock(self) -> Clock:
        """The current time for jobs and handlers (the sandbox moves it forward)."""
        return self.deps.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.deps.clock = clock

    @property
    def sync_lease(self) -> timedelta:
        """How long a sync run holds a session before another process may take it over."""
        return timedelta(seconds=self.settings.sync_lease_seconds)

    def jobs_uow(self) -> SqlUnitOfWork:
        """A unit of work with the jobs' longer database timeouts."""
        return SqlUnitOfWork(self.outbox.factory)

    async def sync_now(self, session_id: int | None = None) -> list[SyncResult]:
        """Run attendance sync now: the due sessions, or one session by hand."""
        if session_id is None:
            return await sync_attendance_job(
                self.jobs_uow,
                self.deps.goto_reports,
                self.deps.report_renderer,
                self.clock,
                lease=self.sync_lease,
            )()
        result = await completion_sync.sync_session(
            self.jobs_uow,
            session_id,
            goto=self.deps.goto_reports,
            renderer=self.deps.report_renderer,
            now=self.clock(),
            by_hand=True,
            lease=self.sync_lease,
        )
        return [result]

    async def refresh_tokens_now(self) -> RefreshRun:
        """Run the token refresh job once now."""
        return await refresh_tokens_job(
            self.jobs_uow, self.goto.refresher, self.box, lambda: self.clock()
        )()

    async def refresh_location_now(self, location_id: int) -> str:
        """Refresh one location's GoTo tokens now (a refusal marks it failed and warns)."""
        return await refresh_location(
            self.jobs_uow,
            location_id,
            refresher=self.goto.refresher,
            sealer=self.box,
            now=self.clock(),
        )

    async def connection_warnings_now(self) -> int:
        """Run the connection warnings job once now; how many warnings were new."""
        return await connection_warnings_job(self.jobs_uow, lambda: self.clock())()

    def start_scheduler(self) -> AsyncIOScheduler:
        """Start the jobs in the running event loop."""
        scheduler = create_scheduler()
        add_interval_job(
            scheduler,
            "deliver_notices",
            deliver_notices_job(self.outbox),
            self.settings.notice_poll_seconds,
            recorder=self.metrics,
        )
        add_interval_job(
            scheduler,
            "retry_registrations",
            retry_registrations_job(self.jobs_uow, self.deps.goto_registrar, lambda: self.clock()),
            self.settings.registration_retry_seconds,
            recorder=self.metrics,
        )
        add_interval_job(
            scheduler,
            "sync_attendance",
            sync_attendance_job(
                self.jobs_uow,
                self.deps.goto_reports,
                self.deps.report_renderer,
                lambda: self.clock(),
                lease=self.sync_lease,
            ),
            self.settings.sync_poll_seconds,
            recorder=self.metrics,
        )
        add_interval_job(
            scheduler,
            "session_reminders",
            session_reminders_job(self.outbox.factory, lambda: self.clock()),
            REMINDER_POLL_SECONDS,
            recorder=self.metrics,
        )
        add_interval_job(
            scheduler,
            "refresh_tokens",
            refresh_tokens_job(self.jobs_uow, self.goto.refresher, self.box, lambda: self.clock()),
            self.settings.refresh_poll_seconds,
            recorder=self.metrics,
        )
        add_interval_job(
            scheduler,
            "connection_warnings",
            connection_warnings_job(self.jobs_uow, lambda: self.clock()),
            self.settings.warning_poll_seconds,
            recorder=self.metrics,
        )
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    def serve_at(self, public_url: str) -> None:
        """Hand out links to this address (known only once the server has bound its port)."""
        self.settings.public_url = public_url
        self.deps.public_url = public_url

    async def close(self) -> None:
        """Stop taking work (closers, jobs), then release connections."""
        for closer in self.closers:
            await _within_limit(closer)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await _within_limit(self.engine.dispose)


async def _within_limit(close: Callable[[], Awaitable[None]]) -> None:
    """Run one step of closing, giving up (and saying so) after CLOSE_SECONDS."""
    try:
        await asyncio.wait_for(close(), CLOSE_SECONDS)
    except TimeoutError:
        log.warning("closing: %s did not finish within %ss", close, CLOSE_SECONDS)


def build_runtime(settings: Settings) -> Runtime:
    """Wire a runtime from settings (no I/O happens here)."""
    # Requests give up on the database within a second or two; jobs may wait longer.
    engine = create_engine(settings.database_url)
    factory = session_factory(engine)
    jobs_engine = create_engine(settings.database_url, timeouts=JOB_TIMEOUTS)
    jobs_factory = session_factory(jobs_engine)
    if settings.secret_key is None:
        raise ValueError("VILTBOT_SECRET_KEY is required: it encrypts secrets at rest")
    box = SecretBox(settings.secret_key.get_secret_value())
    store = None
    if settings.multi_workspace:
        assert settings.slack_client_id is not None

        async def on_installed(workspace_id: str, name: str, user_id: str) -> None:
            async with SqlUnitOfWork(factory) as uow:
                await ensure_workspace(uow, workspace_id, name=name, installer_user_id=user_id)
                await uow.commit()

        store = EncryptedInstallationStore(settings.slack_client_id, engine, box, on_installed)
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    clients = SlackClients(settings.slack_api_url, bot_token=bot_token, installation_store=store)
    metrics = Metrics()
    # Tokens are dated by the runtime's clock (the sandbox moves it), as the jobs read them.
    oauth = GoToOAuth(
        auth_url=settings.goto_auth_url,
        api_url=settings.goto_api_url,
        now=lambda: deps.clock(),
        observer=metrics,
    )
    closers: list[Callable[[], Awaitable[None]]] = [jobs_engine.dispose]
    limiters: Limiters = DEFAULT_LIMITERS
    if jobs_engine.dialect.name == "postgresql":
        # Several processes may share this database: they share each consumer key's rate too.
        # One autocommitted statement per GoTo request: no BEGIN, COMMIT or ping around it, and
        # connections enough for the requests a sync sends side by side.
        rate_engine = create_engine(
            settings.database_url,
            timeouts=JOB_TIMEOUTS,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_size=10,
            max_overflow=20,
        )
        limiters = SharedRateLimits(rate_engine)
        closers.append(rate_engine.dispose)
    goto = GoToConnections(
        oauth, jobs_factory, box, rate_limit=settings.goto_rate_limit, limiters=limiters
    )
    goto.use_clock(lambda: deps.clock())
    closers.append(goto.aclose)
    deps = Deps(
        uow=lambda: SqlUnitOfWork(factory),
        background_uow=lambda: SqlUnitOfWork(jobs_factory),
        directory=WebApiDirectory(clients),
        sealer=box,
        goto_linker=OAuthLinker(oauth),
        goto_events=GoToEventChecker(goto, clock=lambda: deps.clock()),
        public_url=settings.public_url,
        first_admins=settings.admin_ids,
        goto_registrar=GoToRegistrationDesk(goto),
        goto_reports=GoToReportReader(goto),
        report_renderer=BlockKitReportRenderer(),
        slack_api_url=settings.slack_api_url,
    )
    slack_app = create_slack_app(
        deps, settings=settings, clients=clients, installation_store=store, engine=engine
    )
    outbox = Outbox(
        factory=jobs_factory,
        poster=WebApiPoster(clients),
        max_attempts=settings.notice_max_attempts,
        lease=timedelta(seconds=settings.notice_lease_seconds),
    )
    return Runtime(
        settings=settings,
        engine=engine,
        factory=factory,
        deps=deps,
        slack_clients=clients,
        goto=goto,
        slack_app=slack_app,
        outbox=outbox,
        box=box,
        metrics=metrics,
        closers=closers,
    )
