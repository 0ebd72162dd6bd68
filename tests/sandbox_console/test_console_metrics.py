"""`viltbot serve --sandbox` serves /metrics too, with the jobs it runs and its GoTo sandbox."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.sandbox_console.conftest import Sandbox


async def test_the_sandbox_serves_metrics_for_its_jobs_notices_and_connections(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    response = await http.get("/metrics")
    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    jobs = {sample.labels["job"] for sample in families["viltbot_job_runs"].samples}
    assert jobs == {
        "deliver_notices",
        "retry_registrations",
        "sync_attendance",
        "refresh_tokens",
        "connection_warnings",
        "session_reminders",
    }
    notices = {s.labels["status"]: s.value for s in families["viltbot_notices"].samples}
    assert set(notices) == {"pending", "sending", "sent", "failed"}
    connections = {s.labels["status"] for s in families["viltbot_goto_connections"].samples}
    assert connections == {"connected", "expired", "failed", "not_linked"}
