"""`viltbot goto-sandbox --port P` as a user runs it, driven like the curl lines in docs/goto.md."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
VILTBOT = Path(sys.executable).parent / "viltbot"
STARTUP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def documented_demo_app() -> tuple[str, str]:
    """The consumer key and secret of the webinar demo app, from the docs' curl example."""
    docs = (ROOT / "docs" / "goto.md").read_text(encoding="utf-8")
    match = re.search(r"curl -s -u ([\w-]+):([\w-]+) \S+/oauth/token", docs)
    assert match, "docs/goto.md lost its token exchange example"
    return match[1], match[2]


async def wait_until_up(http: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.returncode is None, f"viltbot goto-sandbox exited with {process.returncode}"
        try:
            response = await http.get("/_sandbox/state")
        except httpx.TransportError:
            pass
        else:
            if response.status_code == 200:
                return
        assert time.monotonic() < deadline, "the sandbox did not answer within 10 s"
        await asyncio.sleep(0.1)


async def test_the_console_script_serves_a_sandbox_that_issues_tokens(tmp_path: Path) -> None:
    assert VILTBOT.exists(), f"console script missing: {VILTBOT}"
    client_id, client_secret = documented_demo_app()
    assert (client_id, client_secret) == ("demo-webinar-app", "demo-webinar-secret")
    port = free_port()
    log_path = tmp_path / "sandbox.log"
    log = log_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        str(VILTBOT),
        "goto-sandbox",
        "--port",
        str(port),
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=httpx.Timeout(2.0)
        ) as http:
            await wait_until_up(http, process)
            dump = (await http.get("/_sandbox/state")).json()
            assert dump["scenario"] == "default"

            # curl -si …/oauth/authorize -d client_id=… -d account=… -d decision=allow
            redirect = "http://localhost:3000/callback"
            allowed = await http.post(
                "/oauth/authorize",
                data={
                    "client_id": client_id,
                    "redirect_uri": redirect,
                    "state": "xyz",
                    "account": "alice@example.com",
                    "decision": "allow",
                },
            )
            assert allowed.status_code == 302
            location = allowed.headers["location"]
            assert location.startswith(redirect + "?")
            code = parse_qs(urlsplit(location).query)["code"][0]

            # curl -s -u demo-webinar-app:demo-webinar-secret …/oauth/token -d grant_type=…
            answer = await http.post(
                "/oauth/token",
                auth=(client_id, client_secret),
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
            assert (body["organizer_key"], body["email"]) == ("1000000001", "alice@example.com")
            assert body["access_token"] and body["refresh_token"]

            webinar = await http.get(
                "/G2W/rest/v2/organizers/1000000001/webinars/1234500002",
                headers={"Authorization": f"Bearer {body['access_token']}"},
            )
            assert webinar.json()["subject"] == "Product Training: Quarterly Update"
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    # The startup line names URLs and consumer keys, never secrets or codes.
    assert f"http://127.0.0.1:{port}" in output
    assert client_secret not in output
    assert code not in output
