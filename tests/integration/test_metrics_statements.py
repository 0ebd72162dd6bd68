"""A /metrics scrape reads the database with as many statements for 1 notice and location as for
hundreds (counted on the engine the scrape uses, while the served bot answers it)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics.database import READ_STATEMENTS
from db.uow import SqlUnitOfWork
from domain.models import Location, Notice, NoticeStatus
from domain.services.identity import ensure_workspace
from domain.types import utcnow
from tests.e2e.conftest import TRAINING, WS, Stack
from tests.integration.test_statement_counts import Statements, seed, teams_with_a_learner


async def add_notices(stack: Stack, first: int, count: int) -> None:
    """`count` more notices, in every delivery state."""
    states = list(NoticeStatus)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        await ensure_workspace(uow, WS)
        for i in range(first, first + count):
            uow.session.add(
                Notice(
                    workspace_id=WS,
                    kind="test",
                    channel=TRAINING,
                    text=f"notice {i}",
                    dedupe_key=f"metrics-{i}",
                    status=states[i % len(states)],
                    next_attempt_at=utcnow() - timedelta(minutes=i),
                )
            )
        await uow.commit()


async def measured_scrape(stack: Stack) -> tuple[list[str], dict[str, float]]:
    """The statements one scrape ran, and its notice and connection totals."""
    async with (
        httpx.AsyncClient(timeout=10) as http,
        Statements(stack.runtime.engine).during() as statements,
    ):
        response = await http.get(f"{stack.base_url}/metrics")
    assert response.status_code == 200
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        if family.name in ("viltbot_notices", "viltbot_goto_connections"):
            totals[family.name] = sum(sample.value for sample in family.samples)
    return statements, totals


async def test_a_scrape_costs_as_many_statements_for_400_notices_and_60_locations_as_for_1(
    stack: Stack,
) -> None:
    await teams_with_a_learner(stack)
    await seed(stack, 1, 1)  # one linked GoToWebinar room
    await add_notices(stack, 0, 1)
    few, small = await measured_scrape(stack)

    await seed(stack, 2, 119)
    await add_notices(stack, 1, 399)
    many, large = await measured_scrape(stack)

    # The teams' own notices (their creation) count too.
    before = await stack.count(Notice) - 400
    assert small == {"viltbot_notices": before + 1, "viltbot_goto_connections": 1}
    goto_rooms = sum(1 for row in await stack.rows(Location) if row.kind.is_goto)
    assert goto_rooms == 60
    assert large == {"viltbot_notices": before + 400, "viltbot_goto_connections": 60}
    assert len(few) == len(many) == READ_STATEMENTS, (few, many)
