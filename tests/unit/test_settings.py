"""Settings refuse to run with missing secrets and map database URLs to async drivers."""

from __future__ import annotations

import pytest

from bot.settings import InvalidAdmins, MissingSettings, Settings
from db.engine import async_url
from db.migrate import sync_url


def make(**env: str) -> Settings:
    return Settings.model_validate(env)


def test_missing_and_placeholder_secrets_are_each_named() -> None:
    settings = make(SLACK_SIGNING_SECRET="changeme", SLACK_BOT_TOKEN="xoxb-real")
    with pytest.raises(MissingSettings) as caught:
        settings.require_complete()
    assert caught.value.names == ["SLACK_SIGNING_SECRET", "VILTBOT_SECRET_KEY"]
    assert "viltbot serve --sandbox" in str(caught.value)


def test_multi_workspace_needs_the_client_secret_not_a_bot_token() -> None:
    settings = make(
        SLACK_SIGNING_SECRET="s3cr3t-signing",
        VILTBOT_SECRET_KEY="k3y-material",
        SLACK_CLIENT_ID="123.456",
        SLACK_CLIENT_SECRET="",
    )
    assert settings.multi_workspace is False  # an empty secret is not a multi-workspace set-up
    assert settings.missing() == ["SLACK_BOT_TOKEN"]
    complete = make(
        SLACK_SIGNING_SECRET="s3cr3t-signing",
        VILTBOT_SECRET_KEY="k3y-material",
        SLACK_CLIENT_ID="123.456",
        SLACK_CLIENT_SECRET="client-secret",
    )
    assert complete.multi_workspace and complete.missing() == []


def test_sandbox_needs_nothing_and_urls_are_normalised() -> None:
    settings = make(
        VILTBOT_SANDBOX="true", SLACK_API_URL="http://127.0.0.1:9/api", GOTO_API_URL="http://x/"
    )
    assert settings.missing() == []
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.goto_api_url == "http://x"


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    settings = make(SLACK_SIGNING_SECRET="very-secret-value", VILTBOT_SECRET_KEY="another-secret")
    assert "very-secret-value" not in repr(settings)
    assert "another-secret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("given", "async_form", "sync_form"),
    [
        ("sqlite:///viltbot.db", "sqlite+aiosqlite:///viltbot.db", "sqlite:///viltbot.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_urls_work_as_written(given: str, async_form: str, sync_form: str) -> None:
    assert async_url(given) == async_form
    assert sync_url(given) == sync_form


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = make(
        SLACK_APP_TOKEN="xapp-1-A1-2-abc", SLACK_BOT_TOKEN="xoxb-1", VILTBOT_SECRET_KEY="k"
    )
    assert settings.socket_mode and settings.missing() == []


MULTI = {
    "SLACK_SIGNING_SECRET": "s3cr3t-signing",
    "VILTBOT_SECRET_KEY": "k3y-material",
    "SLACK_CLIENT_ID": "123.456",
    "SLACK_CLIENT_SECRET": "client-secret",
}
SINGLE = {
    "SLACK_SIGNING_SECRET": "s3cr3t-signing",
    "VILTBOT_SECRET_KEY": "k3y-material",
    "SLACK_BOT_TOKEN": "xoxb-1",
}


def test_multi_workspace_admins_name_their_workspace() -> None:
    settings = make(**MULTI, VILTBOT_ADMINS="T0ACME0001:U0BOSS0001, T0GLOBEX01:U0ANN00001")
    settings.require_complete()
    assert settings.admin_ids == {"T0ACME0001:U0BOSS0001", "T0GLOBEX01:U0ANN00001"}


def test_multi_workspace_refuses_to_start_with_a_bare_user_id() -> None:
    settings = make(**MULTI, VILTBOT_ADMINS="T0ACME0001:U0BOSS0001,U0ANN00001")
    with pytest.raises(InvalidAdmins) as caught:
        settings.require_complete()
    assert caught.value.entries == ["U0ANN00001"]
    assert str(caught.value) == (
        "viltbot cannot start: VILTBOT_ADMINS has entries it cannot use (U0ANN00001); "
        "viltbot serves several workspaces here, so each entry names the workspace and the "
        "user: T0123ABCD:U0456EFGH"
    )
    # Even where the refusal is skipped, a bare id makes nobody an admin everywhere.
    assert settings.admin_ids == {"T0ACME0001:U0BOSS0001"}


def test_single_workspace_takes_bare_and_qualified_admins() -> None:
    settings = make(**SINGLE, VILTBOT_ADMINS="U0BOSS0001; T0ACME0001:W0ANN00001")
    settings.require_complete()
    assert settings.admin_ids == {"U0BOSS0001", "T0ACME0001:W0ANN00001"}


@pytest.mark.parametrize("entry", ["<@U0BOSS0001>", "u0boss0001", "boss", "T0ACME0001:", ":U0B"])
def test_malformed_admin_entries_are_named(entry: str) -> None:
    settings = make(**SINGLE, VILTBOT_ADMINS=f"U0BOSS0001,{entry}")
    with pytest.raises(InvalidAdmins) as caught:
        settings.require_complete()
    assert caught.value.entries == [entry]
    assert f"({entry})" in str(caught.value)
