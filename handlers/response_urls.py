"""Which response_urls the bot posts to (Slack's own, or the configured Slack API's host), and
answering someone privately through one.

A response_url kept in a modal's private_metadata comes back from the client; it is checked
before anything is posted to it, so that no edited metadata makes the bot post elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

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


async def tell_privately(
    client: AsyncWebClient,
    user_id: str,
    response_url: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> dict[str, str | None]:
    """Answer one person only: ephemeral through a (trusted) response_url, else a DM.

    Returns where the message went, so that it can be replaced later.
    """
    if response_url:
        answer = await AsyncWebhookClient(response_url, timeout=10).send(
            text=text, blocks=blocks, response_type="ephemeral"
        )
        if answer.status_code == 200:
            return {"response_url": response_url}
        log.info("response_url refused the message (HTTP %s); sending a DM", answer.status_code)
    posted = await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    return {"channel": str(posted.get("channel")), "ts": str(posted.get("ts"))}
