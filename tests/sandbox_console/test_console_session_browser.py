"""A real headless Chromium takes the console from an empty workspace to a registered learner:
Ada builds a team and links a GoToWebinar location, schedules a session on one of its webinars in
the session modal, Lea registers with the Register button, and Ian is told he teaches it."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Locator, Page, expect
from sqlmodel import select

from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Session,
    SessionStatus,
)
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
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

IAN = "U0SANDINS1"
LEA = "U0SANDLEA1"
PRODUCT_UPDATE = "1234500002"  # alice's webinar tomorrow at 14:00 (sandbox/goto/default_scenario)
REGISTERED = re.compile(
    r"You are registered for Negotiation \(session #1\)\. "
    r"(GoTo emails the join link to lea@example\.com|I sent you the join link in a direct message)"
)


def dialog(page: Page, title: str) -> Locator:
    return page.get_by_role("dialog", name=title)


def reply(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The private reply ("Only visible to you") holding `text`, in the place shown."""
    return messages(page).locator("article.ephemeral").filter(has_text=text)


async def answered(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The reply, checked to be where the person looks: on screen, not below the fold."""
    found = reply(page, text)
    await expect(found).to_have_count(1, timeout=DELIVERY_MS)
    await expect(found).to_contain_text("Only visible to you")
    await in_view(found, messages(page))
    return found


async def save_modal(page: Page, path: Path) -> None:
    """A screenshot of the whole open modal (the window made tall enough to hold it)."""
    size = page.viewport_size
    assert size is not None
    height = await page.locator(".modal").evaluate("modal => modal.scrollHeight")
    await page.set_viewport_size({"width": size["width"], "height": int(height) + 100})
    await page.locator(".modal").screenshot(path=str(path))
    await page.set_viewport_size(size)


async def team_with_people_and_element(page: Page) -> None:
    await run(page, "team new Sales #training")
    await answered(page, "Team Sales created")
    await run(page, "team add @Ian instructor")
    await answered(page, "Ian Instructor added to Sales as instructor.")
    await run(page, "team add @Lea learner")
    await answered(page, "Lea Learner added to Sales as learner.")
    await run(page, "element new Negotiation")
    await answered(page, "Learning element Negotiation added to the catalog of team Sales.")


async def linked_webinar_location(page: Page) -> None:
    """A GoToWebinar location, Webinar room, linked to alice@example.com on GoTo's consent page."""
    await run(page, "location new")
    modal = dialog(page, "New location")
    await modal.get_by_label("Name").fill("Webinar room")
    await modal.get_by_label("Kind").select_option(label="GoToWebinar")
    await modal.get_by_label("Consumer key").fill("demo-webinar-app")
    await modal.get_by_label("Consumer secret").fill("demo-webinar-secret")
    await modal.get_by_role("button", name="Create").click()
    await sent(page)
    await expect(page.get_by_role("dialog")).to_have_count(0)
    # The link comes in the channel where `location new` was typed, for Ada only.
    link = reply(page, "Link with your GoToWebinar account").get_by_role(
        "link", name="Link with your GoToWebinar account"
    )
    await expect(link).to_be_visible(timeout=5000)
    await in_view(link, messages(page))
    async with page.expect_popup() as opened:
        await link.click()
    consent = await opened.value
    await consent.get_by_label("Sign in as").select_option("alice@example.com")
    await consent.get_by_role("button", name="Allow").click()
    await expect(consent.locator("body")).to_contain_text("linked correctly")
    await consent.close()
    await answered(page, "Webinar room is linked to the GoToWebinar account alice@example.com")


async def schedule_on_the_webinar(page: Page, shots: Path) -> None:
    """`/vilt session new`: element, location (the GoTo fields appear), Ian, a searched webinar."""
    await run(page, "session new")
    modal = dialog(page, "New session")
    await expect(modal).to_be_visible()
    element = modal.get_by_role("combobox", name="Learning element")
    await element.select_option(label="Negotiation")
    # Picking the location sends block_actions; the bot rebuilds the modal with the GoTo fields.
    await modal.get_by_label("Location").select_option(label="Webinar room · GoToWebinar")
    search = modal.get_by_label("Search GoToWebinar webinar")
    await expect(search).to_be_visible()
    # What was picked survives the update; the instructor left empty stays empty.
    await expect(element).to_have_value(re.compile(r"^\d+$"))
    await expect(modal.get_by_label("Instructor")).to_have_value("")
    await modal.get_by_label("Instructor").select_option(label="Ian Instructor")

    # Enter searches (block_suggestion); the picker, far down the modal, shows what was found and
    # is in view.
    await search.fill("quarterly")
    await search.press("Enter")
    picker = modal.get_by_role("combobox", name="GoToWebinar webinar")
    webinar = picker.get_by_role("option", name=re.compile(r"^Product Training: Quarterly Update"))
    await expect(webinar).to_have_text(re.compile(rf" · {PRODUCT_UPDATE}$"))
    await in_view(picker)
    await picker.select_option(label=await webinar.inner_text())
    await expect(modal.get_by_label("Instructor")).to_have_value(IAN)
    await save_modal(page, shots / "session-modal.png")
    await modal.get_by_role("button", name="Schedule").click()
    await sent(page)
    await expect(page.get_by_role("dialog")).to_have_count(0)


async def goto_webinar(sandbox: Sandbox, key: str) -> dict[str, Any]:
    """The webinar as the GoTo sandbox holds it now (its inspection endpoint)."""
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as http:
        answer = await http.get("/goto-sandbox/_sandbox/state")
    answer.raise_for_status()
    webinar: dict[str, Any] = next(w for w in answer.json()["webinars"] if w["key"] == key)
    return webinar


async def start_in_oslo(sandbox: Sandbox) -> str:
    """The webinar's start as a reader in Europe/Oslo sees it: "3:00 PM" (Slack's {time})."""
    webinar = await goto_webinar(sandbox, PRODUCT_UPDATE)
    start = datetime.fromisoformat(webinar["times"][0]["start"].replace("Z", "+00:00"))
    local = start.astimezone(ZoneInfo("Europe/Oslo"))
    return f"{local.hour % 12 or 12}:{local:%M %p}"


async def rows(sandbox: Sandbox, model: type[Any]) -> list[Any]:
    async with sandbox.runtime.factory() as db:
        return list((await db.execute(select(model))).scalars().all())


async def test_a_session_is_scheduled_and_a_learner_registers_in_the_browser(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    print(f"screenshots of the modal and the registration: {tmp_path}")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}")
        await team_with_people_and_element(page)
        await linked_webinar_location(page)

        await schedule_on_the_webinar(page, tmp_path)
        scheduled = await answered(page, "Session #1 scheduled.")
        await expect(scheduled).to_contain_text("Instructor: @Ian Instructor")
        await expect(scheduled).to_contain_text(f"GoTo: GoToWebinar {PRODUCT_UPDATE}")
        # Times read as in Slack: in Ada's own zone (Europe/Oslo), not in the UTC fallback.
        await expect(scheduled).to_contain_text(await start_in_oslo(sandbox))
        await expect(scheduled).not_to_contain_text(" UTC")
        await page.screenshot(path=str(tmp_path / "scheduled.png"))

        await act_as(page, "Lea Learner (learner)")
        await run(page, "sessions")
        listed = await answered(page, "1 upcoming session")
        await expect(listed).to_contain_text("Negotiation · session #1")
        await listed.get_by_role("button", name="Register").click()
        await sent(page)
        said = await (await answered(page, REGISTERED)).inner_text()
        await page.screenshot(path=str(tmp_path / "registered.png"))

        # Ian finds the bot's DM marked new in his sidebar, and it in his DM with viltbot.
        await act_as(page, "Ian Instructor (instructor)")
        await expect(place_link(page, "dm").locator(".badge")).to_be_visible(timeout=DELIVERY_MS)
        await go(page, "dm")
        dm = (
            messages(page)
            .locator("article.msg")
            .filter(has_text="You are teaching Negotiation at Webinar room")
        )
        await expect(dm).to_have_count(1, timeout=DELIVERY_MS)
        await in_view(dm, messages(page))
        await expect(dm).to_contain_text("assigned by @Ada Admin")
        await page.screenshot(path=str(tmp_path / "teaching-dm.png"))

    webinar = await goto_webinar(sandbox, PRODUCT_UPDATE)
    (element,) = await rows(sandbox, LearningElement)
    (location,) = await rows(sandbox, Location)
    (session,) = await rows(sandbox, Session)
    assert (element.title, location.kind) == ("Negotiation", LocationKind.GOTOWEBINAR)
    assert (session.element_id, session.location_id) == (element.id, location.id)
    assert (session.instructor_id, session.status) == (IAN, SessionStatus.SCHEDULED)
    assert (session.goto_product, session.goto_event_key) == (
        LocationKind.GOTOWEBINAR,
        PRODUCT_UPDATE,
    )
    # Times left blank in the modal were taken from GoTo's webinar.
    assert session.starts_at.isoformat() == webinar["times"][0]["start"].replace("Z", "+00:00")

    (enrollment,) = await rows(sandbox, Enrollment)
    assert (enrollment.session_id, enrollment.user_id) == (session.id, LEA)
    assert enrollment.status is EnrollmentStatus.REGISTERED
    assert enrollment.email == "lea@example.com" and enrollment.goto_registrant_key
    on_goto = {r["email"]: r["registrantKey"] for r in webinar["registrants"]}
    assert on_goto["lea@example.com"] == enrollment.goto_registrant_key
    if "direct message" in said:
        assert enrollment.join_url


async def test_without_chromium_the_browser_tests_fail_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"Chromium is not installed.*apt-get install"):
        async with chromium():
            pass
