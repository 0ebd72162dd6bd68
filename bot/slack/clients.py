"""Slack Web API clients per workspace, pointed at SLACK_API_URL."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from domain.errors import DomainError

SLACK_TIMEOUT_SECONDS = 15


class WorkspaceNotInstalled(DomainError):
    """The bot has no token for that workspace."""


class SlackClients:
    """Hands out an AsyncWebClient carrying the right bot token for a workspace."""

    def __init__(
        self,
        base_url: str,
        *,
        bot_token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.base_url = base_url
        self._bot_token = bot_token
        self._store = installation_store
        self._cache: dict[str, AsyncWebClient] = {}

    def bare(self, token: str | None = None) -> AsyncWebClient:
        """A client for Bolt itself (no token in multi-workspace mode: Bolt adds it per request)."""
        return AsyncWebClient(token=token, base_url=self.base_url, timeout=SLACK_TIMEOUT_SECONDS)

    async def for_workspace(self, workspace_id: str) -> AsyncWebClient:
        """The client for a workspace; raises WorkspaceNotInstalled when there is no token."""
        token = await self._token(workspace_id)
        client = self._cache.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token, base_url=self.base_url, timeout=SLACK_TIMEOUT_SECONDS
            )
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
