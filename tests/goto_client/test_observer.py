"""The GoTo client tells its observer of requests GoTo never answered and of each retry."""

from __future__ import annotations

import pytest

from bot.goto.errors import Unavailable
from bot.goto.oauth import GoToOAuth
from bot.goto.transport import RetryPolicy
from bot.metrics.registry import Metrics
from tests.e2e.test_database_trouble import closed_port


async def no_wait(_: float) -> None:
    return None


async def test_a_host_that_refuses_connections_counts_each_try_unanswered_and_each_retry() -> None:
    metrics = Metrics()
    url = f"http://127.0.0.1:{closed_port()}"
    oauth = GoToOAuth(
        auth_url=url,
        api_url=url,
        retry=RetryPolicy(max_attempts=3),
        sleep=no_wait,
        observer=metrics,
    )
    with pytest.raises(Unavailable):
        await oauth.identity("access-token")

    def count(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    assert count("viltbot_goto_unanswered_requests_total", api="oauth") == 3
    assert count("viltbot_goto_retries_total", api="oauth") == 2
    assert count("viltbot_goto_requests_total", api="oauth", status="200") is None
    assert count("viltbot_goto_unanswered_requests_total", api="webinar") == 0
