"""`viltbot worker --metrics-port P` serves its own jobs' metrics, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_commands import VILTBOT

START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def worker_env(database_url: str) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VILTBOT_", "GOTO_"))
    }
    return {
        **clean,
        "DATABASE_URL": database_url,
        "SLACK_SIGNING_SECRET": "worker-signing-secret",
        "SLACK_BOT_TOKEN": "xoxb-worker-token",
        "VILTBOT_SECRET_KEY": "worker-key-material",
        "VILTBOT_METRICS_TOKEN": "worker-scrape-token",
        # The outbox job runs within the test's wait.
        "VILTBOT_NOTICE_POLL_SECONDS": "0.5",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "GOTO_AUTH_URL": "http://127.0.0.1:9",
        "GOTO_API_URL": "http://127.0.0.1:9",
    }


def job_runs(exposition: str) -> dict[str, float]:
    """viltbot_job_runs_total by job, as Prometheus reads it."""
    return {
        sample.labels["job"]: sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "viltbot_job_runs"
        for sample in family.samples
        if sample.name == "viltbot_job_runs_total"
    }


def first_scrape(url: str, worker: subprocess.Popen[str]) -> httpx.Response:
    """The first answer of the worker's /metrics that has counted an outbox run."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.communicate()
        try:
            response = httpx.get(
                url, headers={"Authorization": "Bearer worker-scrape-token"}, timeout=5
            )
        except httpx.TransportError:
            response = None
        if response is not None and job_runs(response.text).get("deliver_notices", 0) >= 1:
            return response
        time.sleep(0.1)  # waiting for a process to start, not for the bot's time to pass
    raise AssertionError("the worker did not serve /metrics in time")


def test_a_worker_serves_its_jobs_metrics_on_the_port_it_was_given(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    worker = subprocess.Popen(
        [VILTBOT, "worker", "--metrics-port", str(port), "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=worker_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = first_scrape(f"http://127.0.0.1:{port}/metrics", worker)
        refused = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert refused.status_code == 401
    assert response.status_code == 200
    runs = job_runs(response.text)
    assert runs["deliver_notices"] >= 1
    assert set(runs) == {
        "deliver_notices",
        "retry_registrations",
        "sync_attendance",
        "refresh_tokens",
        "connection_warnings",
        "session_reminders",
    }
