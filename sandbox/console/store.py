"""What the console shows, kept with the sandbox's data: a restarted sandbox shows the same workspace.

One row of the sandbox's own table (created here, not by the bot's migrations) holds the Slack
stand-in's snapshot, the feed's (acks, minted response_urls, stored blocks), the modals the
console saw closed and the GoTo sandbox's data (sandbox/goto/snapshot.py), as JSON text. It is read once when the console is created, before anything
is served; a background task writes it at most every SAVE_SECONDS after something changed, and
once more when the runtime closes. What a person typed into a modal is never kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import Runtime
from db.engine import is_postgres, secure_sqlite_file
from db.migrate import sync_url
from sandbox.console.feed import Feed
from sandbox.goto import snapshot as goto_snapshot
from sandbox.goto.state import SandboxState
from sandbox.slack.web_api import SlackStandIn

log = logging.getLogger(__name__)

TABLE = "sandbox_console_feed"
ROW = "console"
STORE_VERSION = 1
SAVE_SECONDS = 0.5
# Rounds after a change in which the state is looked at again: a call is recorded before its
# effect lands (a delayed answer, an upload), and that effect is saved too.
SETTLE_ROUNDS = 4
RESTORE_CONNECT_SECONDS = 5

CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "id VARCHAR(40) PRIMARY KEY, body TEXT NOT NULL, saved_at VARCHAR(40) NOT NULL)"
)
SELECT_ROW = f"SELECT body FROM {TABLE} WHERE id = :id"
UPSERT_ROW = (
    f"INSERT INTO {TABLE} (id, body, saved_at) VALUES (:id, :body, :saved_at) "
    "ON CONFLICT (id) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at"
)


class FeedStore:
    """Saves and restores the console's workspace in the sandbox's database."""

    def __init__(
        self,
        runtime: Runtime,
        standin: SlackStandIn,
        feed: Feed,
        closed: set[str],
        revision: Callable[[], int],
    ) -> None:
        self.database_url = runtime.settings.database_url
        # The GoTo sandbox's data holds its tokens and consumer secrets: kept encrypted.
        self.box = runtime.box
        self.engine: AsyncEngine = runtime.engine
        self.standin = standin
        self.feed = feed
        self.closed = closed
        self.revision = revision
        self.goto: SandboxState | None = None
        self._goto_saved: dict[str, Any] | None = None
        self._saved: str | None = None  # the snapshot last written, before encryption
        self._mark = self._current_mark()
        self._rounds = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Saving starts with the web app and ends, with a last save, before the database closes.
        runtime.starters.append(self.start)
        runtime.closers.append(self.close)

    def snapshot(self) -> dict[str, Any]:
        """Everything the console shows (and the GoTo sandbox's data), as JSON-ready data."""
        data: dict[str, Any] = {
            "version": STORE_VERSION,
            "standin": self.standin.snapshot(),
            "feed": self.feed.snapshot(),
            "closed": sorted(self.closed),
        }
        if self.goto is not None:
            data["goto"] = goto_snapshot.snapshot(self.goto)
        return data

    def _sealed(self, data: dict[str, Any]) -> str:
        """The row's text: `data` with the GoTo sandbox's part encrypted."""
        if "goto" in data:
            data = {**data, "goto": self.box.encrypt(json.dumps(data["goto"]))}
        return json.dumps(data, default=str, separators=(",", ":"))

    def keep_goto(self, goto: SandboxState) -> bool:
        """Keep the GoTo sandbox's data too: put back what was saved (call before anything is
        served) and save its changes from now on; True if saved data was put back."""
        self.goto = goto
        restored = False
        if self._goto_saved is not None:
            try:
                restored = goto_snapshot.restore(goto, self._goto_saved)
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                # The kind of problem only: the saved data holds the GoTo sandbox's tokens.
                log.warning(
                    "sandbox console: the saved GoTo sandbox could not be read (%s); "
                    "starting afresh",
                    type(exc).__name__,
                )
            self._goto_saved = None
        self._mark = self._current_mark()
        return restored

    def _opened(self, sealed: str) -> dict[str, Any] | None:
        """The GoTo sandbox's saved data, decrypted; None when the key cannot open it."""
        try:
            opened = json.loads(self.box.decrypt(sealed))
        except Exception as exc:  # a changed key, a damaged row: start the GoTo side afresh
            log.warning(
                "sandbox console: the saved GoTo sandbox could not be opened (%s)",
                type(exc).__name__,
            )
            return None
        return opened if isinstance(opened, dict) else None

    def restore(self) -> bool:
        """Read the saved row (creating the table on first use) and put it back; True if one was."""
        body = self._read()
        if body is None:
            return False
        try:
            data = json.loads(body)
            if data.get("version") != STORE_VERSION:
                return False
            goto = data.get("goto")
            self._goto_saved = self._opened(goto) if isinstance(goto, str) else None
            self.standin.restore(data["standin"])
            self.feed.restore(data["feed"])
            self.closed.update(str(view_id) for view_id in data.get("closed") or [])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning(
                "sandbox console: the saved feed could not be read (%s); starting afresh", exc
            )
            return False
        self._mark = self._current_mark()
        return True

    def _read(self) -> str | None:
        # Once, before the app serves (and maybe before any event loop runs): a short sync read.
        url = sync_url(self.database_url)
        if is_postgres(self.database_url):
            connect_args: dict[str, Any] = {"connect_timeout": RESTORE_CONNECT_SECONDS}
        else:
            secure_sqlite_file(self.database_url)
            connect_args = {"timeout": RESTORE_CONNECT_SECONDS}
        engine = sqlalchemy.create_engine(url, connect_args=connect_args)
        try:
            with engine.begin() as conn:
                conn.execute(text(CREATE_TABLE))
                row = conn.execute(text(SELECT_ROW), {"id": ROW}).first()
        except SQLAlchemyError as exc:
            log.warning("sandbox console: the saved feed could not be read (%s)", exc)
            return None
        finally:
            engine.dispose()
        return str(row[0]) if row is not None else None

    async def save(self) -> bool:
        """Write the snapshot if it differs from the one last written; True if it was written.
        (Compared before encrypting: the same data encrypts differently each time.)"""
        data = self.snapshot()
        plain = json.dumps(data, default=str, separators=(",", ":"))
        if plain == self._saved:
            return False
        saved_at = datetime.now(UTC).isoformat(timespec="seconds")
        body = self._sealed(data)
        async with self.engine.begin() as conn:
            await conn.execute(text(UPSERT_ROW), {"id": ROW, "body": body, "saved_at": saved_at})
        self._saved = plain
        return True

    async def start(self) -> None:
        """Start saving in the background (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox console saver")

    async def close(self) -> None:
        """Stop the background saving, then save what is there now."""
        self._stop.set()
        if self._task is not None:
            await self._task
        try:
            await self.save()
        except SQLAlchemyError as exc:
            log.warning("sandbox console: the feed could not be saved on close (%s)", _problem(exc))

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), SAVE_SECONDS)
            if self._stop.is_set():
                return
            try:
                await self._save_if_changed()
            except (SQLAlchemyError, OSError) as exc:
                # The next round tries again.
                self._rounds = max(self._rounds, 1)
                log.warning("sandbox console: the feed could not be saved (%s)", _problem(exc))

    async def _save_if_changed(self) -> None:
        mark = self._current_mark()
        if mark != self._mark:
            self._mark = mark
            self._rounds = SETTLE_ROUNDS
        if self._rounds <= 0:
            return
        self._rounds -= 1
        await self.save()

    def _current_mark(self) -> tuple[int, int, str]:
        # The GoTo sandbox changes through its API, its control plane and the console's panel:
        # its data is compared as a whole (it is small, and looked at every SAVE_SECONDS).
        goto = "" if self.goto is None else json.dumps(goto_snapshot.snapshot(self.goto))
        return len(self.standin.calls), self.revision(), goto


def _problem(exc: Exception) -> str:
    """What went wrong in a save, without the statement's parameters (the saved body holds the
    GoTo sandbox's tokens)."""
    return str(getattr(exc, "orig", None) or type(exc).__name__)
