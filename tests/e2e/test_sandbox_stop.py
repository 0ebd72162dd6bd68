"""`viltbot serve --sandbox` stops promptly and cleanly on Ctrl-C while a console tab is open:
the console's event stream ends as soon as the server is asked to stop, instead of being cut off
after the server's grace period with an error in the log."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from sandbox.ids import SANDBOX_ADMIN

STOPS_WITHIN_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_ctrl_c_with_a_console_tab_open_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    log_path = tmp_path / "viltbot.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOTO_"))}
    environment.pop("DATABASE_URL", None)
    with log_path.open("w") as log_file:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "bot.cli", "serve", "--sandbox", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.returncode is None, log_path.read_text()
                await asyncio.sleep(0.1)
            params = {"user": SANDBOX_ADMIN}
            async with http.stream("GET", "/sandbox/stream", params=params) as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == "event: parts"
                asked = time.monotonic()
                process.send_signal(signal.SIGINT)
                # The stream ends by itself once the server is asked to stop.
                async for _ in lines:
                    pass
            code = await asyncio.wait_for(process.wait(), STOPS_WITHIN_SECONDS)
            took = time.monotonic() - asked
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = log_path.read_text()
    assert code == 0, log
    assert took < STOPS_WITHIN_SECONDS
    assert " ERROR " not in log and "Traceback" not in log, log
