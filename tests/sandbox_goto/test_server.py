"""The standalone sandbox: `serve()` under uvicorn on a real loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .helpers import ALICE, G2W, POLL_WEBINAR, REDIRECT, consent_page, query

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", f"from sandbox.goto.server import serve; serve({port}, None)"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/_sandbox/clock", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_standalone_server_over_real_http(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        page = await consent_page(client, "demo-webinar-app", state="live")
        assert 'action="/oauth/authorize"' in page.text
        decision = await client.post(
            "/oauth/authorize",
            data={
                "client_id": "demo-webinar-app",
                "redirect_uri": REDIRECT,
                "state": "live",
                "account": "alice@example.com",
                "decision": "allow",
            },
        )
        assert decision.status_code == 302
        code = query(decision.headers["location"])["code"]
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=("demo-webinar-app", "demo-webinar-secret"),
        )
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        webinar = await client.get(
            f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}", headers=headers
        )
        assert webinar.status_code == 200
        assert webinar.json()["webinarKey"] == int(POLL_WEBINAR)
        me = await client.get("/identity/v1/Users/me", headers=headers)
        assert me.json()["id"] == ALICE
