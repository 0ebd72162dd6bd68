"""OAuth against the sandbox: consent page, codes, tokens, refresh, expiry, identity."""

from __future__ import annotations

import re

import httpx
import pytest

from sandbox.goto import SandboxClock, SandboxState, create_goto_sandbox, default_scenario

from .helpers import (
    ALICE,
    BOB,
    G2T,
    G2W,
    POLL_WEBINAR,
    REDIRECT,
    TRAINING_APP,
    TRUDY,
    WEBINAR_APP,
    authorize,
    bearer,
    connect,
    consent_page,
    exchange,
    get_code,
    query,
    refresh,
)

INVALID_TOKEN = {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}
WEBINAR_URL = f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}"


async def test_consent_page_names_the_app_and_offers_accounts(client: httpx.AsyncClient) -> None:
    page = await consent_page(client, "demo-webinar-app", state="s1")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Viltbot Demo (GoToWebinar)" in html
    assert re.search(r"<form[^>]+method=\"post\"", html)
    assert 'action="/oauth/authorize"' in html
    for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
        assert f'value="{email}"' in html
    assert "trudy@example.com" not in html  # accounts belong to their app
    assert re.search(r"<button[^>]*>Allow</button>", html)
    assert re.search(r"<button[^>]*>Deny</button>", html)


async def test_login_hint_preselects_the_account(client: httpx.AsyncClient) -> None:
    page = await consent_page(client, "demo-webinar-app", login_hint="Bob@Example.com")
    assert '<option value="bob@example.com" selected>' in page.text


async def test_unknown_client_gets_an_error_page(client: httpx.AsyncClient) -> None:
    page = await consent_page(client, "nope")
    assert page.status_code == 400
    assert "text/html" in page.headers["content-type"]
    assert "invalid_client" in page.text


async def test_missing_redirect_uri_gets_an_error_page(client: httpx.AsyncClient) -> None:
    page = await consent_page(client, "demo-webinar-app", redirect_uri=None)
    assert page.status_code == 400


async def test_unsupported_response_type_is_redirected_back(client: httpx.AsyncClient) -> None:
    response = await consent_page(client, "demo-webinar-app", response_type="token", state="s2")
    assert response.status_code == 302
    assert query(response.headers["location"]) == {
        "error": "unsupported_response_type",
        "state": "s2",
    }


async def test_allow_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    response = await authorize(client, "demo-webinar-app", "bob@example.com", state="abc")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = query(location)
    assert params["state"] == "abc"
    assert len(params["code"]) > 20


async def test_redirect_uri_query_is_kept(client: httpx.AsyncClient) -> None:
    response = await authorize(
        client, "demo-webinar-app", "bob@example.com", redirect_uri=REDIRECT + "?team=T1"
    )
    params = query(response.headers["location"])
    assert params["team"] == "T1" and "code" in params


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    response = await authorize(
        client, "demo-webinar-app", "alice@example.com", state="xyz", decision="deny"
    )
    assert response.status_code == 302
    assert query(response.headers["location"]) == {"error": "access_denied", "state": "xyz"}


async def test_an_account_of_another_app_cannot_sign_in(client: httpx.AsyncClient) -> None:
    response = await authorize(client, "demo-webinar-app", "trudy@example.com")
    assert response.status_code == 400


async def test_token_answer_has_tokens_and_identity(client: httpx.AsyncClient) -> None:
    code = await get_code(client, "demo-webinar-app", "alice@example.com")
    response = await exchange(client, WEBINAR_APP, code)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    assert body["scope"]
    assert body["organizer_key"] == ALICE
    assert body["account_key"] == "9000000001"
    assert body["email"] == "alice@example.com"
    assert (body["firstName"], body["lastName"]) == ("Alice", "Archer")


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await get_code(client, "demo-webinar-app", "alice@example.com")
    assert (await exchange(client, WEBINAR_APP, code)).status_code == 200
    again = await exchange(client, WEBINAR_APP, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_redirect_uri_must_match_the_authorize_one(client: httpx.AsyncClient) -> None:
    code = await get_code(client, "demo-webinar-app", "alice@example.com")
    wrong = await exchange(client, WEBINAR_APP, code, redirect_uri="https://evil.example.com/cb")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    # The failed attempt burnt the code.
    assert (await exchange(client, WEBINAR_APP, code)).status_code == 400


async def test_code_expires_after_ten_minutes(
    client: httpx.AsyncClient, clock: SandboxClock
) -> None:
    code = await get_code(client, "demo-webinar-app", "alice@example.com")
    clock.advance(601)
    response = await exchange(client, WEBINAR_APP, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_code_of_another_client_is_invalid_grant(client: httpx.AsyncClient) -> None:
    code = await get_code(client, "demo-webinar-app", "carol@example.com")
    response = await exchange(client, TRAINING_APP, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "auth",
    [("demo-webinar-app", "wrong-secret"), ("no-such-app", "x"), None],
    ids=["wrong-secret", "unknown-client", "no-basic-auth"],
)
async def test_invalid_client(client: httpx.AsyncClient, auth: tuple[str, str] | None) -> None:
    code = await get_code(client, "demo-webinar-app", "alice@example.com")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if auth is None:
        response = await client.post("/oauth/token", data=data)
    else:
        response = await client.post("/oauth/token", data=data, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # The code survives a request that never authenticated.
    assert (await exchange(client, WEBINAR_APP, code)).status_code == 200


async def test_unsupported_grant_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth/token", data={"grant_type": "password"}, auth=WEBINAR_APP)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_refresh_gives_new_tokens_and_retires_the_old_refresh_token(
    client: httpx.AsyncClient,
) -> None:
    tokens = await connect(client)
    response = await refresh(client, WEBINAR_APP, tokens["refresh_token"])
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["expires_in"] == 3600
    assert (await client.get(WEBINAR_URL, headers=bearer(fresh))).status_code == 200
    reused = await refresh(client, WEBINAR_APP, tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


async def test_refresh_without_rotation_keeps_the_old_refresh_token(
    client: httpx.AsyncClient, sandbox: SandboxState
) -> None:
    sandbox.settings.rotate_refresh_tokens = False
    tokens = await connect(client)
    first = await refresh(client, WEBINAR_APP, tokens["refresh_token"])
    assert first.status_code == 200
    assert "refresh_token" not in first.json()
    assert (await refresh(client, WEBINAR_APP, tokens["refresh_token"])).status_code == 200


async def test_bad_refresh_token_is_invalid_grant(client: httpx.AsyncClient) -> None:
    response = await refresh(client, WEBINAR_APP, "not-a-token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_refresh_token_of_another_client_is_invalid_grant(
    client: httpx.AsyncClient,
) -> None:
    tokens = await connect(client)
    response = await refresh(client, TRAINING_APP, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_refresh_token_expires_after_30_days(
    client: httpx.AsyncClient, clock: SandboxClock
) -> None:
    tokens = await connect(client)
    clock.advance(29 * 86400)
    assert (await refresh(client, WEBINAR_APP, tokens["refresh_token"])).status_code == 200
    tokens = await connect(client)
    clock.advance(31 * 86400)
    response = await refresh(client, WEBINAR_APP, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_access_token_expires_after_60_minutes(
    client: httpx.AsyncClient, clock: SandboxClock
) -> None:
    tokens = await connect(client)
    clock.advance(59 * 60)
    assert (await client.get(WEBINAR_URL, headers=bearer(tokens))).status_code == 200
    clock.advance(61)
    expired = await client.get(WEBINAR_URL, headers=bearer(tokens))
    assert expired.status_code == 403
    assert expired.json() == INVALID_TOKEN
    fresh = (await refresh(client, WEBINAR_APP, tokens["refresh_token"])).json()
    assert (await client.get(WEBINAR_URL, headers=bearer(fresh))).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic Zm9vOmJhcg=="}],
    ids=["missing", "garbage", "wrong-scheme"],
)
async def test_bad_bearer_is_403_invalid_token(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for path in (WEBINAR_URL, f"{G2T}/organizers/{TRUDY}/trainings"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.json() == INVALID_TOKEN


async def test_token_reaches_only_its_own_organizer(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    bobs = await client.get(f"{G2W}/organizers/{BOB}/webinars/1234500005", headers=alice)
    assert bobs.status_code == 403
    # Bob's webinar under Alice's own organizer key is simply not hers.
    hidden = await client.get(f"{G2W}/organizers/{ALICE}/webinars/1234500005", headers=alice)
    assert hidden.status_code == 404


async def test_webinar_app_token_cannot_call_gototraining(
    client: httpx.AsyncClient,
) -> None:
    tokens = await connect(client, WEBINAR_APP, "carol@example.com")
    response = await client.get("/G2T/rest/organizers/1000000003/trainings", headers=bearer(tokens))
    assert response.status_code == 403


async def test_identity_users_me_is_scim_like(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.get("/identity/v1/Users/me", headers=alice)
    assert response.status_code == 200
    me = response.json()
    assert me["id"] == ALICE
    assert me["userName"] == "alice@example.com"
    assert me["emails"] == [{"value": "alice@example.com", "type": "work", "primary": True}]
    assert me["name"] == {"givenName": "Alice", "familyName": "Archer"}
    assert me["accounts"][0]["value"] == "9000000001"


async def test_identity_rejects_bad_tokens_with_an_empty_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/identity/v1/Users/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.content == b""
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_without_identity_in_the_token_the_client_asks_users_me(
    client: httpx.AsyncClient, sandbox: SandboxState
) -> None:
    sandbox.settings.token_includes_identity = False
    tokens = await connect(client)
    for key in ("organizer_key", "account_key", "email", "firstName", "lastName"):
        assert key not in tokens
    me = (await client.get("/identity/v1/Users/me", headers=bearer(tokens))).json()
    assert me["id"] == ALICE


async def test_identity_switch_from_the_scenario_file() -> None:
    scenario = default_scenario().model_copy(update={"token_includes_identity": False})
    app = create_goto_sandbox(scenario, rate_limit_per_second=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
    ) as c:
        tokens = await connect(c)
    assert "organizer_key" not in tokens


async def test_revoked_connection_loses_both_tokens(
    client: httpx.AsyncClient,
) -> None:
    tokens = await connect(client)
    response = await client.post(
        "/_sandbox/tokens/revoke",
        json={"client_id": "demo-webinar-app", "email": "alice@example.com"},
    )
    assert response.json() == {"revoked": 1}
    assert (await client.get(WEBINAR_URL, headers=bearer(tokens))).json() == INVALID_TOKEN
    again = await refresh(client, WEBINAR_APP, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_revoke_by_refresh_token_leaves_other_connections(
    client: httpx.AsyncClient,
) -> None:
    first = await connect(client)
    second = await connect(client, WEBINAR_APP, "bob@example.com")
    response = await client.post(
        "/_sandbox/tokens/revoke", json={"refresh_token": first["refresh_token"]}
    )
    assert response.json() == {"revoked": 1}
    assert (await refresh(client, WEBINAR_APP, second["refresh_token"])).status_code == 200


async def test_expire_access_tokens_forces_a_refresh(client: httpx.AsyncClient) -> None:
    tokens = await connect(client)
    response = await client.post("/_sandbox/tokens/expire", json={"client_id": "demo-webinar-app"})
    assert response.json() == {"expired": 1}
    assert (await client.get(WEBINAR_URL, headers=bearer(tokens))).status_code == 403
    fresh = (await refresh(client, WEBINAR_APP, tokens["refresh_token"])).json()
    assert (await client.get(WEBINAR_URL, headers=bearer(fresh))).status_code == 200


async def test_registered_redirect_uris_are_enforced() -> None:
    scenario = default_scenario()
    consumers = [c.model_copy(update={"redirect_uris": [REDIRECT]}) for c in scenario.consumers]
    app = create_goto_sandbox(
        scenario.model_copy(update={"consumers": consumers}), rate_limit_per_second=None
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
    ) as c:
        bad = await consent_page(c, "demo-webinar-app", redirect_uri="https://evil.example.com/cb")
        assert bad.status_code == 400
        code = await get_code(c, "demo-webinar-app", "alice@example.com")
        assert (await exchange(c, WEBINAR_APP, code)).status_code == 200
