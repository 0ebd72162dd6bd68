"""Bolt AsyncApp factory: one app, one middleware, one error handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import failures
from bot.settings import Settings
from bot.slack.clients import ExplainingWebClient, SlackClients
from handlers import (
    commands,
    elements,
    help,
    home,
    locations,
    registration,
    reports,
    session_modal,
    sessions,
    sync,
    teams,
)
from handlers.commands import CommandRouter
from handlers.context import actor_middleware
from handlers.ports import Deps

log = logging.getLogger(__name__)

BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:read",
    "channels:join",
    "channels:history",
    "groups:read",
    "groups:history",
    "im:write",
    "im:history",
    "mpim:history",
    "users:read",
    "users:read.email",
    "files:write",
]


async def explained_slack_errors(
    context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]
) -> Any:
    """Give listeners a client whose unfixable Slack errors tell the user what to do.

    Bolt makes a plain client per request (with the app client's retry handlers); this one is the
    same client, raising `SlackRefusal` (a DomainError) for rate limits, dead tokens and scopes.
    """
    context["client"] = ExplainingWebClient.like(context.client)
    return await next()


def build_router(app: AsyncApp) -> CommandRouter:
    """Every `/vilt` subcommand (in the order help lists them) and its listeners."""
    router = CommandRouter()
    help.register(router)
    teams.register(router)
    locations.register(app, router)
    elements.register(router)
    sessions.register(router)
    session_modal.register(app, router)
    registration.register(app, router)
    reports.register(app, router)
    sync.register(router)
    return router


async def keep_acks(
    context: AsyncBoltContext,
    next: Callable[[], Awaitable[BoltResponse]],  # Bolt passes arguments by these names
) -> BoltResponse:
    """Bolt middleware: an ack once given is what Slack gets, even if the listener then fails."""
    context["ack"] = failures.KeptAck()
    return await next()


def create_slack_app(
    deps: Deps,
    *,
    settings: Settings,
    clients: SlackClients,
    installation_store: AsyncInstallationStore | None = None,
    engine: AsyncEngine | None = None,
) -> AsyncApp:
    """Build the Bolt app for single-workspace (token) or multi-workspace (OAuth) mode."""
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    client = clients.bare()
    if settings.multi_workspace and installation_store is not None and engine is not None:
        assert settings.slack_client_id and settings.slack_client_secret
        app = AsyncApp(
            signing_secret=signing_secret,
            client=client,
            installation_store=installation_store,
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=BOT_SCOPES,
                installation_store=installation_store,
                state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
                authorization_url=settings.slack_oauth_authorize_url,
            ),
        )
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        # Bolt takes the token from the client it is given.
        client = clients.bare(token=token)
        app = AsyncApp(
            signing_secret=signing_secret,
            client=client,
            # Socket Mode envelopes are not signed, and no HTTP endpoint for Slack is served then.
            request_verification_enabled=not settings.socket_mode,
        )
    app.middleware(keep_acks)
    app.middleware(explained_slack_errors)
    app.middleware(actor_middleware(deps))
    commands.register(app, build_router(app))
    home.register(app)
    if settings.multi_workspace:
        # Forget a workspace's tokens when it uninstalls the app or revokes them.
        app.enable_token_revocation_listeners()

    @app.error
    async def on_error(
        error: Exception,
        body: dict[str, Any],
        context: Any,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        # One path for every listener and middleware failure: log it with a reference and
        # tell the user what happened (bot.failures), also after the listener has acked.
        ref = context.get("request_id") if hasattr(context, "get") else None
        return await failures.answer(
            error,
            ref=ref or uuid.uuid4().hex[:12],
            body=body,
            response=response,
            respond=getattr(context, "respond", None),
            client=getattr(context, "client", None),
        )

    return app
