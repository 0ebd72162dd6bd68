"""The domain knows no I/O: it imports neither the bot, handlers, db, httpx nor Slack."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("bot", "handlers", "db", "httpx", "slack_sdk", "slack_bolt", "aiohttp", "starlette")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_no_outside_world() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "domain").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_goto_client_never_touches_the_database() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "bot" / "goto").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in {"db", "domain", "sqlalchemy", "sqlmodel", "handlers"}
    }
    assert offenders == set()
