"""Tell Slack a location was linked: replace the admin's link message, refresh the open modal."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.slack.clients import SlackClients
from domain import mrkdwn
from domain.errors import LinkFailed
from domain.models import LinkRequest, LocationKind
from domain.services import locations
from domain.services.identity import resolve_actor
from domain.services.linking import LinkResult
from handlers.location_views import ModalMeta, form_from_view, location_modal
from handlers.ports import Deps
from handlers.response_urls import trusted_response_url

log = logging.getLogger(__name__)

# Slack's answers when the modal was closed or changed since the link started.
_MODAL_GONE = {"not_found", "hash_conflict", "view_not_found"}


class LinkAnnouncer:
    """Shows the admin the outcome where the link started: the message and the modal."""

    def __init__(self, clients: SlackClients, deps: Deps) -> None:
        self._clients = clients
        self._deps = deps

    async def linked(self, result: LinkResult) -> None:
        """Replace the link message and refresh the modal; a failure in one spares the other."""
        for update in (self._replace_message, self._refresh_modal):
            try:
                await update(result)
            except Exception:
                # The link is stored; Slack not taking an update must not undo or hide that.
                log.exception(
                    "could not update Slack after linking location %s", result.location.id
                )

    async def link_failed(self, failure: LinkFailed) -> None:
        """Replace the message of a link that was used up and failed with why, and what next."""
        if failure.request_id is None:
            return
        try:
            async with self._deps.uow() as uow:
                request = await uow.session.get(LinkRequest, failure.request_id)
            if request is not None:
                await self._replace(request, f":x: {failure.message}")
        except Exception:
            log.exception("could not update Slack after link %s failed", failure.request_id)

    async def _replace_message(self, result: LinkResult) -> None:
        location = result.location
        kind = LocationKind(location.kind)
        account = location.goto_email or location.goto_organizer_key or ""
        await self._replace(
            result.request,
            f":white_check_mark: {mrkdwn.bold(location.name)} is linked to the {kind.label} "
            f"account {mrkdwn.escape(account)}; connected until "
            f"{location.connection_expires_at:%Y-%m-%d}.",
        )

    async def _replace(self, request: LinkRequest, text: str) -> None:
        """chat.update of the DM, or replace_original through the command's response_url."""
        blocks = [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
        if request.message_channel and request.message_ts:
            client = await self._clients.for_workspace(request.workspace_id)
            await client.chat_update(
                channel=request.message_channel, ts=request.message_ts, text=text, blocks=blocks
            )
            return
        if not request.response_url:
            return
        url = trusted_response_url(request.response_url, self._deps.slack_api_url)
        if url is None:
            log.warning("not posting to an untrusted response_url for link %s", request.id)
            return
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                url,
                json={
                    "replace_original": True,
                    "response_type": "ephemeral",
                    "text": text,
                    "blocks": blocks,
                },
            )
            response.raise_for_status()

    async def _refresh_modal(self, result: LinkResult) -> None:
        """Show the new connection status in the modal that started the link, if still open."""
        location, request = result.location, result.request
        if not request.view_id or not request.view_hash:
            return
        async with self._deps.uow() as uow:
            actor = await resolve_actor(
                uow,
                location.workspace_id,
                request.user_id,
                first_admins=self._deps.first_admins,
            )
            view = await locations.describe(uow, location)
            all_teams = await locations.workspace_teams(uow, location.workspace_id)
        admin_teams = sorted(
            (t for t in actor.teams.values() if t.id is not None and actor.is_admin_of(t.id)),
            key=lambda t: t.name_key,
        )
        meta = ModalMeta(
            location_id=location.id,
            response_url=request.response_url,
            notices=[f":white_check_mark: {mrkdwn.bold(location.name)} is linked."],
        )
        modal = location_modal(
            form=form_from_view(view),
            admin_teams=admin_teams,
            all_teams=all_teams,
            meta=meta,
            saved=view,
        )
        client = await self._clients.for_workspace(location.workspace_id)
        try:
            await client.views_update(view_id=request.view_id, hash=request.view_hash, view=modal)
        except SlackApiError as exc:
            if _error_of(exc) in _MODAL_GONE:
                log.info("the modal of link %s was closed or changed; left as is", request.id)
                return
            raise


def _error_of(exc: SlackApiError) -> Any:
    return exc.response.get("error") if exc.response is not None else None
