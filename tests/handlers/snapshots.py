"""Golden snapshots: what a user sees in Slack, stored as readable JSON beside the tests.

`assert_snapshot("name", value)` compares `value` with `snapshots/name.json` (pretty-printed,
sorted keys). A missing or different snapshot fails the test; with `VILTBOT_UPDATE_SNAPSHOTS=1`
in the environment, missing snapshots are written and different ones rewritten instead, and
the test passes: review every written file as the person who will read it in Slack.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "VILTBOT_UPDATE_SNAPSHOTS"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def updating() -> bool:
    """Whether snapshots may be written (VILTBOT_UPDATE_SNAPSHOTS=1)."""
    return os.environ.get(UPDATE_ENV, "").strip() == "1"


def render(value: Any) -> str:
    """The stored form of a value: indented JSON with sorted keys and a final newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def text_lines(text: str) -> dict[str, list[str]]:
    """A plain message as the lines it shows, which reads better in a snapshot than one string."""
    return {"lines": text.split("\n")}


def assert_snapshot(name: str, value: Any) -> None:
    """Fail unless `value` renders exactly as the stored snapshot `name`."""
    assert NAME_RE.match(name), f"snapshot names are lower-case file names: {name!r}"
    path = SNAPSHOTS / f"{name}.json"
    actual = render(value)
    if path.is_file():
        expected = path.read_text(encoding="utf-8")
        if actual == expected:
            return
        if updating():
            path.write_text(actual, encoding="utf-8")
            return
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{path.name} (stored)",
                tofile=f"{path.name} (now)",
            )
        )
        raise AssertionError(
            f"{name} differs from its snapshot {path}:\n{diff}\n"
            f"If the change is intended, rerun with {UPDATE_ENV}=1 and review the file."
        )
    if updating():
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    raise AssertionError(
        f"no snapshot {path} yet. Run with {UPDATE_ENV}=1 to write it, then review it:\n{actual}"
    )
