"""A newcomer takes the console's tour in a real headless Chromium, from an empty sandbox to the
completion report: every reply lands in view without scrolling, no action costs more than one
request, the page never loads again after the first time, and every step of the tour is ticked.

The same run measures click-to-reply times (printed here; `python -m bench.console_tour` records
them) and saves the README's screenshots: set VILTBOT_SCREENSHOTS=docs/screenshots to refresh
them, as the README says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from bench.console_tour import LEA, LEO, Console, summary, take_tour
from domain.models import Enrollment, EnrollmentStatus
from sandbox.console.workspace import TRAINING
from tests.sandbox_console.conftest import Sandbox
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

SCREENSHOTS = "VILTBOT_SCREENSHOTS"


async def test_the_tour_from_an_empty_sandbox_to_the_report(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # The panel's "Run sync now" is what syncs here, not the job that runs every minute.
    assert sandbox.runtime.scheduler is not None
    sandbox.runtime.scheduler.pause_job("sync_attendance")
    shots = Path(os.environ.get(SCREENSHOTS) or tmp_path)
    print(f"screenshots: {shots}")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1440, "height": 900})
        tour = await take_tour(Console(page, sandbox.url, shots), extra=2)
    print("\n".join(summary(tour)))

    for action in tour.actions:
        assert action.in_view, f"the reply to {action.kind} {action.label!r} was out of view"
        assert len(action.requests) <= 1, f"{action.label!r} cost {action.requests}"
    assert tour.documents == 0, "the page loaded again after the first time"
    assert {"command", "button", "modal submit", "switch", "panel"} <= {
        a.kind for a in tour.actions
    }
    assert tour.steps >= 9 and len(tour.ticks) == tour.steps, f"ticked only {tour.ticks}"

    async with sandbox.runtime.factory() as db:
        enrollments = (await db.execute(select(Enrollment))).scalars().all()
    assert {e.user_id: e.status for e in enrollments} == {
        LEA: EnrollmentStatus.COMPLETE,
        LEO: EnrollmentStatus.IN_PROGRESS,
    }
    reports = [
        c
        for c in sandbox.console.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == TRAINING and "Completion report" in str(c.args.get("text"))
    ]
    assert len(reports) == 1
