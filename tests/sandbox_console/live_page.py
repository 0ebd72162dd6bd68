"""The live console as a person uses it in a real browser: type a command and send it, go to a
place by clicking it in the sidebar, switch who you are, and check that something is in view
without scrolling. Nothing here reloads the page: each wait is on what the page draws."""

from __future__ import annotations

import asyncio
import re
import time

from playwright.async_api import FloatRect, Locator, Page, expect

# The outbox job delivers every second in the sandbox; its messages show within a few.
DELIVERY_MS = 15_000
IN_VIEW_SECONDS = 5.0


def composer(page: Page) -> Locator:
    """The message box: `/vilt` and the command typed after it."""
    return page.get_by_label("Message", exact=False)


async def run(page: Page, text: str) -> None:
    """Type `/vilt <text>` in the message box and send it; return once the answer is drawn."""
    await composer(page).fill(text)
    await page.get_by_role("button", name="Send").click()
    await sent(page)


async def sent(page: Page) -> None:
    """The page finished sending what was typed, clicked or submitted, and drew the answer."""
    await expect(page.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))


def messages(page: Page) -> Locator:
    """The pane of the place shown: its messages, newest at the bottom."""
    return page.locator("#messages")


def place_link(page: Page, place: str) -> Locator:
    """The sidebar's link to `place`: "home", a channel id, or "dm" (the person's DM with the bot)."""
    if place == "dm":
        return page.locator("#sidebar a[data-place^='D']")
    return page.locator(f"#sidebar a[data-place='{place}']")


async def go(page: Page, place: str) -> None:
    """Click `place` in the sidebar, as a person would, and wait until the pane shows it."""
    link = place_link(page, place)
    await link.click()
    await expect(link).to_have_attribute("aria-current", "page")


async def act_as(page: Page, name: str) -> None:
    """Pick who you are in the "You are" menu; the sidebar and pane become theirs."""
    (user,) = await page.get_by_label("You are").select_option(label=name)
    await expect(page.locator("#who-note")).to_have_text("as " + name.split(" (")[0])
    here = page.locator("#sidebar a.place.here")
    await expect(here).to_have_attribute("href", re.compile(rf"[?&]user={user}(&|$)"))


async def in_view(found: Locator, within: Locator | None = None) -> None:
    """`found` is where the person looks, without scrolling: inside the window and inside the
    box of `within` (the messages pane, say). One taller than that box shows its top."""
    await expect(found).to_be_in_viewport()
    page = found.page
    size = page.viewport_size
    assert size is not None
    deadline = time.monotonic() + IN_VIEW_SECONDS
    while True:
        box = await found.bounding_box()
        frame = await within.bounding_box() if within is not None else None
        if frame is None:
            frame = FloatRect(x=0.0, y=0.0, width=size["width"], height=size["height"])
        if box is not None and _shown_in(box, frame):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not in view without scrolling: {box} is not inside {frame}")
        await asyncio.sleep(0.1)


def _shown_in(box: FloatRect, frame: FloatRect) -> bool:
    top, bottom = box["y"], box["y"] + box["height"]
    frame_top, frame_bottom = frame["y"], frame["y"] + frame["height"]
    if top < frame_top - 1 or top >= frame_bottom:
        return False
    return bottom <= frame_bottom + 1 or box["height"] > frame["height"]
