"""GoTo clients for linked locations, and the TokenStore that keeps refreshed tokens encrypted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.goto.client import GoToClient
from bot.goto.errors import GoToError, InvalidClient, NeedsRelink, TokenOutcomeUnknown
from bot.goto.oauth import GoToOAuth
from bot.goto.ratelimit import DEFAULT_LIMITERS, Limiters, RateLimit
from bot.goto.tokens import TokenSet
from db.uow import SqlUnitOfWork
from domain import mrkdwn
from domain.errors import InvalidInput
from domain.models import Location
from domain.ports import RefreshedTokens, RefreshPostponed, RefreshRefused, SecretSealer
from domain.services.connections import mark_connection_failed, store_refreshed_tokens
from domain.types import utcnow

log = logging.getLogger(__name__)


class LocationTokenStore:
    """TokenStore port: new tokens go to the location's row, encrypted; failures to its status."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        sealer: SecretSealer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._sealer = sealer
        self.clock = clock

    async def save(self, location_id: int, tokens: TokenSet) -> None:
        """Persist a location's fresh tokens."""
        async with SqlUnitOfWork(self._factory) as uow:
            await store_refreshed_tokens(
                uow,
                location_id,
                sealer=self._sealer,
                access_token=tokens.access_token.get_secret_value(),
                refresh_token=tokens.refresh_token.get_secret_value(),
                access_expires_at=tokens.access_expires_at,
                connection_expires_at=tokens.connection_expires_at,
            )
            await uow.commit()

    async def connection_failed(self, location_id: int, problem: str) -> None:
        """Show the location's connection as failed (e.g. a refresh GoTo did not answer)."""
        async with SqlUnitOfWork(self._factory) as uow:
            await mark_connection_failed(uow, location_id, problem=problem, now=self.clock())
            await uow.commit()

    async def load(self, location_id: int) -> TokenSet | None:
        """The location's stored tokens, decrypted (another process may have rotated them)."""
        async with SqlUnitOfWork(self._factory) as uow:
            location = await uow.session.get(Location, location_id)
        if location is None:
            return None
        return stored_tokens(location, self._sealer)


def stored_tokens(location: Location, sealer: SecretSealer) -> TokenSet | None:
    """The tokens a linked location holds, decrypted; None when it is not linked."""
    if (
        not location.access_token_enc
        or not location.refresh_token_enc
        or location.access_expires_at is None
        or not location.goto_organizer_key
    ):
        return None
    return TokenSet(
        access_token=sealer.decrypt(location.access_token_enc),  # type: ignore[arg-type]
        refresh_token=sealer.decrypt(location.refresh_token_enc),  # type: ignore[arg-type]
        access_expires_at=location.access_expires_at,
        connection_expires_at=location.connection_expires_at,
        organizer_key=location.goto_organizer_key,
        account_key=location.goto_account_key,
        email=location.goto_email,
    )


class GoToTokenRefresher:
    """TokenRefresher port: one refresh grant with a location's stored tokens, its outcome told
    apart (new tokens, refused for good, or to try again later)."""

    def __init__(self, oauth: GoToOAuth, sealer: SecretSealer) -> None:
        self._oauth = oauth
        self._sealer = sealer

    async def refresh(
        self, location: Location
    ) -> RefreshedTokens | RefreshRefused | RefreshPostponed:
        """Send the stored refresh token once; a missing new refresh token keeps the old one."""
        tokens = stored_tokens(location, self._sealer)
        if tokens is None or not location.consumer_key or not location.consumer_secret_enc:
            return RefreshRefused("the location is not linked to a GoTo account")
        try:
            fresh = await self._oauth.refresh(
                location.consumer_key,
                self._sealer.decrypt(location.consumer_secret_enc),
                tokens.refresh_token.get_secret_value(),
                previous=tokens,
            )
        except (NeedsRelink, InvalidClient, TokenOutcomeUnknown) as exc:
            # An unanswered refresh may have spent the token: only a re-link is safe then.
            return RefreshRefused(exc.message)
        except GoToError as exc:
            return RefreshPostponed(exc.message)
        return RefreshedTokens(
            access_token=fresh.access_token.get_secret_value(),
            refresh_token=fresh.refresh_token.get_secret_value(),
            access_expires_at=fresh.access_expires_at,
            connection_expires_at=fresh.connection_expires_at,
        )


# Connections to GoTo per consumer key: its rate limit lets few requests be in flight at once,
# and a pool looks at each of its connections for every request it sends.
POOL_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=8)


class SharedTransport(httpx.AsyncBaseTransport):
    """The connection pool every client of one consumer key sends through, open until shutdown."""

    # A client per call then costs no TLS set-up and no new connection; the clients' own
    # aclose leaves the pool open.

    def __init__(self, pool: httpx.AsyncBaseTransport | None = None) -> None:
        self._pool = pool or httpx.AsyncHTTPTransport(limits=POOL_LIMITS)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the shared pool."""
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        """Called by each client as it closes: the pool stays for the next one."""

    async def shutdown(self) -> None:
        """Close the pool's connections (the process is stopping)."""
        await self._pool.aclose()


class GoToConnections:
    """Builds a GoTo client for a linked location from its stored, encrypted tokens."""

    def __init__(
        self,
        oauth: GoToOAuth,
        factory: async_sessionmaker[AsyncSession],
        sealer: SecretSealer,
        *,
        rate_limit: float = 10.0,
        limiters: Limiters = DEFAULT_LIMITERS,
    ) -> None:
        self._oauth = oauth
        # This process's buckets (SQLite), or the limit shared through PostgreSQL.
        self._limiters = limiters
        self._sealer = sealer
        self._store = LocationTokenStore(factory, sealer)
        self.refresher = GoToTokenRefresher(oauth, sealer)
        self._rate = RateLimit(rate_limit)
        # Reading attendance builds a client per learner; building each its own pool would
        # cost a TLS context (tens of ms of CPU) and a new connection every time.
        self._transports: dict[str, SharedTransport] = {}

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        """Read the runtime's clock when a failed connection is recorded."""
        self._store.clock = clock

    async def aclose(self) -> None:
        """Close the connections kept open to GoTo."""
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.shutdown()

    def _transport(self, consumer_key: str) -> SharedTransport:
        transport = self._transports.get(consumer_key)
        if transport is None:
            transport = self._transports[consumer_key] = SharedTransport()
        return transport

    def client_for(self, location: Location) -> GoToClient:
        """A client that refreshes (once at a time) and stores new tokens by itself."""
        if (
            location.id is None
            or not location.consumer_key
            or not location.consumer_secret_enc
            or not location.goto_organizer_key
            or not location.access_token_enc
            or not location.refresh_token_enc
            or location.access_expires_at is None
        ):
            raise InvalidInput(
                f"{mrkdwn.bold(location.name)} is not linked to a GoTo account: "
                f"{mrkdwn.code('/vilt location link ' + location.name)}."
            )
        tokens = stored_tokens(location, self._sealer)
        assert tokens is not None
        return GoToClient.for_location(
            oauth=self._oauth,
            client_id=location.consumer_key,
            client_secret=self._sealer.decrypt(location.consumer_secret_enc),
            location_id=location.id,
            tokens=tokens,
            store=self._store,
            rate_limit=self._rate,
            limiters=self._limiters,
            transport=self._transport(location.consumer_key),
        )
