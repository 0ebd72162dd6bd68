"""Looking into the Slack stand-in: recorded calls, messages, views, and resetting it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sandbox.slack.core import StandInCore
from sandbox.slack.records import RecordedCall


class Inspection(StandInCore):
    """What a test or the console reads back from the stand-in."""

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls to one method (or RESPONSE_URL / UPLOAD_URL), oldest first."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the harness API polls recorded calls
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Wait until `count` matching calls arrived and return all matching calls."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                seen = "\n  ".join(c.summary() for c in self.calls) or "(none)"
                condition = " matching `where`" if where is not None else ""
                raise AssertionError(
                    f"expected {count} call(s) to {method}{condition} within {timeout:g}s, "
                    f"got {len(matching)}. Calls seen:\n  {seen}"
                )
            await asyncio.sleep(0.01)

    def messages(self, channel_id: str, team_id: str | None = None) -> list[dict[str, Any]]:
        """Current messages in a channel (after updates and deletes), each with its 'channel'."""
        found: list[dict[str, Any]] = []
        for (team, channel), items in self._messages.items():
            if channel == channel_id and (team_id is None or team == team_id):
                found.extend({**item, "channel": channel} for item in items)
        return found

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A view as Slack stores it (id, hash, state, generated block_ids...)."""
        return self._views.get(view_id)

    def views(self, team_id: str | None = None) -> list[dict[str, Any]]:
        """All stored views, oldest first."""
        return [v for v in self._views.values() if team_id is None or v["team_id"] == team_id]

    def view_user(self, view_id: str) -> str | None:
        """The user a view was opened or published for, when known."""
        return self._view_users.get(view_id)

    def home_view(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        """The App Home view last published for a user."""
        for (team, user), view_id in self._home.items():
            if user == user_id and (team_id is None or team == team_id):
                return self._views[view_id]
        return None

    def reset(self, *, state: bool = False) -> None:
        """Forget recorded calls, violations and faults; with state=True also messages/views/files/seeds."""
        self.calls.clear()
        self.violations.clear()
        self._faults.clear()
        if state:
            self.workspaces.clear()
            self.channels.clear()
            self.users.clear()
            self.files.clear()
            self.oauth_codes.clear()
            self._init_runtime()
