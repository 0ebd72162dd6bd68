"""app.yaml is a usable Slack manifest for the app as built."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack_app import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[2] / "app.yaml"


def test_manifest_points_every_surface_at_the_one_events_url() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    events = "https://viltbot.example.com/slack/events"
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/vilt" and command["url"] == events
    assert command["should_escape"] is True  # channels and users arrive as <#C…> and <@U…>
    # The options of external selects (the session modal's GoTo event picker) come from it too.
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": events,
        "message_menu_options_url": events,
    }
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://viltbot.example.com/slack/oauth_redirect"
    ]
    assert len(manifest["display_information"]["long_description"]) >= 175


def test_manifest_asks_for_exactly_the_scopes_the_app_requests_at_install() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
