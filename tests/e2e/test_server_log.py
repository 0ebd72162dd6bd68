"""The log of a real `viltbot serve` process: quiet when idle, one line per record, no bodies.

The bot runs as the console script does (its own process, its own logging set-up, uvicorn's access
log on), wired to the Slack stand-in; the test reads what it writes to stderr.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.e2e.conftest import BOSS, SECRET_KEY, SIGNING_SECRET, TOKEN, WEB_API_SPEC, WS, seed_slack
from tests.harness.slack_client import SlackSender

RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")
FORGED = "2026-01-01 00:00:00,000 ERROR viltbot: forged by input"


async def _refused_unread(base_url: str, path: str) -> int:
    """POST to `path` declaring a 200 MB body, send none of it, and return the status answered."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bot\r\nContent-Length: 200000000\r\n\r\n".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), timeout=10)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def served_bot(
    database_url: str, slack_url: str, folder: Path, **env: str
) -> AsyncIterator[tuple[str, Callable[[], list[str]]]]:
    """`viltbot serve` in a subprocess; yields its URL and a reader of its log lines so far."""
    port = _free_port()
    log_path = folder / "viltbot.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "VILTBOT_SECRET_KEY": SECRET_KEY,
        "VILTBOT_ADMINS": BOSS,
        "GOTO_AUTH_URL": "http://127.0.0.1:9",
        "GOTO_API_URL": "http://127.0.0.1:9",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        **env,
    }
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]

    def lines() -> list[str]:
        return log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    with log_path.open("w") as log_file:
        process = await asyncio.create_subprocess_exec(
            *command, env=environment, cwd=folder, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while not any("Uvicorn running on" in line for line in lines()):
                assert process.returncode is None, "\n".join(lines())
                assert time.monotonic() < deadline, "\n".join(lines())
                await asyncio.sleep(0.1)
            yield f"http://127.0.0.1:{port}", lines
        finally:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_an_idle_server_logs_where_it_listens_and_little_else(
    database_url: str, tmp_path: Path
) -> None:
    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    async with (
        run_standin_server(standin) as slack_url,
        # Notices are polled twice a second: the job runs ~8 times while the server is idle.
        served_bot(
            database_url, slack_url, tmp_path, LOG_LEVEL="INFO", VILTBOT_NOTICE_POLL_SECONDS="0.5"
        ) as (
            url,
            lines,
        ),
    ):
        started = len(lines())
        await asyncio.sleep(4)
        idle = lines()[started:]
        start = lines()[:started]
    assert idle == []
    assert any(f"Uvicorn running on {url}" in line for line in start)
    chatter = [line for line in start if "apscheduler" in line or "alembic.runtime.plugins" in line]
    assert chatter == []
    assert not [line for line in start if "Context impl" in line or "transactional DDL" in line]
    assert len(start) <= 6, start  # process, where it listens, and any migration it ran


async def test_the_debug_log_holds_no_body_and_no_line_forged_by_input(
    database_url: str, tmp_path: Path
) -> None:
    secret = "typed-consumer-secret-0042"
    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    async with (
        run_standin_server(standin) as slack_url,
        served_bot(database_url, slack_url, tmp_path, LOG_LEVEL="DEBUG") as (url, lines),
        SlackSender(url, SIGNING_SECRET, standin=standin) as slack,
        httpx.AsyncClient(base_url=url) as http,
    ):
        forged_text = f"{secret}\n{FORGED}\r{FORGED}\u2028{FORGED}"
        # A signed command and an unsigned one, both carrying the secret and a forged line.
        assert (await slack.slash(f"location show {forged_text}", BOSS, WS)).status_code == 200
        await standin.wait_for("response_url", count=1)
        assert (await slack.slash(forged_text, BOSS, WS, forge=True)).status_code == 401
        assert (await slack.slash(forged_text, BOSS, WS, stale=True)).status_code == 401
        # Input in the path (access log, 404 and 413 lines) and in a refused JSON body.
        assert (await http.get("/nowhere%0A" + FORGED.replace(" ", "%20"))).status_code == 404
        assert await _refused_unread(url, "/x%0D%0A" + FORGED.replace(" ", "%20")) == 413
        await asyncio.sleep(0.5)
        log = lines()
    assert [line for line in log if secret in line] == []
    starts = [line for line in log if not line.startswith("    | ")]
    assert [line for line in starts if not RECORD_START.match(line)] == [], "\n".join(log)
    assert [line for line in log if line.startswith(FORGED)] == []
    assert any("\\n" + FORGED in line for line in log), "\n".join(log)
