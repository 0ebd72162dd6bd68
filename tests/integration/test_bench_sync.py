"""bench/sync.py at a tiny size: the scenario it builds syncs right, with the fewest requests."""

from __future__ import annotations

import pytest

from bench import sync


async def test_the_sync_bench_at_a_tiny_size(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = await sync.run(2, 2, 20, database_url)

    assert figures.wrong == []
    assert figures.sessions == figures.reports == 4
    # Learners per session differ (10, 30, 20, 20); what a session costs the database does not.
    assert sorted(figures.statements) == [10, 20, 30]
    assert len({n for found in figures.statements.values() for n in found}) == 1
    assert figures.requests == figures.minimum
    assert figures.statuses == {200: figures.requests}
    assert sorted(figures.per_key) == ["bench-key-0", "bench-key-1"]
    assert figures.floor == max(figures.per_key.values()) / sync.GOTO_RATE
    sync.show(figures, "tiny")
    printed = capsys.readouterr().out
    assert f"GoTo requests: {figures.requests}" in printed
    assert "PASS  requests <= minimum + pages" in printed
    assert "PASS  statements per session constant" in printed
