"""A local stand-in for the Slack Web API (Starlette), reached by the bot through SLACK_API_URL.

It keeps workspaces, channels, users, messages, views and files in memory, answers like Slack,
records every call, can inject faults, and checks each call against Slack's published Web API spec
and Block Kit rules (slack_sdk.models). Response URLs and file upload URLs it hands out are
served by the same app, so Bolt's `respond()` and slack_sdk's `files_upload_v2` land here too.

SlackStandIn is composed of one part per concern (core, seeding, inspection, transport, the
chat, views, directory, history, files and OAuth methods, snapshots), each in its own module
beside this one.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from sandbox.serving import serve_in_loop
from sandbox.slack.chat import ChatMethods
from sandbox.slack.core import RESPONSE_URL, UPLOAD_URL, MethodHandler
from sandbox.slack.directory import DirectoryMethods
from sandbox.slack.files import FileMethods
from sandbox.slack.history import HistoryMethods
from sandbox.slack.inspection import Inspection
from sandbox.slack.oauth import OAuthMethods
from sandbox.slack.records import (
    DEFAULT_APP_ID,
    Channel,
    Fault,
    OAuthCode,
    RecordedCall,
    Responder,
    SlackError,
    UploadedFile,
    User,
    Workspace,
)
from sandbox.slack.seeding import Seeding
from sandbox.slack.snapshot import Snapshots
from sandbox.slack.transport import HttpTransport
from sandbox.slack.views import ViewMethods

__all__ = [
    "DEFAULT_APP_ID",
    "RESPONSE_URL",
    "UPLOAD_URL",
    "Channel",
    "Fault",
    "OAuthCode",
    "RecordedCall",
    "Responder",
    "SlackError",
    "SlackStandIn",
    "UploadedFile",
    "User",
    "Workspace",
    "main",
    "run_standin_server",
    "seed_demo",
    "serve",
]


class SlackStandIn(
    Seeding,
    Inspection,
    HttpTransport,
    ChatMethods,
    ViewMethods,
    DirectoryMethods,
    HistoryMethods,
    FileMethods,
    OAuthMethods,
    Snapshots,
):
    """In-memory Slack: seeded state, recorded calls, fault injection and spec/Block Kit checks."""

    def __init__(
        self,
        spec_path: str | Path | None = None,
        *,
        validate: bool = True,
        seed: int = 0,
        trigger_ttl: float | None = 3.0,
    ) -> None:
        super().__init__(spec_path, validate=validate, seed=seed, trigger_ttl=trigger_ttl)
        self._builtin: dict[str, MethodHandler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.members": self._conversations_members,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "files.upload": self._files_upload,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/response_url/{rest:path}", self._handle_response_url, methods=["POST"]),
                Route("/upload/v1/{file_id}", self._handle_upload, methods=["POST"]),
            ]
        )


@contextlib.asynccontextmanager
async def run_standin_server(
    standin: SlackStandIn, port: int = 0, host: str = "127.0.0.1"
) -> AsyncIterator[str]:
    """Serve the stand-in in the current event loop; yields the base URL ("http://127.0.0.1:N/api/")."""
    async with serve_in_loop(
        standin.app, host=host, port=port, lifespan="off", name="Slack stand-in"
    ) as root:
        standin.base_url = f"{root}/api/"
        try:
            yield standin.base_url
        finally:
            standin.base_url = None


def seed_demo(standin: SlackStandIn) -> Workspace:
    """Seed one workspace with a few channels and users, for trying the bot by hand."""
    workspace = standin.add_workspace("T0VILTDEMO", "xoxb-demo-token", "U0VILTBOT1", "Vilt Demo")
    standin.add_channel("T0VILTDEMO", "C0GENERAL1", "general")
    standin.add_channel("T0VILTDEMO", "C0TRAINING", "training")
    standin.add_channel("T0VILTDEMO", "G0PRIVATE1", "managers", is_private=True, is_member=False)
    standin.add_user("T0VILTDEMO", "U0ADA00001", "ada", "ada@example.com", real_name="Ada Lovelace")
    standin.add_user("T0VILTDEMO", "U0GRACE001", "grace", "grace@example.com", "America/New_York")
    return workspace


def serve(
    port: int,
    host: str = "127.0.0.1",
    *,
    standin: SlackStandIn | None = None,
    spec_path: str | Path | None = None,
) -> None:
    """Run the stand-in until interrupted (blocking), e.g. for the bot's try-it mode."""
    standin = standin or SlackStandIn(spec_path)
    standin.base_url = f"http://{host}:{port}/api/"
    uvicorn.run(standin.app, host=host, port=port, log_level="info", lifespan="off")


def main(argv: list[str] | None = None) -> None:
    """Command line: python -m sandbox.slack.web_api --port 3001 [--spec PATH] [--demo]."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--spec", default=None, help="path to slack-web-api.openapi-v2.json")
    parser.add_argument("--demo", action="store_true", help="seed a demo workspace")
    options = parser.parse_args(argv)
    standin = SlackStandIn(options.spec)
    if options.demo:
        workspace = seed_demo(standin)
        print(f"demo workspace {workspace.team_id}, bot token {workspace.bot_token}")
    serve(options.port, options.host, standin=standin)


if __name__ == "__main__":
    main()
