"""Sandbox mode: viltbot with local stand-ins for Slack and GoTo, on one port, on SQLite."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from starlette.routing import BaseRoute, Mount

from bot.bootstrap import Runtime
from bot.settings import Settings
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN

if TYPE_CHECKING:
    from sandbox.goto.state import SandboxState

KEY_FILE = Path(".viltbot-sandbox-key")


def sandbox_settings(settings: Settings, port: int) -> Settings:
    """Point every outside URL at this process and fill the secrets the sandbox needs."""
    base = f"http://127.0.0.1:{port}"
    database_url = (
        settings.database_url
        if "database_url" in settings.model_fields_set
        else "sqlite:///viltbot-sandbox.db"
    )
    return settings.model_copy(
        update={
            "sandbox": True,
            "database_url": database_url,
            "slack_api_url": f"{base}/slack-sandbox/api/",
            "slack_bot_token": SecretStr(SANDBOX_BOT_TOKEN),
            "slack_signing_secret": SecretStr(secrets.token_hex(16)),
            "slack_app_token": None,
            "slack_client_id": None,
            "slack_client_secret": None,
            "goto_auth_url": f"{base}/goto-sandbox",
            "goto_api_url": f"{base}/goto-sandbox",
            "public_url": base,
            # Back to Slack from the GoTo link pages is back to the console.
            "slack_app_url": "",
            "slack_web_url": f"{base}/sandbox",
            "secret_key": settings.secret_key or SecretStr(_sandbox_key()),
            "admins": ",".join(sorted({*settings.admin_ids, SANDBOX_ADMIN})),
            "notice_poll_seconds": 1.0,
        }
    )


def _sandbox_key() -> str:
    # Kept in a file so a restarted sandbox can still read the secrets it stored.
    if KEY_FILE.exists():
        return KEY_FILE.read_text().strip()
    key = secrets.token_urlsafe(32)
    KEY_FILE.write_text(key)
    KEY_FILE.chmod(0o600)
    return key


def sandbox_routes(runtime: Runtime) -> list[BaseRoute]:
    """Mount the Slack stand-in, the GoTo sandbox and the console."""
    from sandbox.console import SandboxConsole
    from sandbox.console.goto_panel import NEW_WEBINAR_POLLS
    from sandbox.goto.app import create_goto_sandbox

    goto_app = create_goto_sandbox()
    goto: SandboxState = goto_app.state.sandbox
    goto.new_webinar_polls = list(NEW_WEBINAR_POLLS)
    # The bot (jobs, sync, handlers) and its outbox read the GoTo sandbox's clock, so the
    # console's "Move time forward" moves them all together.
    runtime.clock = goto.clock.now
    runtime.outbox.clock = goto.clock.now
    console = SandboxConsole(runtime, goto)
    # The GoTo sandbox goes on where it stopped (clock, connections, sessions), as the console does.
    console.store.keep_goto(goto)
    return [
        Mount("/slack-sandbox", app=console.standin.app),
        Mount("/goto-sandbox", app=goto_app),
        *console.routes(),
    ]
