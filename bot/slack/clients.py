"""Slack Web API clients per workspace, pointed at SLACK_API_URL, with the bot's retry policy."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.failures import SlackRefusal, describe_slack_error
from bot.slack.retries import retry_handlers
from domain.errors import DomainError

log = logging.getLogger(__name__)

SLACK_TIMEOUT_SECONDS = 15


class WorkspaceNotInstalled(DomainError):
    """The bot has no token for that workspace."""


class ExplainingWebClient(AsyncWebClient):
    """An AsyncWebClient whose unfixable Slack errors say what to do (`SlackRefusal`)."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        """Call Slack; a rate limit after retries or a dead token or scope becomes a SlackRefusal."""
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackRefusal:
            raise
        except SlackApiError as exc:
            message = describe_slack_error(exc)
            if message is None:
                raise
            # The method and Slack's error code only: never the token or the arguments.
            log.warning(
                "Slack refused %s: %s (HTTP %s)",
                api_method,
                exc.response.get("error") or "-",
                exc.response.status_code,
            )
            raise SlackRefusal(message, exc) from exc

    @classmethod
    def like(cls, client: AsyncWebClient) -> ExplainingWebClient:
        """The same client (token, URL, session, team, retries) with explained errors."""
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            session=client.session,
            trust_env_in_session=client.trust_env_in_session,
            headers=client.headers,
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=list(client.retry_handlers),
        )


def web_client(
    base_url: str, token: str | None = None, *, timeout: int = SLACK_TIMEOUT_SECONDS
) -> ExplainingWebClient:
    """A client with the bot's retry handlers (short rate-limit waits, safe reconnects)."""
    return ExplainingWebClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers()
    )


class SlackClients:
    """Hands out an AsyncWebClient carrying the right bot token for a workspace."""

    def __init__(
        self,
        base_url: str,
        *,
        bot_token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
        timeout: int = SLACK_TIMEOUT_SECONDS,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self._bot_token = bot_token
        self._store = installation_store
        self._cache: dict[str, AsyncWebClient] = {}

    def bare(self, token: str | None = None) -> AsyncWebClient:
        """A client for Bolt itself (no token in multi-workspace mode: Bolt adds it per request)."""
        return web_client(self.base_url, token, timeout=self.timeout)

    async def for_workspace(self, workspace_id: str) -> AsyncWebClient:
        """The client for a workspace; raises WorkspaceNotInstalled when there is no token."""
        token = await self._token(workspace_id)
        client = self._cache.get(token)
        if client is None:
            client = web_client(self.base_url, token, timeout=self.timeout)
            self._cache[token] = client
        return client

    async def _token(self, workspace_id: str) -> str:
        if self._store is not None:
            bot = await self._store.async_find_bot(enterprise_id=None, team_id=workspace_id)
            if bot is not None and bot.bot_token:
                return bot.bot_token
        if self._bot_token:
            return self._bot_token
        raise WorkspaceNotInstalled("viltbot is not installed in this workspace.")
