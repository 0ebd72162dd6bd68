"""A real headless Chromium takes the console from a linked location to a completion report: Ada
schedules a session that completes on every poll answered, Lea and Leo register, the GoTo sandbox
panel plays the session (Lea answers every poll, Leo not), time moves forward, sync runs, and the
statuses show on the Home tab and the report in #training."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect
from sqlmodel import select

from domain.models import Enrollment, EnrollmentStatus, Session, TrackingRule
from sandbox.console.workspace import TRAINING
from sandbox.ids import SANDBOX_ADMIN
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.live_page import (
    DELIVERY_MS,
    act_as,
    go,
    in_view,
    messages,
    place_link,
    run,
    sent,
)
from tests.sandbox_console.test_console_session_browser import (
    answered,
    dialog,
    linked_webinar_location,
    save_modal,
    team_with_people_and_element,
)
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

LEA = "U0SANDLEA1"
LEO = "U0SANDLEO1"


async def schedule_every_poll(page: Page, shots: Path) -> None:
    """`/vilt session new` on the product update webinar, complete when every poll is answered."""
    await run(page, "session new")
    modal = dialog(page, "New session")
    await modal.get_by_role("combobox", name="Learning element").select_option(label="Negotiation")
    await modal.get_by_label("Location").select_option(label="Webinar room · GoToWebinar")
    await modal.get_by_label("Instructor").select_option(label="Ian Instructor")
    search = modal.get_by_label("Search GoToWebinar webinar")
    await search.fill("quarterly")
    await search.press("Enter")
    picker = modal.get_by_role("combobox", name="GoToWebinar webinar")
    webinar = picker.get_by_role("option", name=re.compile(r"^Product Training: Quarterly Update"))
    await picker.select_option(label=await webinar.inner_text())
    await modal.get_by_role("radio", name="answered every poll").check()
    await save_modal(page, shots / "session-modal.png")
    await modal.get_by_role("button", name="Schedule").click()
    await sent(page)
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await answered(page, "Session #1 scheduled.")


async def register(page: Page, person: str) -> None:
    """Act as `person`, list the sessions and click Register."""
    await act_as(page, person)
    await run(page, "sessions")
    listed = await answered(page, "1 upcoming session")
    await listed.get_by_role("button", name="Register").click()
    await sent(page)
    await answered(page, re.compile(r"You are registered for Negotiation \(session #1\)"))


def panel(page: Page) -> Locator:
    return page.locator("#goto-panel")


async def press(page: Page, name: str) -> None:
    """Press a button of the GoTo sandbox panel; the panel stays in view with what it says."""
    await panel(page).get_by_role("button", name=name, exact=True).click()
    await sent(page)
    await expect(panel(page)).to_be_in_viewport()


async def test_a_played_session_is_synced_to_the_home_tab_and_the_report_in_the_browser(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    print(f"screenshots of the panel, the Home tab and the report: {tmp_path}")
    # The panel's button is what runs the sync here, not the job that runs every minute.
    assert sandbox.runtime.scheduler is not None
    sandbox.runtime.scheduler.pause_job("sync_attendance")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}")
        await team_with_people_and_element(page)
        await run(page, "team add @Leo learner")
        await answered(page, "Leo Learner added to Sales as learner.")
        await linked_webinar_location(page)
        await expect(panel(page)).to_contain_text("No session on a GoTo event yet")
        await schedule_every_poll(page, tmp_path)
        await register(page, "Lea Learner (learner)")
        await register(page, "Leo Learner (learner)")

        await act_as(page, "Ada Admin (first admin)")
        goto = panel(page)
        await expect(goto.get_by_label("Session")).to_have_value("1")
        await expect(goto).to_contain_text("Complete when: answered every poll · 90 minutes")
        await expect(goto).to_contain_text("Lea Learner")
        await expect(goto).to_contain_text("Leo Learner")
        # Dana registered on GoTo herself (the demo scenario): she is a walk-in to viltbot.
        await goto.get_by_label("Leo Learner's minutes").fill("75")
        await goto.get_by_label("Leo Learner answered poll 2").uncheck()
        # Unticking Attended unticks (and locks) her polls: no one answers without attending.
        await expect(goto.get_by_label("Dana Diaz answered poll 1")).to_be_checked()
        await goto.get_by_label("Dana Diaz attended").uncheck()
        for number in (1, 2, 3):
            dana_poll = goto.get_by_label(f"Dana Diaz answered poll {number}")
            await expect(dana_poll).not_to_be_checked()
            await expect(dana_poll).to_be_disabled()
        await goto.get_by_label("Dana Diaz attended").check()
        await expect(goto.get_by_label("Dana Diaz answered poll 2")).to_be_enabled()
        await goto.get_by_label("Dana Diaz attended").uncheck()
        await goto.screenshot(path=str(tmp_path / "panel-to-play.png"))
        await press(page, "Play and end the session")
        await expect(panel(page)).to_contain_text(
            "Played session #1 on the GoTo sandbox: 2 of 3 registrants attended"
        )
        await expect(panel(page)).to_contain_text("attended 75 min · answered polls 1, 3 of 3")
        await expect(panel(page)).to_contain_text("did not attend")

        await press(page, "+2 days")
        await expect(panel(page)).to_contain_text("Moved time +2 days: it is now")
        await press(page, "Run sync now")
        said = panel(page).get_by_role("status")
        await expect(said).to_contain_text("Sync now: #1 Negotiation: 1 complete, 1 in progress")
        await expect(said).to_contain_text("(Lea Learner → complete, Leo Learner → in progress)")
        await expect(panel(page)).to_contain_text("lea@example.com · complete")
        await expect(panel(page)).to_contain_text("leo@example.com · in progress")
        await panel(page).screenshot(path=str(tmp_path / "panel-synced.png"))

        # Ada's Home tab: the team's recent results, still syncing.
        await go(page, "home")
        home = messages(page).locator("article").filter(has_text="Recent results")
        await expect(home).to_contain_text("1 of 2 complete (50%) · 1 in progress · syncing")
        await home.screenshot(path=str(tmp_path / "home-syncing.png"))

        await press(page, "+2 days")
        await press(page, "Run sync now")
        await expect(panel(page).get_by_role("status")).to_contain_text("report posted")
        # The report in #training: marked new in the sidebar, the newest message when opened.
        await expect(place_link(page, TRAINING).locator(".badge")).to_be_visible(
            timeout=DELIVERY_MS
        )
        await go(page, TRAINING)
        report = messages(page).locator("article.msg").filter(has_text="Completion report")
        await expect(report).to_have_count(1, timeout=DELIVERY_MS)
        await expect(report).to_contain_text("Negotiation")
        await expect(report).to_contain_text("answered 2 of 3 polls")
        await in_view(report, messages(page))
        await report.screenshot(path=str(tmp_path / "report-in-training.png"))
        # Back on the Home tab (opened again, so the bot draws it afresh): final.
        await go(page, "home")
        home = messages(page).locator("article").filter(has_text="Recent results")
        await expect(home).to_contain_text("1 of 2 complete (50%) · 1 did not complete · final")
        await page.screenshot(path=str(tmp_path / "console-after-final-sync.png"), full_page=True)

        await act_as(page, "Lea Learner (learner)")
        await go(page, "dm")
        dm = messages(page).locator("article.msg").filter(has_text="You completed Negotiation")
        await expect(dm).to_have_count(1, timeout=DELIVERY_MS)
        await in_view(dm, messages(page))
        await expect(dm).to_contain_text("Well done!")
        await page.screenshot(path=str(tmp_path / "lea.png"))

    async with sandbox.runtime.factory() as db:
        (session,) = (await db.execute(select(Session))).scalars().all()
        enrollments = (await db.execute(select(Enrollment))).scalars().all()
    assert session.tracking is TrackingRule.ALL_POLLS_ANSWERED
    assert session.report_queued_at is not None
    assert {e.user_id: (e.status, e.polls_answered, e.attended_minutes) for e in enrollments} == {
        LEA: (EnrollmentStatus.COMPLETE, 3, 90),
        LEO: (EnrollmentStatus.IN_PROGRESS, 2, 75),
    }
    report_posts = [
        m
        for m in sandbox.console.standin.calls_to("chat.postMessage")
        if "Completion report" in str(m.args.get("text"))
    ]
    # Once to the team's channel (and once to Ian), however many times sync ran.
    assert [m.args["channel"] for m in report_posts].count(TRAINING) == 1
