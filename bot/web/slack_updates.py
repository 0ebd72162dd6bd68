"""Tell Slack a location was linked: update the admin's link message."""

from __future__ import annotations

import httpx
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.slack.clients import SlackClients
from domain import mrkdwn
from domain.models import LocationKind
from domain.services.linking import LinkResult


class LinkAnnouncer:
    """Replaces the message that carried the link button with the outcome."""

    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def linked(self, result: LinkResult) -> None:
        """Update the admin's message (chat.update, or the command's response_url)."""
        location, request = result.location, result.request
        kind = LocationKind(location.kind)
        text = (
            f":white_check_mark: {mrkdwn.bold(location.name)} is linked to the {kind.label} "
            f"account {mrkdwn.escape(location.goto_email or location.goto_organizer_key or '')}; "
            "connected until "
            f"{location.connection_expires_at:%Y-%m-%d}."
        )
        blocks = [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
        if request.message_channel and request.message_ts:
            client = await self._clients.for_workspace(location.workspace_id)
            await client.chat_update(
                channel=request.message_channel, ts=request.message_ts, text=text, blocks=blocks
            )
        elif request.response_url:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.post(
                    request.response_url,
                    json={
                        "replace_original": True,
                        "response_type": "ephemeral",
                        "text": text,
                        "blocks": blocks,
                    },
                )
                response.raise_for_status()
