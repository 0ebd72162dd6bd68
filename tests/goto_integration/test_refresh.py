"""GoToAuth against the sandbox clock: refresh on InvalidToken, one refresh for many, relink."""

from __future__ import annotations

import asyncio

import pytest

from bot.goto import NeedsRelink, RefreshCoordinator
from tests.goto_integration.conftest import ALICE, WEBINAR_APP, RecordingStore, Sandbox

WEBINAR = "1234500002"
WEBINAR_PATH = f"/G2W/rest/v2/organizers/{ALICE}/webinars/{WEBINAR}"


async def test_expired_access_token_is_refreshed_once_and_the_call_succeeds(
    sandbox: Sandbox,
) -> None:
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    store = RecordingStore()
    client = await sandbox.client(tokens, location_id=7, store=store)
    assert (await client.webinar.get_webinar(ALICE, WEBINAR)).subject.startswith("Product")
    assert store.saved == []

    # The client's own clock still thinks the token is good; GoTo's says it is an hour old.
    await sandbox.advance(61 * 60)
    mark = await sandbox.mark()
    webinar = await client.webinar.get_webinar(ALICE, WEBINAR)

    assert webinar.webinar_key == WEBINAR
    calls = [(r["method"], r["path"], r["status"]) for r in await sandbox.requests(mark)]
    assert calls == [
        ("GET", WEBINAR_PATH, 403),
        ("POST", "/oauth/token", 200),
        ("GET", WEBINAR_PATH, 200),
    ]
    assert len(store.saved) == 1
    location_id, fresh = store.saved[0]
    assert location_id == 7
    assert fresh.access_token != tokens.access_token
    # The sandbox rotates refresh tokens; the old one is dead now, so the new one must be kept.
    assert fresh.refresh_token != tokens.refresh_token
    assert (fresh.organizer_key, fresh.account_key, fresh.email) == (
        ALICE,
        "9000000001",
        "alice@example.com",
    )
    assert fresh.access_expires_at > tokens.access_expires_at

    # The next call goes straight through with the new token.
    mark = await sandbox.mark()
    await client.webinar.get_webinar(ALICE, WEBINAR)
    assert [r["status"] for r in await sandbox.requests(mark)] == [200]


async def test_ten_concurrent_calls_after_expiry_share_one_refresh(sandbox: Sandbox) -> None:
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    store = RecordingStore()
    client = await sandbox.client(tokens, store=store)
    await sandbox.advance(61 * 60)
    mark = await sandbox.mark()

    webinars = await asyncio.gather(
        *(client.webinar.get_webinar(ALICE, WEBINAR) for _ in range(10))
    )

    assert [w.webinar_key for w in webinars] == [WEBINAR] * 10
    log = await sandbox.requests(mark)
    token_calls = [r for r in log if r["path"] == "/oauth/token"]
    assert [(r["status"], r["client_id"]) for r in token_calls] == [(200, "demo-webinar-app")]
    assert sum(1 for r in log if r["path"] == WEBINAR_PATH and r["status"] == 200) == 10
    assert len(store.saved) == 1


async def test_two_clients_of_one_location_share_the_refresh(sandbox: Sandbox) -> None:
    # Two handlers of the same location each hold the stored tokens: with a shared
    # coordinator only one of them may spend the (rotating) refresh token.
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    coordinator = RefreshCoordinator()
    first = await sandbox.client(tokens, location_id=3, coordinator=coordinator)
    second = await sandbox.client(tokens, location_id=3, coordinator=coordinator)
    await sandbox.advance(61 * 60)
    mark = await sandbox.mark()

    await asyncio.gather(
        first.webinar.get_webinar(ALICE, WEBINAR), second.webinar.get_webinar(ALICE, WEBINAR)
    )

    log = await sandbox.requests(mark)
    assert [r["status"] for r in log if r["path"] == "/oauth/token"] == [200]


async def test_after_31_days_the_connection_needs_relinking(sandbox: Sandbox) -> None:
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    store = RecordingStore()
    client = await sandbox.client(tokens, store=store)
    await sandbox.advance(31 * 24 * 3600)
    mark = await sandbox.mark()

    with pytest.raises(NeedsRelink) as caught:
        await client.webinar.get_webinar(ALICE, WEBINAR)

    assert "reconnect" in str(caught.value).lower()
    assert store.saved == []
    calls = [(r["path"], r["status"]) for r in await sandbox.requests(mark)]
    assert calls == [(WEBINAR_PATH, 403), ("/oauth/token", 400)]


async def test_a_revoked_connection_needs_relinking(sandbox: Sandbox) -> None:
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    store = RecordingStore()
    client = await sandbox.client(tokens, store=store)
    revoked = await sandbox.control("POST", "tokens/revoke", {"email": "alice@example.com"})
    assert revoked == {"revoked": 1}

    with pytest.raises(NeedsRelink):
        await client.webinar.get_webinar(ALICE, WEBINAR)
    assert store.saved == []


async def test_without_refresh_token_rotation_the_old_refresh_token_is_kept(
    sandbox: Sandbox,
) -> None:
    await sandbox.control("POST", "settings", {"rotate_refresh_tokens": False})
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    store = RecordingStore()
    client = await sandbox.client(tokens, store=store)
    expired = await sandbox.control("POST", "tokens/expire", {"client_id": "demo-webinar-app"})
    assert expired == {"expired": 1}

    await client.webinar.get_webinar(ALICE, WEBINAR)

    [(_, fresh)] = store.saved
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token
    # Not rotated: the connection still ends when the first refresh token does.
    assert fresh.connection_expires_at == tokens.connection_expires_at
