"""A real headless Chromium (Debian's package) driven by Playwright; missing it fails the test."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Launch Chromium (Playwright gives it a fresh profile); raises when it is not installed."""
    path = shutil.which("chromium") or shutil.which(CHROMIUM)
    if path is None:
        pytest.fail(
            f"Chromium is not installed (looked for `chromium` on PATH and {CHROMIUM}); "
            "the browser tests need it: apt-get install chromium (.ci/run installs it).",
            pytrace=False,
        )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
