"""The try-it console taken as a newcomer takes it, in headless Chromium: the guided tour from an
empty sandbox to the completion report in #training.

Each action (a command sent, a button clicked, a modal submitted, a place or person switched) is
checked as the person would notice it: its reply lands in view without scrolling, it costs at most
one request, and the page never loads again after the first time. The time from click to reply is
measured for commands, buttons and modal submits.

    .venv/bin/python -m bench.console_tour                      # one tour, then 20 rounds of each
    .venv/bin/python -m bench.console_tour --rounds 50 --shots docs/screenshots

The bench starts `viltbot serve --sandbox` itself, in a temporary folder (a fresh SQLite file).
The times include the browser driver's own round trips, so they are a little above what a person
sees.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.async_api import Browser, Locator, Page, Request, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
]
ADA, IAN, LEA, LEO = "U0SANDADM1", "U0SANDINS1", "U0SANDLEA1", "U0SANDLEO1"
GENERAL, TRAINING = "C0SBGENRL1", "C0SBTRAIN1"
REPLY_MS = 15_000  # a notice the outbox delivers arrives within seconds
QUIET_MS = 250  # how long after a reply further requests still count against the action
KINDS = ("command", "button", "modal submit")
# In the page: when the person last acted (the event's time), and when each element was added.
WATCH = """() => {
  window.__acted = 0;
  window.__born = new WeakMap();
  for (const type of ["click", "keydown", "change"]) {
    document.addEventListener(type, (e) => {
      if (type !== "keydown" || e.key === "Enter") window.__acted = e.timeStamp;
    }, true);
  }
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === 1 && !window.__born.has(n)) window.__born.set(n, now);
    }
  }).observe(document.body, { childList: true, subtree: true });
}"""
# Milliseconds from the person's action to the reply's element being added to the page.
REPLY_AGE = """(el) => {
  let node = el;
  while (node && !window.__born.has(node)) node = node.parentElement;
  return node ? window.__born.get(node) - window.__acted : null;
}"""
VIEWPORT = {"width": 1440, "height": 900}


@dataclass
class Action:
    """One thing the person did, and what they noticed."""

    kind: str  # "command", "button", "modal submit", "select", "switch", "panel"
    label: str
    ms: float
    requests: list[str]
    in_view: bool
    answered_ms: float = 0.0  # when the action's own request was answered
    driver_ms: float = 0.0  # the same, as the browser driver saw it (its own round trips too)


@dataclass
class Tour:
    """Every action taken, the page loads after the first, and the tour's ticks."""

    actions: list[Action] = field(default_factory=list)
    documents: int = 0
    ticks: list[str] = field(default_factory=list)
    steps: int = 0

    def times(self, kind: str) -> list[float]:
        return [a.ms for a in self.actions if a.kind == kind]


class Console:
    """The console page, driven as a person uses it, with each action measured."""

    def __init__(self, page: Page, base: str, shots: Path | None) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.tour = Tour()
        self._requests: list[str] = []
        self._sent: list[Request] = []
        page.on("request", self._saw)

    def _saw(self, request: Request) -> None:
        if request.resource_type == "document":
            self.tour.documents += 1
        self._requests.append(f"{request.method} {request.url.removeprefix(self.base)}")
        self._sent.append(request)

    async def open(self, user: str = ADA) -> None:
        await self.page.goto(f"{self.base}/sandbox?user={user}")
        await expect(self.page.locator("#messages")).to_be_visible()
        self.tour.documents = 0  # the first load is the one allowed
        await self.page.evaluate(WATCH)

    async def act(
        self,
        kind: str,
        label: str,
        do: Callable[[], Awaitable[None]],
        reply: Callable[[], Locator],
    ) -> Locator:
        """Do something and wait for its reply; record the time, requests, and whether the reply
        is in view without scrolling."""
        before = len(self._requests)
        started = time.perf_counter()
        await do()
        found = reply()
        # Waited for in the page (checked on each frame), not by polling from here.
        await found.wait_for(state="visible", timeout=REPLY_MS)
        driver_ms = (time.perf_counter() - started) * 1000
        in_page = await found.evaluate(REPLY_AGE)
        ms = float(in_page) if isinstance(in_page, int | float) and in_page >= 0 else driver_ms
        await self.page.wait_for_timeout(QUIET_MS)
        answered = 0.0
        for request in self._sent[before:]:
            response = await request.response()
            if response is not None and request.resource_type == "fetch":
                answered = request.timing["responseEnd"]
        in_view = await self._in_view(found)
        self.tour.actions.append(
            Action(kind, label, ms, self._requests[before:], in_view, answered, driver_ms)
        )
        return found

    async def _in_view(self, found: Locator) -> bool:
        """The reply's top is on screen, inside the pane it belongs to, and the window itself
        was never scrolled."""
        box = await found.bounding_box()
        scrolled = await self.page.evaluate("() => window.scrollY")
        if box is None or scrolled != 0:
            return False
        pane = await self.page.locator("#messages").bounding_box()
        if pane is not None and await found.evaluate("el => !!el.closest('#messages')"):
            return pane["y"] - 1 <= box["y"] < pane["y"] + pane["height"]
        return -1 <= box["y"] < VIEWPORT["height"]

    # ------------------------------------------------------------------ what a person does
    def newest_reply(self, text: str | re.Pattern[str]) -> Locator:
        return self.page.locator("#messages article").filter(has_text=text).last

    async def fill(self, text: str, *, from_tour: bool = True) -> None:
        """Fill the composer from the tour's button when it offers one, else by typing."""
        button = self.page.locator(f'#tour button[data-fill="{text}"]')
        if from_tour and await button.count():
            before = len(self._requests)
            await button.first.click()
            await expect(self.page.locator("#command-text")).to_have_value(text)
            if len(self._requests) > before:  # the button switched person: wait for the stream
                await self.page.wait_for_timeout(QUIET_MS)
        else:
            await self.page.locator("#command-text").fill(text)

    async def command(
        self, text: str, answer: str | re.Pattern[str], *, from_tour: bool = True
    ) -> Locator:
        """Send `/vilt <text>` and wait for a new message saying `answer`."""
        await self.fill(text, from_tour=from_tour)
        shown = await self.page.locator("#messages article").count()
        return await self.act(
            "command",
            f"/vilt {text}",
            lambda: self.page.locator("#command-text").press("Enter"),
            lambda: self.page.locator("#messages article").nth(shown).filter(has_text=answer),
        )

    async def command_opening(self, text: str, title: str, *, from_tour: bool = True) -> Locator:
        await self.fill(text, from_tour=from_tour)
        return await self.act(
            "command",
            f"/vilt {text}",
            lambda: self.page.locator("#command-text").press("Enter"),
            lambda: self.dialog(title),
        )

    def dialog(self, title: str) -> Locator:
        return self.page.get_by_role("dialog", name=title)

    async def click(self, button: Locator, label: str, answer: Callable[[], Locator]) -> Locator:
        return await self.act("button", label, button.click, answer)

    async def submit(self, modal: Locator, name: str, answer: Callable[[], Locator]) -> Locator:
        button = modal.get_by_role("button", name=name)
        found = await self.act("modal submit", name, button.click, answer)
        return found

    async def choose(self, select: Locator, label: str, then: Callable[[], Locator]) -> None:
        """Pick an option that the bot answers (a dispatching select)."""

        async def pick() -> None:
            await select.select_option(label=label)

        await self.act("select", label, pick, then)

    async def become(self, name: str, user: str) -> None:
        who = self.page.get_by_label("You are")

        async def pick() -> None:
            await who.select_option(value=user)

        await self.act("switch", name, pick, lambda: self.page.locator("#who-note", has_text=name))

    async def go(self, place: str, name: str, then: Callable[[], Locator]) -> Locator:
        """Click a place in the sidebar ("dm": the person's DM with the bot)."""
        where = '^="D"' if place == "dm" else f'="{place}"'
        link = self.page.locator(f"#sidebar a[data-place{where}]")
        return await self.act("switch", name, link.click, then)

    async def panel(self, button: str, said: str | re.Pattern[str]) -> Locator:
        panel = self.page.locator("#goto-panel")
        return await self.act(
            "panel",
            button,
            panel.get_by_role("button", name=button, exact=True).click,
            lambda: panel.get_by_role("status").filter(has_text=said),
        )

    async def shot(self, name: str, target: Locator | None = None) -> None:
        if self.shots is None:
            return
        self.shots.mkdir(parents=True, exist_ok=True)
        path = str(self.shots / f"{name}.png")
        if target is None:
            await self.page.screenshot(path=path)
        else:
            await target.screenshot(path=path)

    async def read_ticks(self) -> None:
        steps = self.page.locator("#tour li[data-step]")
        self.tour.steps = await steps.count()
        self.tour.ticks = [
            str(await item.get_attribute("data-step"))
            for item in await self.page.locator("#tour li.done[data-step]").all()
        ]


async def take_tour(console: Console, extra: int = 0) -> Tour:
    """The whole story, as the tour tells it: a team, a linked GoToWebinar location, a session,
    two learners, the session played on the GoTo sandbox, time moved, sync, the report; with
    `extra` more samples of each kind taken once the session is scheduled."""
    page = console.page
    await console.open(ADA)
    await console.shot("console-first-look")
    await console.command("team new Sales #training", "Team Sales created")
    for who, role in (("Ian", "instructor"), ("Lea", "learner"), ("Leo", "learner")):
        await console.command(f"team add @{who} {role}", f"added to Sales as {role}")

    modal = await console.command_opening("location new", "New location")
    await modal.get_by_label("Name").fill("Webinar room")
    await console.choose(
        modal.get_by_label("Kind"), "GoToWebinar", lambda: modal.get_by_label("Consumer key")
    )
    await modal.get_by_label("Consumer key").fill("demo-webinar-app")
    await modal.get_by_label("Consumer secret").fill("demo-webinar-secret")
    link_name = "Link with your GoToWebinar account"
    link = await console.submit(
        modal, "Create", lambda: page.locator("#messages").get_by_role("link", name=link_name)
    )
    async with page.expect_popup() as opened:
        await link.last.click()
    consent = await opened.value
    await consent.get_by_label("Sign in as").select_option("alice@example.com")
    await consent.get_by_role("button", name="Allow").click()
    await expect(consent.locator("body")).to_contain_text("linked correctly")
    await consent.close()
    linked = console.newest_reply("is linked to the GoToWebinar account alice@example.com")
    await expect(linked).to_be_visible(timeout=REPLY_MS)

    await console.command("element new Negotiation", "Learning element Negotiation added")
    modal = await console.command_opening("session new", "New session")
    await modal.get_by_role("combobox", name="Learning element").select_option(label="Negotiation")
    search = modal.get_by_label("Search GoToWebinar webinar")
    # The modal comes back with the GoTo fields under the one picked.
    await console.choose(
        modal.get_by_label("Location"),
        "Webinar room · GoToWebinar",
        lambda: modal.filter(has=page.get_by_label("Search GoToWebinar webinar")),
    )
    await modal.get_by_label("Instructor").select_option(label="Ian Instructor")
    await search.fill("quarterly")
    picker = modal.get_by_role("combobox", name="GoToWebinar webinar")
    webinar = picker.get_by_role("option", name=re.compile(r"^Product Training: Quarterly Update"))
    await console.act(
        "select",
        "search webinars",
        lambda: search.press("Enter"),
        lambda: modal.locator('select:has(option:has-text("Quarterly Update"))'),
    )
    await picker.select_option(label=await webinar.inner_text())
    await modal.get_by_role("radio", name="answered every poll").check()
    await console.shot("session-modal", page.locator(".modal"))
    await console.submit(modal, "Schedule", lambda: console.newest_reply("Session #1 scheduled."))
    await console.shot("session-scheduled")
    await rounds(console, extra)

    for name, user in (("Lea Learner", LEA), ("Leo Learner", LEO)):
        await console.become(name, user)
        listed = await console.command("sessions", "1 upcoming session")
        await console.click(
            listed.get_by_role("button", name="Register"),
            "Register",
            lambda: console.newest_reply(re.compile(r"You are registered for Negotiation")),
        )
    await console.shot("learner-registered")

    await console.become("Ada Admin", ADA)
    panel = page.locator("#goto-panel")
    await expect(panel).to_contain_text("Leo Learner")
    await panel.get_by_label("Leo Learner answered poll 2").uncheck()
    await console.shot("goto-panel", panel)
    await console.panel("Play and end the session", "Played session #1 on the GoTo sandbox")
    await console.panel("+2 days", "Moved time +2 days")
    await console.panel("Run sync now", "Sync now: #1 Negotiation")
    await console.panel("+2 days", "Moved time +2 days")
    await console.panel("Run sync now", "report posted")
    report = await console.go(
        TRAINING, "#training", lambda: console.newest_reply("Completion report")
    )
    await expect(report).to_contain_text("answered 2 of 3 polls")
    await console.shot("report-in-training")
    home = await console.go("home", "Home", lambda: page.locator("#home-view"))
    await expect(home).to_contain_text("1 did not complete")
    await console.shot("home-tab")
    await console.read_ticks()
    return console.tour


async def rounds(console: Console, count: int) -> None:
    """More samples of each kind after the tour, as Ada: a command in her DM with the bot, the
    Home tab's "Register people" button (it opens a modal), and a modal submit the bot refuses
    (a location name already taken: the error shows under the field)."""
    page = console.page
    again = console.dialog("New location")
    for _ in range(count):
        await console.go("dm", "viltbot", lambda: page.locator("#pane-title", has_text="viltbot"))
        await console.command("sessions", re.compile("upcoming session"), from_tour=False)
        await console.go("home", "Home", lambda: page.locator("#home-view"))
        await console.click(
            page.locator("#home-view").get_by_role("button", name="Register people").first,
            "Register people",
            lambda: console.dialog("Register people"),
        )
        await close_modal(page)
        await console.go("dm", "viltbot", lambda: page.locator("#pane-title", has_text="viltbot"))
        await console.command_opening("location new", "New location", from_tour=False)
        await again.get_by_label("Name").fill("Webinar room")
        await console.choose(
            again.get_by_label("Kind"), "GoToWebinar", lambda: again.get_by_label("Consumer key")
        )
        await again.get_by_label("Consumer key").fill("demo-webinar-app")
        await again.get_by_label("Consumer secret").fill("demo-webinar-secret")
        await console.submit(again, "Create", lambda: again.locator(".error"))
        await close_modal(page)
    if count:
        await console.go(
            GENERAL, "#general", lambda: page.locator("#pane-title", has_text="general")
        )


async def close_modal(page: Page) -> None:
    await page.get_by_role("dialog").get_by_role("button", name="Close").click()
    await expect(page.get_by_role("dialog")).to_have_count(0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(tour: Tour) -> list[str]:
    lines = []
    for kind in KINDS:
        times = tour.times(kind)
        if times:
            lines.append(
                f"{kind:<13} n={len(times):<3} median {statistics.median(times):6.1f} ms"
                f"   p95 {percentile(times, 0.95):6.1f} ms"
            )
    worst = max((len(a.requests) for a in tour.actions), default=0)
    lines.append(
        f"actions {len(tour.actions)}: most requests for one action {worst}, "
        f"replies out of view {sum(not a.in_view for a in tour.actions)}, "
        f"page loads after the first {tour.documents}, tour steps ticked "
        f"{len(tour.ticks)}/{tour.steps}"
    )
    return lines


@contextlib.asynccontextmanager
async def served_sandbox(folder: Path) -> AsyncIterator[str]:
    """`viltbot serve --sandbox` in `folder` (a fresh SQLite file), on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    viltbot = Path(sys.executable).with_name("viltbot")
    process = await asyncio.create_subprocess_exec(
        str(viltbot),
        "serve",
        "--sandbox",
        "--port",
        str(port),
        cwd=folder,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                if process.returncode is not None:
                    raise RuntimeError(f"viltbot serve --sandbox stopped ({process.returncode})")
                await asyncio.sleep(0.1)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        found = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield found
        finally:
            await found.close()


async def main(count: int, shots: Path | None) -> Tour:
    with tempfile.TemporaryDirectory() as folder:
        async with served_sandbox(Path(folder)) as base, browser() as chromium:
            page = await chromium.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            console = Console(page, base, shots)
            return await take_tour(console, count)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="extra samples of each kind")
    parser.add_argument("--shots", type=Path, default=None, help="save screenshots here")
    parser.add_argument("--each", action="store_true", help="print every action")
    args = parser.parse_args()
    result = asyncio.run(main(args.rounds, args.shots))
    if args.each:
        for a in result.actions:
            print(
                f"{a.kind:<13} {a.ms:7.1f} ms (answered {a.answered_ms:6.1f}, "
                f"driver {a.driver_ms:6.1f}) "
                f"{'in view' if a.in_view else 'OUT OF VIEW'}  {a.label}  {a.requests}"
            )
    print("\n".join(summary(result)))
