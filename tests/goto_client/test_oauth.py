"""GoToOAuth: authorize URL, code exchange, refresh, identity lookup and token errors."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.goto import (
    CodeRejected,
    GoToError,
    GoToOAuth,
    InvalidClient,
    NeedsRelink,
    TokenOutcomeUnknown,
    Unavailable,
)
from bot.goto.oauth import parse_identity
from tests.goto_client import bodies
from tests.goto_client.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    IDENTITY_URL,
    FakeTime,
    GoToMock,
    Reply,
    make_tokens,
)

REDIRECT = "https://bot.example.com/goto/callback"


def form_of(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


def test_authorize_url(oauth: GoToOAuth) -> None:
    url = oauth.authorize_url(CLIENT_ID, REDIRECT, "state-123")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://authentication.logmeininc.com/oauth/authorize"
    )
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "response_type": ["code"],
        "redirect_uri": [REDIRECT],
        "state": ["state-123"],
    }


def test_hosts_are_configurable() -> None:
    oauth = GoToOAuth(auth_url="http://sandbox:8080/", api_url="http://sandbox:8080/api")
    assert oauth.authorize_url("c", "r", "s").startswith("http://sandbox:8080/oauth/authorize?")
    assert oauth.api_url == "http://sandbox:8080/api"


async def test_exchange_code(goto: GoToMock, oauth: GoToOAuth, clock: FakeTime) -> None:
    route = goto.token(Reply(200, bodies.token_answer("access-9", "refresh-9")))
    tokens = await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)

    request = route.calls.last.request
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": REDIRECT,
    }
    assert tokens.access_token.get_secret_value() == "access-9"
    assert tokens.refresh_token.get_secret_value() == "refresh-9"
    assert tokens.access_expires_at == clock.now() + timedelta(seconds=3600)
    assert tokens.connection_expires_at == clock.now() + timedelta(days=30)
    assert tokens.organizer_key == str(bodies.ORGANIZER)
    assert (tokens.email, tokens.first_name, tokens.last_name) == (
        "trainer@example.com",
        "Tina",
        "Trainer",
    )
    assert tokens.account_key == bodies.ACCOUNT


async def test_exchange_without_organizer_key_asks_identity(
    goto: GoToMock, oauth: GoToOAuth
) -> None:
    goto.token(Reply(200, bodies.token_answer("access-9", "refresh-9", organizer_key=None)))
    me = goto.on("GET", IDENTITY_URL, Reply(200, bodies.identity()))
    tokens = await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)
    assert me.calls.last.request.headers["Authorization"] == "Bearer access-9"
    assert tokens.organizer_key == str(bodies.ORGANIZER)
    assert tokens.email == "trainer@example.com"
    assert (tokens.first_name, tokens.last_name) == ("Tina", "Trainer")


def test_identity_parsing_is_tolerant() -> None:
    who = parse_identity(
        {
            "id": 123,
            "emails": [
                {"value": "other@example.com"},
                {"value": "main@example.com", "primary": True},
            ],
            "urn:scim:schemas:extension:getgo:1.0": {"accountKey": "77"},
        }
    )
    assert (who.organizer_key, who.email, who.account_key) == ("123", "main@example.com", "77")
    assert who.first_name is None
    with pytest.raises(GoToError, match="'id'"):
        parse_identity({"userName": "x@example.com"})


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Reply(400, {"error": "invalid_grant", "error_description": "code used"}), CodeRejected),
        (Reply(401, {"error": "invalid_client"}), InvalidClient),
        (Reply(401, raw=b"Unauthorized"), InvalidClient),
        (Reply(400, {"error": "invalid_request"}), GoToError),
    ],
)
async def test_exchange_errors(
    goto: GoToMock, oauth: GoToOAuth, answer: Reply, error: type[GoToError]
) -> None:
    goto.token(answer)
    with pytest.raises(error) as caught:
        await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)
    assert CLIENT_SECRET not in str(caught.value)
    assert CLIENT_SECRET not in repr(caught.value)


async def test_refresh_invalid_grant_needs_relink(goto: GoToMock, oauth: GoToOAuth) -> None:
    goto.token(Reply(400, {"error": "invalid_grant"}))
    with pytest.raises(NeedsRelink):
        await oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1")


async def test_refresh_with_rotated_token_restarts_connection_lifetime(
    goto: GoToMock, oauth: GoToOAuth, clock: FakeTime
) -> None:
    goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2", organizer_key=None)))
    old = make_tokens(clock)
    clock.advance(3600 * 24)
    tokens = await oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1", previous=old)
    assert tokens.refresh_token.get_secret_value() == "refresh-2"
    assert tokens.connection_expires_at == clock.now() + timedelta(days=30)
    assert tokens.organizer_key == old.organizer_key


async def test_refresh_without_refresh_token_keeps_old_one(
    goto: GoToMock, oauth: GoToOAuth, clock: FakeTime
) -> None:
    goto.token(Reply(200, bodies.token_answer("access-2", refresh=None)))
    old = make_tokens(clock)
    tokens = await oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1", previous=old)
    assert tokens.refresh_token.get_secret_value() == "refresh-1"
    assert tokens.connection_expires_at == old.connection_expires_at


async def exchange(oauth: GoToOAuth) -> object:
    return await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)


async def refresh(oauth: GoToOAuth) -> object:
    return await oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1")


TOKEN_CALLS = [
    pytest.param(
        exchange,
        "Nothing was saved. Start a new link from Slack: this sign-in cannot be used again.",
        id="code exchange",
    ),
    pytest.param(refresh, "re-link to be safe.", id="refresh"),
]


@pytest.mark.parametrize(("call", "advice"), TOKEN_CALLS)
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx.ReadTimeout("read timed out"), "timed out"),
        (httpx.WriteTimeout("write timed out"), "timed out"),
        (httpx.RemoteProtocolError("server disconnected"), "connection failed"),
        (httpx.ReadError("connection reset"), "connection failed"),
    ],
)
async def test_a_token_call_goto_may_have_received_is_sent_once(
    goto: GoToMock,
    oauth: GoToOAuth,
    clock: FakeTime,
    call,
    advice: str,
    failure: Exception,
    reason: str,
) -> None:
    route = goto.token(failure, Reply(200, bodies.token_answer()))
    with pytest.raises(TokenOutcomeUnknown) as caught:
        await call(oauth)
    assert route.call_count == 1
    assert clock.sleeps == []
    assert f"({reason})" in str(caught.value) and str(caught.value).endswith(advice)


@pytest.mark.parametrize(("call", "advice"), TOKEN_CALLS)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_token_call_answered_with_a_5xx_is_not_resent(
    goto: GoToMock, oauth: GoToOAuth, call, advice: str, status: int
) -> None:
    route = goto.token(Reply(status), Reply(200, bodies.token_answer()))
    with pytest.raises(TokenOutcomeUnknown) as caught:
        await call(oauth)
    assert route.call_count == 1
    assert f"(HTTP {status})" in str(caught.value) and str(caught.value).endswith(advice)


@pytest.mark.parametrize(("call", "advice"), TOKEN_CALLS)
@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("connection refused"), httpx.ConnectTimeout("connect timed out")]
)
async def test_a_token_call_that_never_reached_goto_is_retried(
    goto: GoToMock, oauth: GoToOAuth, call, advice: str, failure: Exception
) -> None:
    route = goto.token(failure, Reply(200, bodies.token_answer("access-9", "refresh-9")))
    tokens = await call(oauth)
    assert route.call_count == 2
    assert tokens.access_token.get_secret_value() == "access-9"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("call", "advice"), TOKEN_CALLS)
async def test_a_token_call_turned_away_by_the_rate_limit_is_retried_after_the_wait(
    goto: GoToMock, oauth: GoToOAuth, clock: FakeTime, call, advice: str
) -> None:
    route = goto.token(
        Reply(429, headers={"Retry-After": "3"}),
        Reply(200, bodies.token_answer("access-9", "refresh-9")),
    )
    await call(oauth)
    assert route.call_count == 2
    assert clock.sleeps == [3.0]


async def test_a_token_host_that_cannot_be_reached_is_unavailable(
    goto: GoToMock, oauth: GoToOAuth
) -> None:
    route = goto.token(httpx.ConnectError("connection refused"))
    with pytest.raises(Unavailable):
        await oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1")
    assert route.call_count == 5


async def test_an_identity_lookup_is_a_read_and_is_retried(
    goto: GoToMock, oauth: GoToOAuth
) -> None:
    token = goto.token(Reply(200, bodies.token_answer(organizer_key=None)))
    me = goto.on(
        "GET", IDENTITY_URL, httpx.ReadTimeout("read timed out"), Reply(200, bodies.identity())
    )
    await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)
    assert (token.call_count, me.call_count) == (1, 2)


async def test_token_answer_without_access_token_names_the_field(
    goto: GoToMock, oauth: GoToOAuth
) -> None:
    goto.token(Reply(200, {"refresh_token": "secret-refresh", "expires_in": 3600}))
    with pytest.raises(GoToError, match="access_token") as caught:
        await oauth.exchange_code(CLIENT_ID, CLIENT_SECRET, "the-code", REDIRECT)
    assert "secret-refresh" not in repr(caught.value)
    assert caught.value.__cause__ is None
