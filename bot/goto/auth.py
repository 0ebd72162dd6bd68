"""httpx auth flow that adds the GoTo bearer token and refreshes it when needed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import AsyncGenerator, Generator
from datetime import timedelta

import httpx
from pydantic import SecretStr

from bot.goto.errors import GoToError, NeedsRelink, TokenOutcomeUnknown
from bot.goto.oauth import GoToOAuth
from bot.goto.responses import is_invalid_token
from bot.goto.tokens import TokenSet, TokenStore, utcnow
from bot.goto.transport import Clock

log = logging.getLogger(__name__)


def _fingerprint(secret: SecretStr) -> str:
    # Only a digest is kept, so the coordinator never holds a second copy of the token.
    return hashlib.sha256(secret.get_secret_value().encode()).hexdigest()


class RefreshCoordinator:
    """Allows one refresh at a time per location and shares its result with the waiters."""

    def __init__(self) -> None:
        # Locks are per event loop: an asyncio.Lock used on two loops raises RuntimeError.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]]
        self._locks = weakref.WeakKeyDictionary()
        self._results: dict[int, tuple[str, TokenSet]] = {}
        self._unanswered: dict[int, tuple[str, str]] = {}

    def lock(self, location_id: int) -> asyncio.Lock:
        """The refresh lock of a location on the running loop."""
        locks = self._locks.setdefault(asyncio.get_running_loop(), {})
        return locks.setdefault(location_id, asyncio.Lock())

    def result_of(self, location_id: int, refresh_token: SecretStr) -> TokenSet | None:
        """Tokens a refresh with `refresh_token` produced for this location, if any."""
        entry = self._results.get(location_id)
        if entry is not None and entry[0] == _fingerprint(refresh_token):
            return entry[1]
        return None

    def record(self, location_id: int, refresh_token: SecretStr, tokens: TokenSet) -> None:
        """Remember that refreshing with `refresh_token` produced `tokens`."""
        self._results[location_id] = (_fingerprint(refresh_token), tokens)

    def unanswered(self, location_id: int, refresh_token: SecretStr) -> str | None:
        """Why a refresh with `refresh_token` has an unknown outcome, if one has."""
        entry = self._unanswered.get(location_id)
        if entry is not None and entry[0] == _fingerprint(refresh_token):
            return entry[1]
        return None

    def record_unanswered(self, location_id: int, refresh_token: SecretStr, reason: str) -> None:
        """Remember that GoTo may have replaced `refresh_token`: it is never sent again."""
        self._unanswered[location_id] = (_fingerprint(refresh_token), reason)


DEFAULT_COORDINATOR = RefreshCoordinator()


class GoToAuth(httpx.Auth):
    """Bearer auth for one location: proactive refresh, one refresh + resend on InvalidToken."""

    def __init__(
        self,
        *,
        oauth: GoToOAuth,
        client_id: str,
        client_secret: str,
        location_id: int,
        tokens: TokenSet,
        store: TokenStore,
        now: Clock = utcnow,
        coordinator: RefreshCoordinator = DEFAULT_COORDINATOR,
        refresh_margin: timedelta = timedelta(seconds=30),
    ) -> None:
        self.location_id = location_id
        self._oauth = oauth
        self._client_id = client_id
        self._client_secret = SecretStr(client_secret)
        self._tokens = tokens
        self._store = store
        self._now = now
        self._coordinator = coordinator
        # Refresh slightly early so a token does not expire between check and use.
        self._margin = refresh_margin
        self._unsaved: TokenSet | None = None

    def __repr__(self) -> str:
        return f"GoToAuth(location_id={self.location_id})"

    @property
    def tokens(self) -> TokenSet:
        """The tokens currently in use."""
        return self._tokens

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Not supported: the GoTo client is async-only."""
        raise RuntimeError("GoToAuth only works with httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the bearer token; on an invalid-token answer refresh once and resend."""
        if self._unsaved is not None:
            await self._save(self._unsaved)
        tokens = self._tokens
        if tokens.access_expired(self._now(), self._margin):
            tokens = await self._refresh(tokens)
        _set_bearer(request, tokens)
        response = yield request
        # httpx only reads bodies for auth flows inside its default async_auth_flow.
        await response.aread()
        if is_invalid_token(response):
            log.info("GoTo rejected the access token of location %s; refreshing", self.location_id)
            tokens = await self._refresh(tokens)
            _set_bearer(request, tokens)
            yield request

    async def _refresh(self, stale: TokenSet) -> TokenSet:
        async with self._coordinator.lock(self.location_id):
            now = self._now()
            # While this call waited, another one may have refreshed already: reuse it.
            current = self._tokens
            if current.access_token != stale.access_token and not current.access_expired(
                now, self._margin
            ):
                return current
            shared = self._coordinator.result_of(self.location_id, stale.refresh_token)
            if (
                shared is not None
                and shared.access_token != stale.access_token
                and not shared.access_expired(now, self._margin)
            ):
                self._tokens = shared
                return shared
            # GoTo may already have replaced this refresh token: sending it again could
            # revoke the connection or spend a token we never received. Re-linking fixes it.
            unanswered = self._coordinator.unanswered(self.location_id, stale.refresh_token)
            if unanswered is not None:
                raise TokenOutcomeUnknown("refresh_token", unanswered)
            try:
                fresh = await self._send_refresh(stale)
            except NeedsRelink as exc:
                # Another process may have rotated this refresh token and stored the new one:
                # GoTo then refuses ours, and the stored tokens are the connection's.
                stored = await self._reload(stale)
                if stored is None:
                    await self._report(exc)
                    raise
                log.info(
                    "location %s: using the tokens another process refreshed", self.location_id
                )
                self._tokens = stored
                if not stored.access_expired(self._now(), self._margin):
                    return stored
                try:
                    fresh = await self._send_refresh(stored)
                except NeedsRelink as again:
                    await self._report(again)
                    raise
                stale = stored
            self._tokens = fresh
            self._coordinator.record(self.location_id, stale.refresh_token, fresh)
            await self._save(fresh)
            return fresh

    async def _send_refresh(self, stale: TokenSet) -> TokenSet:
        try:
            return await self._oauth.refresh(
                self._client_id,
                self._client_secret.get_secret_value(),
                stale.refresh_token.get_secret_value(),
                previous=stale,
            )
        except TokenOutcomeUnknown as exc:
            self._coordinator.record_unanswered(self.location_id, stale.refresh_token, exc.reason)
            await self._report(exc)
            raise

    async def _reload(self, stale: TokenSet) -> TokenSet | None:
        """The stored tokens when they differ from `stale` (rotated elsewhere), else None."""
        try:
            stored = await self._store.load(self.location_id)
        except Exception:
            log.exception("Could not reload the GoTo tokens of location %s", self.location_id)
            return None
        if stored is None or stored.refresh_token == stale.refresh_token:
            return None
        return stored

    async def _report(self, error: GoToError) -> None:
        # The caller still gets the error; a failed report must not replace it.
        try:
            await self._store.connection_failed(self.location_id, error.message)
        except Exception:
            log.exception("Could not mark the GoTo connection of location %s", self.location_id)

    async def _save(self, tokens: TokenSet) -> None:
        # A failed save must not fail the GoTo call that triggered the refresh, but the
        # rotated refresh token must reach storage, so the save is retried on the next call.
        try:
            await self._store.save(self.location_id, tokens)
        except Exception:
            log.exception("Could not store refreshed GoTo tokens of location %s", self.location_id)
            self._unsaved = tokens
        else:
            self._unsaved = None


def _set_bearer(request: httpx.Request, tokens: TokenSet) -> None:
    request.headers["Authorization"] = f"Bearer {tokens.access_token.get_secret_value()}"
