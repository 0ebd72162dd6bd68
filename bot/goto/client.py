"""One object per location bundling both GoTo product clients over one HTTP session."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from types import TracebackType

import httpx

from bot.goto.auth import DEFAULT_COORDINATOR, GoToAuth, RefreshCoordinator
from bot.goto.base import Key
from bot.goto.check import EventCheck, check_event
from bot.goto.detect import detect_product, require_training, require_webinar
from bot.goto.errors import Product
from bot.goto.models import GoToEvent, Training, Webinar
from bot.goto.oauth import GoToOAuth
from bot.goto.ratelimit import DEFAULT_LIMITERS, Limiters, Monotonic, RateLimit, Sleep
from bot.goto.tokens import TokenSet, TokenStore, utcnow
from bot.goto.training import TrainingClient
from bot.goto.transport import (
    DEFAULT_TIMEOUT,
    Clock,
    GoToHttp,
    Jitter,
    RetryPolicy,
    full_jitter,
)
from bot.goto.webinar import WebinarClient

# How far ahead the event picker looks.
UPCOMING_DAYS = 365


class GoToClient:
    """GoToWebinar and GoToTraining access for one location (`.webinar`, `.training`)."""

    def __init__(self, http: GoToHttp) -> None:
        self.http = http
        self.webinar = WebinarClient(http)
        self.training = TrainingClient(http)

    @classmethod
    def for_location(
        cls,
        *,
        oauth: GoToOAuth,
        client_id: str,
        client_secret: str,
        location_id: int,
        tokens: TokenSet,
        store: TokenStore,
        rate_limit: RateLimit = RateLimit(),
        retry: RetryPolicy = RetryPolicy(),
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        now: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        jitter: Jitter = full_jitter,
        limiters: Limiters = DEFAULT_LIMITERS,
        coordinator: RefreshCoordinator = DEFAULT_COORDINATOR,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> GoToClient:
        """Build the auth flow and HTTP session of a location from its stored tokens."""
        auth = GoToAuth(
            oauth=oauth,
            client_id=client_id,
            client_secret=client_secret,
            location_id=location_id,
            tokens=tokens,
            store=store,
            now=now,
            coordinator=coordinator,
        )
        http = GoToHttp(
            auth,
            consumer_key=client_id,
            api_url=oauth.api_url,
            rate_limit=rate_limit,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            monotonic=monotonic,
            now=now,
            jitter=jitter,
            limiters=limiters,
            transport=transport,
            observer=oauth.observer,
        )
        return cls(http)

    async def detect_product(self, organizer_key: Key, key: Key) -> Product | None:
        """Which product knows `key`: "webinar", "training" or None."""
        return await detect_product(self.webinar, self.training, organizer_key, key)

    async def require_webinar(self, organizer_key: Key, key: Key) -> Webinar:
        """The webinar, or WrongProduct / NotFound."""
        return await require_webinar(self.webinar, self.training, organizer_key, key)

    async def require_training(self, organizer_key: Key, key: Key) -> Training:
        """The training, or WrongProduct / NotFound."""
        return await require_training(self.webinar, self.training, organizer_key, key)

    async def upcoming_events(
        self,
        product: Product,
        organizer_key: Key,
        *,
        now: datetime,
        days: int = UPCOMING_DAYS,
    ) -> list[GoToEvent]:
        """The organizer's webinars or trainings still to end within `days`, soonest first.

        An event in progress counts (its end is still ahead). Webinar list items carry no
        registration limit; check_event fetches the one picked.
        """
        until = now + timedelta(days=days)
        if product == "webinar":
            webinars = await self.webinar.upcoming_webinars(organizer_key, now, until)
            events = [GoToEvent.from_webinar(w) for w in webinars]
        else:
            trainings = await self.training.upcoming_trainings(organizer_key)
            events = [GoToEvent.from_training(t) for t in trainings]
        return [e for e in events if e.upcoming(now) and e.start is not None and e.start < until]

    async def create_event(
        self,
        product: Product,
        organizer_key: Key,
        *,
        subject: str,
        start: datetime,
        end: datetime,
        time_zone: str,
        description: str | None = None,
    ) -> str:
        """Create a one-session webinar or training on GoTo and return its key."""
        if product == "webinar":
            return await self.webinar.create_webinar(
                organizer_key,
                subject=subject,
                start=start,
                end=end,
                time_zone=time_zone,
                description=description,
            )
        return await self.training.create_training(
            organizer_key,
            name=subject,
            start=start,
            end=end,
            time_zone=time_zone,
            description=description,
        )

    async def check_event(
        self, product: Product, organizer_key: Key, key: Key, *, now: datetime
    ) -> EventCheck:
        """Upcoming, ended/cancelled, not found or the other product's key (see check.py)."""
        return await check_event(self.webinar, self.training, product, organizer_key, key, now=now)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self.http.aclose()

    async def __aenter__(self) -> GoToClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
