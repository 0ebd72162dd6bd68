"""GoToAuth: bearer header, proactive and reactive refresh, one refresh per location."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import timedelta

import httpx
import pytest

from bot.goto import NeedsRelink, TokenOutcomeUnknown
from tests.goto_client import bodies
from tests.goto_client.conftest import (
    CLIENT_SECRET,
    ClientFactory,
    FakeTime,
    GoToMock,
    RecordingStore,
    Reply,
    make_tokens,
)

WEBINAR_PATH = f"/organizers/{bodies.ORGANIZER}/webinars/{bodies.WEBINAR_KEY}"
INVALID_TOKEN = Reply(403, {"int_err_code": "InvalidToken", "msg": "Invalid token passed"})


def bearer_of(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def accept_only(valid: str, ok: Reply, rejected: Reply = INVALID_TOKEN):
    """Outcome that, like GoTo, only accepts the given access token."""

    def outcome(request: httpx.Request) -> Reply:
        return ok if bearer_of(request) == valid else rejected

    return outcome


async def test_sends_bearer_token(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    client = make_client()
    await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    assert route.calls.last.request.headers["Authorization"] == "Bearer access-1"


async def test_ten_concurrent_calls_with_expired_token_refresh_once(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    token_route = goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    api = goto.on(
        "GET", goto.webinar_url(WEBINAR_PATH), accept_only("access-2", Reply(200, bodies.webinar()))
    )
    client = make_client(make_tokens(clock, expires_in=-60))

    results = await asyncio.gather(
        *(client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY) for _ in range(10))
    )

    assert len(results) == 10
    assert token_route.call_count == 1
    assert api.call_count == 10
    assert {bearer_of(c.request) for c in api.calls} == {"access-2"}
    assert len(store.saved) == 1
    location_id, saved = store.saved[0]
    assert location_id == 1
    assert saved.access_token.get_secret_value() == "access-2"
    assert saved.refresh_token.get_secret_value() == "refresh-2"


async def test_refresh_request_is_basic_auth_refresh_grant(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    token_route = goto.token(Reply(200, bodies.token_answer()))
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    await make_client(make_tokens(clock, expires_in=-1)).webinar.get_webinar(
        bodies.ORGANIZER, bodies.WEBINAR_KEY
    )
    request = token_route.calls.last.request
    expected = base64.b64encode(f"consumer-key:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}


async def test_refresh_without_new_refresh_token_keeps_old_one(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    goto.token(Reply(200, bodies.token_answer("access-2", refresh=None, organizer_key=None)))
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    old = make_tokens(clock, expires_in=-1)
    await make_client(old).webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)

    ((_, saved),) = store.saved
    assert saved.refresh_token.get_secret_value() == "refresh-1"
    assert saved.connection_expires_at == old.connection_expires_at
    # No identity lookup: the organizer is carried over from the old tokens.
    assert saved.organizer_key == old.organizer_key
    assert saved.access_expires_at == clock.now() + timedelta(seconds=3600)


@pytest.mark.parametrize(
    "rejection",
    [INVALID_TOKEN, Reply(401, {"error": "invalid_token"})],
    ids=["403-InvalidToken", "401"],
)
async def test_invalid_token_answer_refreshes_and_resends_once(
    goto: GoToMock,
    make_client: ClientFactory,
    store: RecordingStore,
    rejection: Reply,
) -> None:
    token_route = goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    api = goto.on(
        "GET",
        goto.webinar_url(WEBINAR_PATH),
        accept_only("access-2", Reply(200, bodies.webinar()), rejection),
    )
    webinar = await make_client().webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)

    assert webinar.subject == "Onboarding 101"
    assert token_route.call_count == 1
    assert [bearer_of(c.request) for c in api.calls] == ["access-1", "access-2"]
    assert len(store.saved) == 1


async def test_refresh_refused_raises_needs_relink_and_stores_nothing(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    goto.token(Reply(400, {"error": "invalid_grant", "error_description": "expired"}))
    api = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    with pytest.raises(NeedsRelink) as caught:
        await make_client(make_tokens(clock, expires_in=-1)).webinar.get_webinar(
            bodies.ORGANIZER, bodies.WEBINAR_KEY
        )
    assert store.saved == []
    assert api.call_count == 0
    assert "reconnect" in str(caught.value)


async def test_a_refused_refresh_marks_the_connection(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    goto.token(Reply(400, {"error": "invalid_grant"}))
    with pytest.raises(NeedsRelink):
        await make_client(make_tokens(clock, expires_in=-1), location_id=7).webinar.get_webinar(
            bodies.ORGANIZER, bodies.WEBINAR_KEY
        )
    assert store.failures == [
        (7, "The GoTo connection has expired or was revoked. Please reconnect the GoTo account.")
    ]


async def test_a_refresh_goto_did_not_answer_is_sent_once_and_marks_the_connection(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    token_route = goto.token(
        httpx.ReadTimeout("read timed out"), Reply(200, bodies.token_answer("access-2"))
    )
    api = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    client = make_client(make_tokens(clock, expires_in=-1), location_id=7)

    outcomes = await asyncio.gather(
        *(client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY) for _ in range(5)),
        return_exceptions=True,
    )
    # A later call, and another client of the same location, do not spend the token either.
    later = make_client(make_tokens(clock, expires_in=-1), location_id=7)
    with pytest.raises(TokenOutcomeUnknown):
        await later.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)

    assert [type(outcome) for outcome in outcomes] == [TokenOutcomeUnknown] * 5
    assert token_route.call_count == 1
    assert api.call_count == 0
    assert store.saved == []
    assert store.failures == [
        (7, "GoTo did not answer a token refresh (timed out); re-link to be safe.")
    ]


async def test_a_new_refresh_token_after_an_unanswered_refresh_is_used(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    token_route = goto.token(Reply(504), Reply(200, bodies.token_answer("access-3", "refresh-3")))
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    with pytest.raises(TokenOutcomeUnknown):
        await make_client(make_tokens(clock, expires_in=-1)).webinar.get_webinar(
            bodies.ORGANIZER, bodies.WEBINAR_KEY
        )
    relinked = make_tokens(clock, access="access-new", refresh="refresh-new", expires_in=-1)
    await make_client(relinked).webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    assert token_route.call_count == 2
    assert [t.refresh_token.get_secret_value() for _, t in store.saved] == ["refresh-3"]


async def test_token_rejected_after_refresh_needs_relink(
    goto: GoToMock, make_client: ClientFactory, store: RecordingStore
) -> None:
    token_route = goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    api = goto.on("GET", goto.webinar_url(WEBINAR_PATH), INVALID_TOKEN)
    with pytest.raises(NeedsRelink):
        await make_client().webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    # Exactly one refresh and one resend, no loop.
    assert token_route.call_count == 1
    assert api.call_count == 2


async def test_two_clients_of_one_location_share_the_refresh(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    token_route = goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    goto.on(
        "GET", goto.webinar_url(WEBINAR_PATH), accept_only("access-2", Reply(200, bodies.webinar()))
    )
    expired = make_tokens(clock, expires_in=-1)
    first, second = make_client(expired), make_client(expired)
    await asyncio.gather(
        first.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY),
        second.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY),
    )
    # The second client must not spend the (possibly rotated) refresh token again.
    assert token_route.call_count == 1
    assert len(store.saved) == 1


async def test_failed_token_save_is_retried_on_next_call(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime, store: RecordingStore
) -> None:
    goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(200, bodies.webinar()))
    attempts = 0
    real_save = store.save

    async def flaky_save(location_id: int, tokens: object) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database is down")
        await real_save(location_id, tokens)  # type: ignore[arg-type]

    store.save = flaky_save  # type: ignore[method-assign]
    client = make_client(make_tokens(clock, expires_in=-1))
    await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    assert store.saved == []
    await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    assert [t.refresh_token.get_secret_value() for _, t in store.saved] == ["refresh-2"]


def test_token_reprs_hide_secrets(clock: FakeTime) -> None:
    tokens = make_tokens(clock, access="sekrit-access", refresh="sekrit-refresh")
    shown = repr(tokens) + str(tokens) + str(tokens.model_dump())
    assert "sekrit" not in shown
    assert "sekrit-refresh" in tokens.to_storage()
    assert type(tokens).from_storage(tokens.to_storage()) == tokens


async def test_no_secret_reaches_logs_errors_or_reprs(
    goto: GoToMock,
    make_client: ClientFactory,
    clock: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2")))
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), INVALID_TOKEN)
    client = make_client(make_tokens(clock, access="access-1", refresh="refresh-1"))
    with pytest.raises(NeedsRelink) as caught:
        await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    shown = " ".join(
        [
            caplog.text,
            str(caught.value),
            repr(caught.value),
            repr(client.http._auth),
            repr(client.http._auth.tokens),  # type: ignore[attr-defined]
        ]
    )
    for secret in ("access-1", "access-2", "refresh-1", "refresh-2", CLIENT_SECRET):
        assert secret not in shown
