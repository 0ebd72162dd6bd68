"""The real sandbox runtime (`viltbot serve --sandbox`) served on loopback, on a temp SQLite."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.bootstrap import Runtime, build_runtime
from bot.server import create_web_app
from bot.settings import Settings
from sandbox.console import SandboxConsole
from sandbox.mode import sandbox_routes, sandbox_settings
from sandbox.serving import serve_in_loop
from tests.support import databases


@dataclass
class Sandbox:
    """A served sandbox: its URL, runtime and console."""

    url: str
    runtime: Runtime
    console: SandboxConsole


@pytest.fixture(scope="session")
def sandbox_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the folder fast)."""
    return databases.sqlite_template(tmp_path_factory.mktemp("sandbox-db"))


@contextlib.asynccontextmanager
async def serve_sandbox(database_url: str, port: int = 0) -> AsyncIterator[Sandbox]:
    """The app as `viltbot serve --sandbox` builds it on `database_url`, served until the end
    (on `port`, or a free one)."""
    with socket.socket() as sock:
        # Bound first: the sandbox's URLs (SLACK_API_URL, PUBLIC_URL...) carry the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        port = sock.getsockname()[1]
        base = Settings(
            _env_file=None,
            database_url=database_url,
            secret_key=SecretStr("sandbox-console-tests"),
            admins="",
        )
        settings = sandbox_settings(base, port)
        runtime = build_runtime(settings)
        app = create_web_app(runtime, run_scheduler=True, extra_routes=sandbox_routes(runtime))
        console = runtime.extras["sandbox_console"]
        assert isinstance(console, SandboxConsole)
        async with serve_in_loop(app, sock=sock) as url:
            assert url == settings.public_url
            yield Sandbox(url=url, runtime=runtime, console=console)


@pytest.fixture
async def sandbox(sandbox_template: Path, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The app as `viltbot serve --sandbox` builds it, scheduler included."""
    async with serve_sandbox(databases.sqlite_copy(sandbox_template, tmp_path)) as served:
        yield served


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the sandbox that follows the console's redirects."""
    async with httpx.AsyncClient(base_url=sandbox.url, follow_redirects=True, timeout=10) as c:
        yield c
