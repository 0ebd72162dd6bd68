"""Settings refuse to run with missing secrets and map database URLs to async drivers."""

from __future__ import annotations

import pytest

from bot.settings import MissingSettings, Settings
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
