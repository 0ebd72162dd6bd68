"""Run the GoTo sandbox on its own port: `viltbot goto-sandbox --port P [--scenario FILE]`."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_goto_sandbox
from .scenario import default_scenario, load_scenario

log = logging.getLogger(__name__)


def serve(port: int, scenario_path: str | None, host: str = "127.0.0.1") -> None:
    """Serve the sandbox with uvicorn until interrupted (blocking)."""
    scenario = load_scenario(scenario_path) if scenario_path else default_scenario()
    app = create_goto_sandbox(scenario)
    base = f"http://{host}:{port}"
    # Only URLs and consumer keys: secrets stay in the scenario file.
    log.warning(
        "GoTo sandbox %r on %s: set GOTO_AUTH_URL=%s and GOTO_API_URL=%s; consumer keys: %s",
        scenario.name,
        base,
        base,
        base,
        ", ".join(c.client_id for c in scenario.consumers),
    )
    # No access log: authorize URLs carry `state`, and the log adds nothing to /_sandbox/requests.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
