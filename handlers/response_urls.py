"""Which response_urls the bot posts to: Slack's own, or the configured Slack API's host.

A response_url kept in a modal's private_metadata comes back from the client; it is checked
before anything is posted to it, so that no edited metadata makes the bot post elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_DOMAIN = "slack.com"
RESPONSE_URL_MAX = 500


def trusted_response_url(url: object, slack_api_url: str) -> str | None:
    """`url` when it is a Slack response_url (https on slack.com) or on the configured Slack
    API's host (its scheme and port, for a stand-in); None for anything else."""
    if not isinstance(url, str) or not url or len(url) > RESPONSE_URL_MAX:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        configured = urlsplit(slack_api_url)
        configured_port = configured.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        return None
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    on_slack = host == SLACK_DOMAIN or host.endswith("." + SLACK_DOMAIN)
    if on_slack and parts.scheme == "https" and port in (None, 443):
        return url
    if (
        parts.scheme == configured.scheme
        and host == (configured.hostname or "").lower()
        and port == configured_port
    ):
        return url
    return None
