"""Shared steps for the GoTo sandbox tests: sign in through the consent form, call the APIs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

REDIRECT = "https://bot.example.com/goto/callback"
WEBINAR_APP = ("demo-webinar-app", "demo-webinar-secret")
TRAINING_APP = ("demo-training-app", "demo-training-secret")
ALICE = "1000000001"  # organizer key of alice@example.com (webinar app)
BOB = "1000000002"
TRUDY = "2000000001"  # organizer key of trudy@example.com (training app)
G2W = "/G2W/rest/v2"
G2T = "/G2T/rest"
SECURITY_WEBINAR = "1234500001"  # required custom fields
POLL_WEBINAR = "1234500002"  # three polls
CANCELLED_WEBINAR = "1234500003"
SMALL_WEBINAR = "1234500004"  # registrationLimit 2
PAST_WEBINAR = "1234500006"  # a completed session with attendance and polls
EXCEL_TRAINING = "2234500001"
CANCELLED_TRAINING = "2234500002"
PAST_TRAINING = "2234500004"  # a completed session


def query(location: str) -> dict[str, str]:
    """The query parameters of a redirect Location."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def consent_page(
    client: httpx.AsyncClient,
    client_id: str,
    *,
    response_type: str = "code",
    redirect_uri: str | None = REDIRECT,
    **params: str,
) -> httpx.Response:
    """GET /oauth/authorize as the app sends the browser there (no redirect_uri when None)."""
    query = {"client_id": client_id, "response_type": response_type}
    if redirect_uri is not None:
        query["redirect_uri"] = redirect_uri
    return await client.get("/oauth/authorize", params={**query, **params})


async def authorize(
    client: httpx.AsyncClient,
    client_id: str,
    email: str,
    *,
    redirect_uri: str = REDIRECT,
    state: str = "csrf-123",
    decision: str = "allow",
) -> httpx.Response:
    """Open the consent page, then press Allow (or Deny) as `email`; returns the 302."""
    page = await consent_page(client, client_id, redirect_uri=redirect_uri, state=state)
    assert page.status_code == 200, page.text
    return await client.post(
        "/oauth/authorize",
        data={
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "account": email,
            "decision": decision,
        },
    )


async def get_code(client: httpx.AsyncClient, client_id: str, email: str, **kw: Any) -> str:
    """A fresh authorization code."""
    response = await authorize(client, client_id, email, **kw)
    assert response.status_code == 302, response.text
    return query(response.headers["location"])["code"]


async def exchange(
    client: httpx.AsyncClient,
    app: tuple[str, str],
    code: str,
    redirect_uri: str | None = REDIRECT,
) -> httpx.Response:
    """POST /oauth/token with grant_type=authorization_code."""
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    return await client.post("/oauth/token", data=data, auth=app)


async def refresh(client: httpx.AsyncClient, app: tuple[str, str], token: str) -> httpx.Response:
    """POST /oauth/token with grant_type=refresh_token."""
    return await client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token}, auth=app
    )


async def connect(
    client: httpx.AsyncClient,
    app: tuple[str, str] = WEBINAR_APP,
    email: str = "alice@example.com",
) -> dict[str, Any]:
    """The whole sign-in: consent, code, token answer."""
    code = await get_code(client, app[0], email)
    response = await exchange(client, app, code)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """Authorization header for an access token."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}
