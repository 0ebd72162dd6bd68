"""GoTo OAuth 2 (authorization code flow) against the current authentication host."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr

from bot.goto.errors import (
    CodeRejected,
    GoToError,
    InvalidClient,
    NeedsRelink,
    NoAnswer,
    TokenOutcomeUnknown,
    UnexpectedResponse,
)
from bot.goto.models import parse
from bot.goto.observe import GoToObserver
from bot.goto.ratelimit import Monotonic, Sleep
from bot.goto.responses import error_code, json_body, json_or_none, raise_for_status
from bot.goto.tokens import REFRESH_TOKEN_LIFETIME, TokenSet, utcnow
from bot.goto.transport import (
    DEFAULT_API_URL,
    DEFAULT_TIMEOUT,
    Clock,
    Jitter,
    Retrier,
    RetryPolicy,
    answer_hooks,
    full_jitter,
)

log = logging.getLogger(__name__)

# The specs still name api.getgo.com/oauth/v2, which GoTo has decommissioned.
DEFAULT_AUTH_URL = "https://authentication.logmeininc.com"

GrantType = Literal["authorization_code", "refresh_token"]


class _TokenAnswer(BaseModel):
    """Body of a successful token answer (RFC 6749 plus GoTo's legacy extras)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    access_token: SecretStr
    expires_in: int = 3600
    refresh_token: SecretStr | None = None
    organizer_key: str | None = None
    account_key: str | None = None
    # The current host names the user's email `principal`.
    email: str | None = Field(default=None, validation_alias=AliasChoices("email", "principal"))
    first_name: str | None = Field(
        default=None, validation_alias=AliasChoices("firstName", "first_name")
    )
    last_name: str | None = Field(
        default=None, validation_alias=AliasChoices("lastName", "last_name")
    )


@dataclass(frozen=True)
class Identity:
    """The GoTo user behind a token, from the identity API."""

    organizer_key: str
    account_key: str | None
    email: str | None
    first_name: str | None
    last_name: str | None


def _first_str(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def parse_identity(body: Any) -> Identity:
    """Read the SCIM-like `Users/me` body tolerantly; only `id` is required."""
    if not isinstance(body, dict):
        raise UnexpectedResponse("user profile")
    organizer_key = _first_str(body.get("id"), body.get("userKey"))
    if organizer_key is None:
        raise UnexpectedResponse("user profile", "id")
    emails = body.get("emails")
    email_values: list[Any] = []
    if isinstance(emails, list):
        entries = [e for e in emails if isinstance(e, dict)]
        # Prefer the address flagged primary; SCIM lists may hold several.
        entries.sort(key=lambda e: not e.get("primary", False))
        email_values = [e.get("value") for e in entries]
    raw_name = body.get("name")
    name: dict[str, Any] = raw_name if isinstance(raw_name, dict) else {}
    # The account key sits in a vendor extension ("urn:...") in the SCIM shape.
    extensions = [v for k, v in body.items() if k.startswith("urn:") and isinstance(v, dict)]
    # GoTo's SCIM record lists the user's accounts as [{"value": accountKey, "display": …}].
    raw_accounts = body.get("accounts")
    accounts = raw_accounts if isinstance(raw_accounts, list) else []
    listed = [a.get("value") for a in accounts if isinstance(a, dict)]
    account_key = _first_str(
        body.get("accountKey"), *(e.get("accountKey") for e in extensions), *listed
    )
    return Identity(
        organizer_key=organizer_key,
        account_key=account_key,
        email=_first_str(*email_values, body.get("userName"), body.get("email")),
        first_name=_first_str(name.get("givenName"), body.get("firstName")),
        last_name=_first_str(name.get("familyName"), body.get("lastName")),
    )


class GoToOAuth:
    """Authorize URL, code exchange, refresh and identity lookup for GoTo accounts."""

    def __init__(
        self,
        *,
        auth_url: str = DEFAULT_AUTH_URL,
        api_url: str = DEFAULT_API_URL,
        now: Clock = utcnow,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        jitter: Jitter = full_jitter,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: GoToObserver | None = None,
    ) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self._now = now
        self._timeout = timeout
        self._transport = transport
        # Told of every request this client and the location clients built on it send.
        self.observer = observer
        self._retrier = Retrier(
            retry, sleep=sleep, monotonic=monotonic, now=now, jitter=jitter, observer=observer
        )

    def authorize_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        """URL to send the user to so they grant the bot access."""
        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{self.auth_url}/oauth/authorize?{query}"

    async def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> TokenSet:
        """Trade an authorization code for tokens (a code works once, so it is sent once).

        Raises TokenOutcomeUnknown when GoTo may have taken the code but its answer was lost.
        """
        answer = await self._token_request(
            client_id,
            client_secret,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )
        if answer.refresh_token is None:
            raise UnexpectedResponse("token answer", "refresh_token")
        return await self._token_set(answer, sent_refresh_token=None, previous=None)

    async def refresh(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        previous: TokenSet | None = None,
    ) -> TokenSet:
        """Get a new access token; keeps the old refresh token when GoTo sends none.

        `previous` (the tokens being replaced) supplies the organizer and connection expiry
        when the answer leaves them out, saving an identity lookup. Raises TokenOutcomeUnknown
        when GoTo may have replaced the refresh token but its answer was lost.
        """
        answer = await self._token_request(
            client_id,
            client_secret,
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
        )
        return await self._token_set(answer, sent_refresh_token=refresh_token, previous=previous)

    async def identity(self, access_token: str) -> Identity:
        """Who the token belongs to (`GET {api_url}/identity/v1/Users/me`)."""
        url = f"{self.api_url}/identity/v1/Users/me"
        async with self._client() as client:
            response = await self._retrier.send(
                client,
                lambda: client.build_request(
                    "GET",
                    url,
                    headers={
                        "Authorization": f"Bearer {access_token}",
                        "Accept": "application/json",
                    },
                    timeout=self._timeout,
                ),
            )
        raise_for_status(response, "your GoTo user profile")
        return parse_identity(json_body(response, "user profile"))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport,
            timeout=self._timeout,
            event_hooks={"response": answer_hooks(self.observer)},
        )

    async def _token_request(
        self, client_id: str, client_secret: str, form: dict[str, str]
    ) -> _TokenAnswer:
        grant: GrantType = (
            "refresh_token" if form["grant_type"] == "refresh_token" else "authorization_code"
        )
        basic = httpx.BasicAuth(client_id, client_secret)
        url = f"{self.auth_url}/oauth/token"
        async with self._client() as client:
            try:
                response = await self._retrier.send(
                    client,
                    lambda: client.build_request(
                        "POST",
                        url,
                        data=form,
                        headers={"Accept": "application/json"},
                        timeout=self._timeout,
                    ),
                    auth=basic,
                    idempotent=False,
                )
            except NoAnswer as exc:
                log.warning("GoTo token endpoint did not answer a %s grant: %s", grant, exc.reason)
                raise TokenOutcomeUnknown(grant, exc.reason) from None
        if response.status_code >= 500:
            log.warning(
                "GoTo token endpoint answered a %s grant with HTTP %s", grant, response.status_code
            )
            raise TokenOutcomeUnknown(grant, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            _raise_token_error(response, grant)
        return parse(_TokenAnswer, json_body(response, "token answer"), "token answer")

    async def _token_set(
        self,
        answer: _TokenAnswer,
        *,
        sent_refresh_token: str | None,
        previous: TokenSet | None,
    ) -> TokenSet:
        issued = self._now()
        if answer.refresh_token is not None:
            refresh_token = answer.refresh_token
        elif sent_refresh_token is not None:
            refresh_token = SecretStr(sent_refresh_token)
        else:
            raise UnexpectedResponse("token answer", "refresh_token")
        # Only a newly issued refresh token restarts the ~30 day connection lifetime.
        rotated = (
            answer.refresh_token is not None
            and answer.refresh_token.get_secret_value() != sent_refresh_token
        )
        connection_expires_at = (
            issued + REFRESH_TOKEN_LIFETIME
            if rotated
            else (previous.connection_expires_at if previous else None)
        )
        organizer_key = answer.organizer_key or (previous.organizer_key if previous else None)
        account_key = answer.account_key or (previous.account_key if previous else None)
        email = answer.email or (previous.email if previous else None)
        first_name = answer.first_name or (previous.first_name if previous else None)
        last_name = answer.last_name or (previous.last_name if previous else None)
        if organizer_key is None:
            # The current host no longer puts organizer_key in the token answer.
            who = await self.identity(answer.access_token.get_secret_value())
            organizer_key = who.organizer_key
            account_key = account_key or who.account_key
            email = email or who.email
            first_name = first_name or who.first_name
            last_name = last_name or who.last_name
        return TokenSet(
            access_token=answer.access_token,
            refresh_token=refresh_token,
            access_expires_at=issued + timedelta(seconds=answer.expires_in),
            connection_expires_at=connection_expires_at,
            organizer_key=organizer_key,
            account_key=account_key,
            email=email,
            first_name=first_name,
            last_name=last_name,
        )


def _refusal(response: httpx.Response) -> str:
    """GoTo's reason for refusing a refresh token, in one short plain line (no token in it)."""
    body = json_or_none(response)
    said = body.get("error_description") if isinstance(body, dict) else None
    if isinstance(said, str) and said.strip():
        reason = " ".join(said.split())[:200].rstrip(".")
        return f"GoTo refused the refresh token ({reason}). Please reconnect the GoTo account."
    return "The GoTo connection has expired or was revoked. Please reconnect the GoTo account."


def _raise_token_error(response: httpx.Response, grant: GrantType) -> None:
    code = error_code(response)
    log.warning("GoTo token endpoint refused a %s grant: %s", grant, code or response.status_code)
    if code == "invalid_client" or (code is None and response.status_code == 401):
        raise InvalidClient()
    if code == "invalid_grant":
        if grant == "refresh_token":
            raise NeedsRelink(_refusal(response))
        raise CodeRejected()
    detail = code or f"HTTP {response.status_code}"
    raise GoToError(
        f"GoTo refused the sign-in request ({detail}).", status_code=response.status_code
    )
