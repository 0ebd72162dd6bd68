"""OAuth end to end: authorize URL, the consent form over HTTP, code exchange and its errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.goto import CodeRejected, InvalidClient
from tests.goto_integration.conftest import ALICE, REDIRECT, WEBINAR_APP, Sandbox


async def test_consent_page_offers_the_apps_accounts_and_both_buttons(sandbox: Sandbox) -> None:
    form, target = await sandbox.consent_page(WEBINAR_APP[0], state="s-1")

    assert target == sandbox.url + "/oauth/authorize"
    # The page echoes what the app sent, so the exchange can repeat the same redirect_uri.
    assert form.inputs == {
        "client_id": "demo-webinar-app",
        "redirect_uri": REDIRECT,
        "state": "s-1",
        "response_type": "code",
    }
    assert form.selects == {
        "account": ["alice@example.com", "bob@example.com", "carol@example.com"]
    }
    assert sorted(b.label for b in form.buttons) == ["Allow", "Deny"]


@pytest.mark.parametrize("token_includes_identity", [True, False])
async def test_allow_then_exchange_gives_tokens_with_the_organizer(
    sandbox: Sandbox, token_includes_identity: bool
) -> None:
    await sandbox.control("POST", "settings", {"token_includes_identity": token_includes_identity})
    returned = await sandbox.authorize(WEBINAR_APP[0], "alice@example.com", state="xyz")
    assert returned["state"] == "xyz"
    assert "error" not in returned
    mark = await sandbox.mark()
    before = datetime.now(UTC)

    tokens = await sandbox.oauth().exchange_code(*WEBINAR_APP, returned["code"], REDIRECT)

    assert tokens.organizer_key == ALICE
    assert tokens.account_key == "9000000001"
    assert tokens.email == "alice@example.com"
    assert (tokens.first_name, tokens.last_name) == ("Alice", "Archer")
    assert tokens.access_token.get_secret_value() and tokens.refresh_token.get_secret_value()
    # expires_in 3600 and the ~30 day connection, both counted from the client's clock.
    assert timedelta(minutes=59) < tokens.access_expires_at - before <= timedelta(minutes=61)
    assert tokens.connection_expires_at is not None
    assert timedelta(days=29) < tokens.connection_expires_at - before <= timedelta(days=31)

    calls = [(r["method"], r["path"], r["status"]) for r in await sandbox.requests(mark)]
    expected = [("POST", "/oauth/token", 200)]
    if not token_includes_identity:
        # The token answer has no organizer_key: the client asked the identity API.
        expected.append(("GET", "/identity/v1/Users/me", 200))
    assert calls == expected
    dump = await sandbox.control("GET", "state")
    assert [(c["client_id"], c["organizerKey"]) for c in dump["connections"]] == [
        ("demo-webinar-app", ALICE)
    ]


async def test_a_code_works_once(sandbox: Sandbox) -> None:
    code = (await sandbox.authorize(WEBINAR_APP[0], "bob@example.com"))["code"]
    oauth = sandbox.oauth()
    first = await oauth.exchange_code(*WEBINAR_APP, code, REDIRECT)
    assert first.organizer_key == "1000000002"

    with pytest.raises(CodeRejected):
        await oauth.exchange_code(*WEBINAR_APP, code, REDIRECT)


async def test_a_redirect_uri_other_than_the_authorize_one_is_refused(sandbox: Sandbox) -> None:
    code = (await sandbox.authorize(WEBINAR_APP[0], "alice@example.com"))["code"]
    with pytest.raises(CodeRejected):
        await sandbox.oauth().exchange_code(
            *WEBINAR_APP, code, "https://elsewhere.example.com/callback"
        )


async def test_wrong_secret_is_invalid_client_and_does_not_burn_the_code(
    sandbox: Sandbox,
) -> None:
    code = (await sandbox.authorize(WEBINAR_APP[0], "alice@example.com"))["code"]
    oauth = sandbox.oauth()

    with pytest.raises(InvalidClient) as caught:
        await oauth.exchange_code(WEBINAR_APP[0], "not-the-secret", code, REDIRECT)
    assert "consumer key and consumer secret" in str(caught.value)
    log = await sandbox.requests()
    assert [(r["path"], r["status"], r["client_id"]) for r in log] == [
        ("/oauth/authorize", 200, None),
        ("/oauth/authorize", 302, None),
        ("/oauth/token", 401, None),
    ]

    # The client was refused before the code was looked at: it still works.
    tokens = await oauth.exchange_code(*WEBINAR_APP, code, REDIRECT)
    assert tokens.organizer_key == ALICE


async def test_a_code_of_another_app_is_rejected(sandbox: Sandbox) -> None:
    code = (await sandbox.authorize(WEBINAR_APP[0], "carol@example.com"))["code"]
    with pytest.raises(CodeRejected):
        await sandbox.oauth().exchange_code(
            "demo-training-app", "demo-training-secret", code, REDIRECT
        )


async def test_deny_redirects_with_access_denied_and_no_code(sandbox: Sandbox) -> None:
    returned = await sandbox.authorize(
        WEBINAR_APP[0], "alice@example.com", button="Deny", state="st-9"
    )
    assert returned == {"error": "access_denied", "state": "st-9"}
    dump = await sandbox.control("GET", "state")
    assert dump["connections"] == []
